-- The send path no longer pays for finding the addresses to mask. 0026's partial index of
-- unmasked event addresses cost a 200k-recipient send about a quarter of its time (19.9 s
-- against 16.1 s without it, benches/run-send-bench.sh). A run now finds its events through
-- the dashboard index (organization_id, campaign_id, event_type, occurred_at), from a
-- per-organization watermark: events before `events_masked_until` are masked, and campaigns
-- written to since `campaigns_seen_until` (a launch with a `start_at` in the past writes old
-- events) are read from their beginning.
drop index events_unmasked_ip_idx;

create table ip_anonymization_watermarks (
    organization_id       uuid        primary key references organizations (id),
    events_masked_until   timestamptz not null,
    campaigns_seen_until  timestamptz not null
);

alter table ip_anonymization_watermarks enable row level security;
alter table ip_anonymization_watermarks force row level security;
create policy tenant_isolation on ip_anonymization_watermarks
    using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid)
    with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);
grant select, insert, update, delete on ip_anonymization_watermarks to reachly_app, reachly_maint;
