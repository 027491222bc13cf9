#!/usr/bin/env bash
# Campaign send benchmark: launch -> send batches -> `completed` with two workers, beside a
# raw COPY of the same event rows into the same partitioned, indexed table, in one run.
#
#   benches/run-send-bench.sh [send_bench flags]     e.g. --recipients 100000 --workers 2
#
# Creates its own databases (reachly_bench_<random>, dropped afterwards) and its own
# redis-server on a free port. Progress goes to stderr; stdout gets the table and a final
# one-line JSON summary.
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" send_bench -- "$@"
