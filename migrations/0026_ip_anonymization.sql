-- IP anonymization past the retention window: the masking rule, indexes that find exactly
-- the addresses still to mask, and the one way the application role may mask audit rows.
--
-- Every stored copy of a requester's or recipient's IP address: events.ip_address,
-- form_responses.ip_address, audit_logs.ip_address (no other column or JSON field holds one;
-- user agents are kept).

-- An address with its host part zeroed: IPv4 keeps its /24, IPv6 its /48, and an IPv4-mapped
-- IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address first. Masking a masked address
-- changes nothing, so `ip <> mask_ip(ip)` is exactly "not masked yet".
create function mask_ip(p inet) returns inet
language sql immutable strict parallel safe
as $$
    select case
        when family(p) = 6 and p << '::ffff:0.0.0.0/96'::inet
            then set_masklen(network(set_masklen(substr(host(p), 8)::inet, 24)), 32)
        when family(p) = 4 then set_masklen(network(set_masklen(p, 24)), 32)
        else set_masklen(network(set_masklen(p, 48)), 128)
    end
$$;

-- Only the rows still to mask are in these indexes: a nightly run reads its work and nothing
-- else, and a masked row leaves the index (a run interrupted mid-way resumes where it stopped).
create index events_unmasked_ip_idx on events (organization_id, occurred_at)
    where ip_address is not null and ip_address <> mask_ip(ip_address);
create index form_responses_unmasked_ip_idx on form_responses (organization_id, submitted_at)
    where ip_address is not null and ip_address <> mask_ip(ip_address);
create index audit_logs_unmasked_ip_idx on audit_logs (organization_id, created_at)
    where ip_address is not null and ip_address <> mask_ip(ip_address);

-- Audit rows are append-only for the application role (select, insert). Masking their IP is
-- the one change it may make, through this function: owned by the owner (still subject to
-- the forced tenant policy, so only the transaction's organization), touching only
-- `ip_address`, at most `p_limit` rows older than `p_cutoff`. Returns how many it masked.
create function mask_audit_ips(p_cutoff timestamptz, p_limit integer) returns integer
language plpgsql
security definer
set search_path = public
as $$
declare
    masked integer;
begin
    with batch as (
        select organization_id, id from audit_logs
         where organization_id = nullif(current_setting('app.organization_id', true), '')::uuid
           and created_at < p_cutoff
           and ip_address is not null and ip_address <> mask_ip(ip_address)
         order by created_at
         limit p_limit)
    update audit_logs a set ip_address = mask_ip(a.ip_address)
      from batch b
     where a.organization_id = b.organization_id and a.id = b.id;
    get diagnostics masked = row_count;
    return masked;
end;
$$;

alter function mask_audit_ips(timestamptz, integer) owner to reachly_owner;
revoke all on function mask_audit_ips(timestamptz, integer) from public;
grant execute on function mask_audit_ips(timestamptz, integer) to reachly_app;
