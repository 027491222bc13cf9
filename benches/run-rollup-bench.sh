#!/usr/bin/env bash
# Event rollup benchmark: the `event_aggregation` job (one worker, submitted through the API)
# over one UTC day of bulk-written events, beside bare INSERT … SELECT … GROUP BY statements
# computing the same rows into scratch tables with the same keys, alternating, in one run, on
# un-analyzed tables.
#
#   benches/run-rollup-bench.sh [rollup_bench flags]     e.g. --events 10000000
#
# Creates its own database (dropped afterwards) and its own redis-server. Progress goes to
# stderr; stdout gets the table and a final one-line JSON summary.
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" rollup_bench -- "$@"
