//! Every stored copy of an IP address, and the batch statement that masks it. Adding a
//! table that stores an address means adding it here (and, for a small table, its
//! unmasked-address index; and
//! `mask_ip` in `jobs/data/personal_data.tsv`).

/// One column holding IP addresses, and how a batch of it is masked.
#[derive(Clone, Copy, Debug)]
pub struct MaskTarget {
    /// `table.column`, its name in the job's result.
    pub column: &'static str,
    pub how: Masking,
}

/// How one batch of a target is masked (`$1` the cutoff, `$2` the batch size; the statement
/// returns the number of rows masked).
#[derive(Clone, Copy, Debug)]
pub enum Masking {
    /// Chosen through the table's partial index of unmasked addresses, oldest first, and
    /// updated by primary key. `key` is the primary key without `organization_id`.
    Update {
        table: &'static str,
        time: &'static str,
        key: &'static [&'static str],
    },
    /// Through a function (a table the application role may not update).
    Function(&'static str),
    /// IP fields inside JSON documents, rewritten by this statement.
    Json(&'static str),
    /// `events`: walked per campaign and event type from the organization's watermark,
    /// with no index on the insert path (see `events.rs`).
    ByCampaign,
}

impl MaskTarget {
    /// The batch statement.
    pub fn statement(&self) -> String {
        match self.how {
            Masking::Function(sql) | Masking::Json(sql) => sql.to_owned(),
            Masking::ByCampaign => super::events::MASK_EVENTS_BATCH.to_owned(),
            Masking::Update { table, time, key } => {
                let key_list = key.join(", ");
                let key_match: String = key.iter().map(|k| format!(" and t.{k} = b.{k}")).collect();
                format!(
                    "with batch as (
                         select organization_id, {key_list} from {table}
                          where organization_id = current_setting('app.organization_id')::uuid
                            and {time} < $1
                            and ip_address is not null and ip_address <> mask_ip(ip_address)
                          order by {time} limit $2),
                     masked as (
                         update {table} t set ip_address = mask_ip(t.ip_address)
                           from batch b
                          where t.organization_id = b.organization_id{key_match}
                         returning 1)
                     select count(*) from masked"
                )
            }
        }
    }
}

pub const TARGETS: [MaskTarget; 4] = [
    MaskTarget {
        column: "events.ip_address",
        how: Masking::ByCampaign,
    },
    MaskTarget {
        column: "form_responses.ip_address",
        how: Masking::Update {
            table: "form_responses",
            time: "submitted_at",
            key: &["id"],
        },
    },
    MaskTarget {
        // Append-only for the application role: masked through the owner's function.
        column: "audit_logs.ip_address",
        how: Masking::Function("select mask_audit_ips($1, $2::int4)::int8"),
    },
    MaskTarget {
        // Exports waiting for their download hold events' and form responses' addresses.
        column: "gdpr_exports.document",
        how: Masking::Json(MASK_EXPORTS_BATCH),
    },
];

/// One batch of exports whose document holds an address older than the cutoff, masked
/// (`mask_export_ips`, migration 0030).
const MASK_EXPORTS_BATCH: &str = "
with masked_documents as (
    select organization_id, gdpr_request_id, document,
           jsonb_set(jsonb_set(document, '{events}',
                               mask_export_ips(document -> 'events', 'occurred_at', $1)),
                     '{form_responses}',
                     mask_export_ips(document -> 'form_responses', 'submitted_at', $1)) as masked
      from gdpr_exports
     where organization_id = current_setting('app.organization_id')::uuid),
batch as (select * from masked_documents where masked <> document limit $2),
rewritten as (
    update gdpr_exports x set document = b.masked
      from batch b
     where x.organization_id = b.organization_id and x.gdpr_request_id = b.gdpr_request_id
    returning 1)
select count(*) from rewritten";
