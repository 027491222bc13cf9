//! Every stored copy of an IP address, and the batch statement that masks it. Adding a
//! table that stores an address means adding it here (and its unmasked-address index).

/// One column holding IP addresses: its name in the job's result, and the statement masking
/// one batch of it (`$1` the cutoff, `$2` the batch size; returns the number of rows masked).
#[derive(Clone, Copy, Debug)]
pub struct MaskTarget {
    pub column: &'static str,
    pub mask_batch: &'static str,
}

/// Each batch is chosen through the target's partial index of unmasked addresses, oldest
/// first, and updated by primary key in its own transaction.
pub const TARGETS: [MaskTarget; 3] = [
    MaskTarget {
        column: "events.ip_address",
        mask_batch: "with batch as (
                select organization_id, id, occurred_at from events
                 where organization_id = current_setting('app.organization_id')::uuid
                   and occurred_at < $1
                   and ip_address is not null and ip_address <> mask_ip(ip_address)
                 order by occurred_at limit $2)
            , masked as (
                update events e set ip_address = mask_ip(e.ip_address)
                  from batch b
                 where e.organization_id = b.organization_id and e.id = b.id
                   and e.occurred_at = b.occurred_at
                returning 1)
            select count(*) from masked",
    },
    MaskTarget {
        column: "form_responses.ip_address",
        mask_batch: "with batch as (
                select organization_id, id from form_responses
                 where organization_id = current_setting('app.organization_id')::uuid
                   and submitted_at < $1
                   and ip_address is not null and ip_address <> mask_ip(ip_address)
                 order by submitted_at limit $2)
            , masked as (
                update form_responses r set ip_address = mask_ip(r.ip_address)
                  from batch b
                 where r.organization_id = b.organization_id and r.id = b.id
                returning 1)
            select count(*) from masked",
    },
    MaskTarget {
        // Append-only for the application role: masked through the owner's function.
        column: "audit_logs.ip_address",
        mask_batch: "select mask_audit_ips($1, $2::int4)::int8",
    },
];
