#!/usr/bin/env bash
# GDPR erasure benchmark: one person's erasure through the API (POST /v1/gdpr/requests, the
# `gdpr_erasure` job on one worker, polled until `completed`; wall and job time) among
# bulk-written contacts and 10M events over three monthly partitions, beside bare DELETEs of
# another person's same rows by the same indexes in one transaction, alternating over three
# rounds (medians), in one run, on un-analyzed tables; then the plans (custom and generic) of
# the erasure's events batch and whether either reads an events partition whole.
#
#   benches/run-erasure-bench.sh [erasure_bench flags]     e.g. --events 200000 --contacts 2000
#
# Creates its own database (dropped afterwards) and its own redis-server. Progress goes to
# stderr; stdout gets the tables, the plans and a final one-line JSON summary.
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" erasure_bench -- "$@"
