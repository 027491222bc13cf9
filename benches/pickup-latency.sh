#!/usr/bin/env bash
# Pickup latency of an idle worker: submits N noop jobs one at a time, PAUSE seconds apart
# (the worker is idle between them), against the API and worker that scripts/demo.sh leaves
# running, then prints each job's started_at - created_at and the median and maximum.
#
#   benches/pickup-latency.sh [N=20] [PAUSE=0.5]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/env.sh
N="${1:-20}"
PAUSE="${2:-0.5}"
BASE="http://$REACHLY_API_ADDR"
curl -fsS "$BASE/readyz" >/dev/null || { echo "no API at $BASE: run scripts/demo.sh first" >&2; exit 1; }
TOKEN=$(target/debug/reachly-api token --organization latency-probe --email ops@latency-probe.test)
IDS=()
for _ in $(seq 1 "$N"); do
    IDS+=("$(curl -fsS -X POST "$BASE/v1/jobs" -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' -d '{"kind": "noop"}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
    sleep "$PAUSE"
done
sleep 1
IN=$(printf "'%s'," "${IDS[@]}")
psql "$MAINT_DATABASE_URL" -tA -c "
    with l as (select extract(epoch from started_at - created_at) * 1000 as ms
                 from job_runs where id in (${IN%,}))
    select 'pickup ms: ' || string_agg(round(ms)::text, ' ') from l
    union all
    select format('jobs %s, median %s ms, max %s ms', count(*),
                  round((percentile_cont(0.5) within group (order by ms))::numeric),
                  round(max(ms)::numeric)) from l"
