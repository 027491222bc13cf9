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
    /// `events`: walked per campaign and event type from the organization's watermark,
    /// with no index on the insert path (see `events.rs`).
    ByCampaign,
}

impl MaskTarget {
    /// The batch statement.
    pub fn statement(&self) -> String {
        match self.how {
            Masking::Function(sql) => sql.to_owned(),
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

pub const TARGETS: [MaskTarget; 3] = [
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
];
