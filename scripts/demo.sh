#!/usr/bin/env bash
# The demo: services, migrations, build, then the API and one worker started in the
# background (left running), sample jobs submitted and their results printed, and a curl
# command with a fresh token to try the API yourself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/env.sh

scripts/services.sh >/dev/null
# The fixture DNS server the validation job asks (REACHLY_DNS_SERVERS, 127.0.0.1:5353).
scripts/dns-fixture.sh start >/dev/null
cargo build --workspace --bins
API=target/debug/reachly-api
WORKER=target/debug/reachly-worker
RUN=.run
mkdir -p "$RUN"

$API migrate

# Replace the processes of an earlier demo, if any.
for name in api worker; do
    if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
        kill "$(cat "$RUN/$name.pid")" && sleep 1
    fi
done
nohup $API serve >"$RUN/api.log" 2>&1 &
echo $! >"$RUN/api.pid"
nohup $WORKER >"$RUN/worker.log" 2>&1 &
echo $! >"$RUN/worker.pid"

BASE="http://$REACHLY_API_ADDR"
for _ in $(seq 1 100); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$BASE/readyz" >/dev/null || { echo "the API did not become ready; see $RUN/api.log" >&2; exit 1; }

TOKEN=$($API token --organization demo-broker --email ops@demo-broker.test --role admin)
submit() {
    curl -fsS -X POST "$BASE/v1/jobs" -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' -d "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
echo "Submitting sample jobs..."
OK=$(submit '{"kind": "noop", "payload": {"sleep_ms": 200}}')
FLAKY=$(submit '{"kind": "noop", "payload": {"fail_times": 2}, "max_attempts": 3}')
DOOMED=$(submit '{"kind": "noop", "payload": {"fail_times": 9}, "max_attempts": 2}')

show() {
    curl -fsS "$BASE/v1/jobs/$1" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
j = json.load(sys.stdin)
line = "  {id}  {kind:<6} {status:<10} attempts={attempts}/{max_attempts}  result={result}  last_error={last_error}"
print(line.format(**dict(j, result=json.dumps(j["result"]))))
print(j["status"], file=sys.stderr)' 2>"$RUN/last-status"
}
final() { case "$(cat "$RUN/last-status")" in succeeded | dead | cancelled) return 0 ;; *) return 1 ;; esac }
# Waits (30 s at most) until job $1 is succeeded, dead or cancelled.
wait_final() {
    for _ in $(seq 1 150); do
        show "$1" >/dev/null && final && return 0
        sleep 0.2
    done
}

echo "Waiting for them to finish (retries back off exponentially)..."
for id in "$OK" "$FLAKY" "$DOOMED"; do wait_final "$id"; done
echo "Results:"
for id in "$OK" "$FLAKY" "$DOOMED"; do show "$id"; done

echo
echo "Uploading scripts/demo/sample-list.csv (a CRM export with duplicates, bad rows and every DNS case)..."
UPLOAD=$(curl -fsS -X POST "$BASE/v1/contact-lists" -H "authorization: Bearer $TOKEN" \
    -F name="Demo brokers list" -F file=@scripts/demo/sample-list.csv)
LIST=$(echo "$UPLOAD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["list"]["id"])')
for _ in $(seq 1 150); do
    STATUS=$(curl -fsS "$BASE/v1/contact-lists/$LIST" -H "authorization: Bearer $TOKEN" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case "$STATUS" in validated | failed) break ;; esac
    sleep 0.2
done
curl -fsS "$BASE/v1/contact-lists/$LIST" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
l = json.load(sys.stdin)
print("List {name!r}: {status}".format(**l))
print("  rows {total_rows}: imported {0}, duplicates {duplicate_count}, suppressed {suppressed_count}, unparseable {unparseable_count}".format(
    l["total_rows"] - l["duplicate_count"] - l["suppressed_count"] - l["unparseable_count"], **l))
print("  valid {valid_count}, risky {risky_count}, invalid {invalid_count}, nonexistent {nonexistent_count}".format(**l))'
curl -fsS "$BASE/v1/contact-lists/$LIST/contacts?limit=50" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
for c in json.load(sys.stdin)["data"]:
    d = c["validation_details"] or {}
    print("    {:<34} {:<12} score={:<3} {}".format(c["email"], c["validation_status"], d.get("risk_score", ""), ",".join(d.get("reasons", []))))'

echo
echo "Launching a campaign on the validated list (simulated sends; seed 2026, livelier rates for a small list)..."
post() { curl -fsS -X POST "$BASE$1" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "$2"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TEMPLATE=$(post /v1/email-templates '{"name": "Spring plans", "subject": "Your 2027 health plan options", "html_body": "<p>Hi {{first_name}}</p>"}' | field '["id"]')
FORM=$(post /v1/forms '{"name": "Get a quote", "slug": "quote-'"$RANDOM"'", "fields": [
    {"key": "first_name", "label": "First name", "field_type": "text", "required": true},
    {"key": "email", "label": "Email", "field_type": "email", "required": true},
    {"key": "phone", "label": "Phone", "field_type": "phone"},
    {"key": "birth_date", "label": "Date of birth", "field_type": "date"},
    {"key": "zip", "label": "ZIP code", "field_type": "zip"},
    {"key": "plan", "label": "Plan", "field_type": "select", "options": ["bronze", "silver", "gold"]},
    {"key": "consent", "label": "Contact me", "field_type": "checkbox"}]}' | field '["id"]')
CAMPAIGN=$(post /v1/campaigns '{"name": "Spring open enrollment", "subject": "Your 2027 health plan options", "from_name": "Acme Brokers", "from_email": "plans@acme.test", "list_id": "'"$LIST"'", "template_id": "'"$TEMPLATE"'", "form_id": "'"$FORM"'"}' | field '["id"]')
# The simulated timeline began four days ago, so the nightly rollup below has final days.
START_AT=$(date -u -d '4 days ago' +%Y-%m-%dT09:00:00Z)
post "/v1/campaigns/$CAMPAIGN/launch" '{"seed": 2026, "include_risky": true, "start_at": "'"$START_AT"'", "simulation": {"open_rate": 0.6, "click_rate": 0.3, "form_submit_rate": 0.6}}' >/dev/null
for _ in $(seq 1 150); do
    STATUS=$(curl -fsS "$BASE/v1/campaigns/$CAMPAIGN" -H "authorization: Bearer $TOKEN" | field '["status"]')
    case "$STATUS" in completed | failed | cancelled) break ;; esac
    sleep 0.2
done
curl -fsS "$BASE/v1/campaigns/$CAMPAIGN" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
c = json.load(sys.stdin)
print("Campaign {name!r}: {status}, {recipients} recipients".format(**c))
print("  " + ", ".join("{} {}".format(k, v) for k, v in sorted(c["counts"].items())))'
curl -fsS "$BASE/v1/campaigns/$CAMPAIGN/events?type=open&limit=5" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["data"]:
    print("    open  {occurred_at}  {ip:<40} {0}".format("machine" if e["data"].get("machine_open") else "human", **e))'
curl -fsS "$BASE/v1/campaigns/$CAMPAIGN/leads?limit=5" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
for l in json.load(sys.stdin)["data"]:
    print("    lead  {email:<34} {status}  {0}".format(json.dumps(l["response"]), **l))'

echo
echo "Rolling up the campaign's events (event_aggregation, as the nightly cron would; days that ended over 24 h ago become final)..."
AGG=$(post /v1/jobs '{"kind": "event_aggregation"}' | field '["id"]')
wait_final "$AGG"
show "$AGG"
FROM=$(date -u -d '5 days ago' +%F)
TO=$(date -u -d '30 days' +%F)
curl -fsS "$BASE/v1/campaigns/$CAMPAIGN/metrics?from=$FROM&to=$TO" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
m = json.load(sys.stdin)
cols = ["sent", "delivered", "bounces_hard", "bounces_soft", "opens_unique_human", "opens_total", "opens_machine", "clicks_unique", "clicks_total", "unsubscribes", "leads"]
print("  {:<10} {:<6} ".format("day", "final") + " ".join("{:>8}".format(c.replace("opens_", "op_").replace("clicks_", "cl_").replace("bounces_", "b_").replace("unique_human", "uniq_hum")[:8]) for c in cols))
for d in m["days"]:
    print("  {:<10} {:<6} ".format(d["day"], str(d["final"]).lower()) + " ".join("{:>8}".format(d[c]) for c in cols))
t = m["totals"]
print("  {:<10} {:<6} ".format("total", str(t["final"]).lower()) + " ".join("{:>8}".format(t[c]) for c in cols))
for name, r in t["rates"].items():
    v = "n/a" if r["value"] is None else "{:.1%}".format(r["value"])
    print("    {:<22} {:>7} = {} {} / {} {}".format(name, v, r["numerator"]["name"], r["numerator"]["value"], r["denominator"]["name"], r["denominator"]["value"]))'

echo
echo "Masking IP addresses past the ${REACHLY_IP_RETENTION_DAYS:-90}-day retention window (ip_anonymization, as the nightly cron would)..."
IPJOB=$(post /v1/jobs '{"kind": "ip_anonymization"}' | field '["id"]')
wait_final "$IPJOB"
show "$IPJOB"

echo
SUBJECT=ann.miller@mail-ok.test
echo "GDPR: an export, then an erasure, of everything the organization holds about $SUBJECT..."
# Opens a request (`gdpr_request TYPE`), waits until it is completed or failed, prints its id.
gdpr_request() {
    local id
    id=$(post /v1/gdpr/requests '{"type": "'"$1"'", "email": "'"$SUBJECT"'"}' | field '["request"]["id"]')
    for _ in $(seq 1 150); do
        case "$(curl -fsS "$BASE/v1/gdpr/requests/$id" -H "authorization: Bearer $TOKEN" | field '["status"]')" in
        completed | failed) break ;;
        esac
        sleep 0.2
    done
    echo "$id"
}
EXPORT=$(gdpr_request export)
curl -fsS "$BASE/v1/gdpr/requests/$EXPORT" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("  export {id}: {status}; expires {0}".format(r["export"]["expires_at"] if r["export"] else "-", **r))
print("    sections: " + ", ".join("{} {}".format(k, v) for k, v in r["receipt"]["sections"].items()))'
curl -fsS "$BASE/v1/gdpr/requests/$EXPORT/export" -H "authorization: Bearer $TOKEN" -o "$RUN/gdpr-export.json"
echo "    downloaded to $RUN/gdpr-export.json ($(wc -c <"$RUN/gdpr-export.json") bytes; the download is audited)"
ERASURE=$(gdpr_request erasure)
curl -fsS "$BASE/v1/gdpr/requests/$ERASURE" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
r = json.load(sys.stdin)
c = r["receipt"]
print("  erasure {id}: {status}; suppressed={0}, rows left after the erasure={1}".format(c["suppressed"], c["verified_remaining"], **r))
for table, n in c["tables"].items():
    if n["deleted"] or n["scrubbed"]:
        print("    {:<30} deleted {:>4}  scrubbed {:>4}".format(table, n["deleted"], n["scrubbed"]))
print("    kept (anonymous counts): " + ", ".join(c["kept_anonymous_counts"]))'

echo
echo "The audit trail of this session (GET /v1/audit-logs, newest first):"
curl -fsS "$BASE/v1/audit-logs?limit=8" -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]:
    print("    {created_at}  {action:<22} {subject_type:<15} {ip_address}".format(**{k: (v if v is not None else "-") for k, v in a.items()}))'

# The demo's admin is a platform operator too: the dashboard shows every queue, worker and
# schedule, and lets them pause and resume queues.
$API grant-platform-admin ops@demo-broker.test >/dev/null

cat <<TXT

Ops dashboard: $BASE/ops
  sign in by pasting this token (valid 24 h; it becomes an HttpOnly session cookie):
  $TOKEN

API (pid $(cat "$RUN/api.pid")) and worker (pid $(cat "$RUN/worker.pid")) keep running; logs in $RUN/.
Try it:

  curl -s -X POST $BASE/v1/jobs -H 'authorization: Bearer $TOKEN' -H 'content-type: application/json' -d '{"kind": "noop", "payload": {"sleep_ms": 100}}'
  curl -s '$BASE/v1/jobs?limit=5' -H 'authorization: Bearer $TOKEN'
  curl -s -X POST $BASE/v1/contact-lists -H 'authorization: Bearer $TOKEN' -F name=mine -F file=@scripts/demo/sample-list.csv
  curl -s $BASE/v1/contact-lists/$LIST -H 'authorization: Bearer $TOKEN'
  curl -s $BASE/v1/campaigns/$CAMPAIGN -H 'authorization: Bearer $TOKEN'
  curl -s '$BASE/v1/campaigns/$CAMPAIGN/events?type=click' -H 'authorization: Bearer $TOKEN'
  curl -s '$BASE/v1/campaigns/$CAMPAIGN/leads/export.csv?field.plan=gold' -H 'authorization: Bearer $TOKEN'
  curl -s '$BASE/v1/campaigns/$CAMPAIGN/metrics?from=$FROM&to=$TO&format=csv' -H 'authorization: Bearer $TOKEN'
  curl -s $BASE/v1/campaigns/$CAMPAIGN/metrics/segments -H 'authorization: Bearer $TOKEN'
  curl -s '$BASE/v1/analytics/campaigns?from=$FROM' -H 'authorization: Bearer $TOKEN'
  curl -s $BASE/v1/analytics/leads -H 'authorization: Bearer $TOKEN'
  curl -s '$BASE/v1/audit-logs?subject_type=campaign&subject_id=$CAMPAIGN' -H 'authorization: Bearer $TOKEN'
  curl -s -X POST $BASE/v1/gdpr/requests -H 'authorization: Bearer $TOKEN' -H 'content-type: application/json' -d '{"type": "export", "email": "bob.stone@example-broker.test"}'
  curl -s $BASE/v1/gdpr/requests/$ERASURE -H 'authorization: Bearer $TOKEN'

Stop them with: kill \$(cat $RUN/api.pid) \$(cat $RUN/worker.pid)
TXT
