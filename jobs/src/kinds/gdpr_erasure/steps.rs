//! Every place erasure looks for a person, in the order it visits them, and the statements
//! that clear one batch there and count what is left. Adding a table that holds personal
//! data means adding its step here: a test checks that every `delete_row` and `scrub` line
//! of `jobs/data/personal_data.tsv` has one.
//!
//! Every statement takes the same parameters: `$1` organization, `$2` the person's contact id
//! (null when they have none), `$3` `lower(address)`, `$4` the address as a case-insensitive
//! regular expression (see `pattern.rs`), `$5` the subject's keyed hash, `$6` the batch size,
//! `$7` one of the person's leads (`crate::privacy::person`): a step that names it runs once
//! per lead (once with null for a person without leads). Rows hanging off the person are found
//! by those ids, each an equality on an index's columns, the one shape whose plan does not
//! depend on statistics (an array of ids read the organization's rows under generic plans);
//! free text is searched for the address.

/// What a step does to the rows it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The rows are about the person: deleted.
    Delete,
    /// The rows are about something else too: these columns have the address replaced by
    /// `[erased]` (text or JSON alike).
    Scrub(&'static [&'static str]),
    /// The rows may not be changed by the application role but through this owner's function
    /// (which clears `columns` and returns how many rows it changed).
    Function {
        call: &'static str,
        columns: &'static [&'static str],
    },
}

/// One place erasure looks: a table, which of its rows are the person's (`matches`, a
/// condition on the row `t`), and what is done to them.
#[derive(Clone, Copy, Debug)]
pub struct ErasureStep {
    pub table: &'static str,
    /// The primary key without `organization_id`.
    pub key: &'static [&'static str],
    pub matches: &'static str,
    pub effect: Effect,
}

/// The order matters: rows that refer to others go first (the foreign keys from events,
/// validation logs, leads and form responses to contacts are NO ACTION, so the contact can
/// only go once they have), and audit rows about the person's leads are scrubbed while the
/// leads still say which ones are theirs.
pub const STEPS: &[ErasureStep] = &[
    ErasureStep {
        table: "audit_logs",
        key: &["id"],
        matches: "t.subject_type in ('contact', 'lead')
              and t.subject_id = any(array[$2, $7])
              and (t.details <> '{}' or t.changes is not null or t.ip_address is not null
                   or t.user_agent is not null)",
        effect: Effect::Function {
            call: "select scrub_audit_subjects(array_remove(array[$2, $7], null))::int8",
            columns: &["changes", "details", "ip_address", "user_agent"],
        },
    },
    ErasureStep {
        table: "job_runs",
        key: &["id"],
        matches: "(t.payload::text ~* $4 or t.result::text ~* $4 or t.last_error ~* $4
                   or t.dedupe_key ~* $4)",
        effect: Effect::Scrub(&["dedupe_key", "last_error", "payload", "result"]),
    },
    ErasureStep {
        table: "job_attempt_errors",
        key: &["job_id", "id"],
        matches: "t.error ~* $4",
        effect: Effect::Scrub(&["error"]),
    },
    ErasureStep {
        table: "contact_lists",
        key: &["id"],
        matches: "t.failure_reason ~* $4",
        effect: Effect::Scrub(&["failure_reason"]),
    },
    ErasureStep {
        table: "events",
        key: &["id", "occurred_at"],
        matches: "t.contact_id = $2",
        effect: Effect::Delete,
    },
    // Two steps, not one `or`: each is one index probe (their counts add up in the receipt).
    ErasureStep {
        table: "form_responses",
        key: &["id"],
        matches: "t.contact_id = $2",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "form_responses",
        key: &["id"],
        matches: "t.lead_id = $7",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "leads",
        key: &["id"],
        matches: "t.id = $7",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "validation_logs",
        key: &["id"],
        matches: "t.contact_id = $2",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "campaign_contact_assignments",
        key: &["campaign_id", "contact_id"],
        matches: "t.contact_id = $2",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "contact_list_members",
        key: &["list_id", "contact_id"],
        matches: "t.contact_id = $2",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "list_import_errors",
        key: &["id"],
        matches: "(t.raw_line ~* $4 or t.reason ~* $4)",
        effect: Effect::Delete,
    },
    ErasureStep {
        // The upload of an import that failed (a committed import already deleted its own;
        // the job waits for imports still running, see `run.rs`).
        table: "list_upload_chunks",
        key: &["list_id", "seq"],
        matches: "t.list_id in (select c.id from contact_lists c
                                 where c.organization_id = $1
                                   and c.status not in ('pending', 'importing'))",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "gdpr_exports",
        key: &["gdpr_request_id"],
        matches: "t.gdpr_request_id in (select r.id from gdpr_requests r
                                         where r.organization_id = $1
                                           and r.subject_email_hash = $5)",
        effect: Effect::Delete,
    },
    ErasureStep {
        table: "contacts",
        key: &["id"],
        matches: "t.id = $2",
        effect: Effect::Delete,
    },
];

impl ErasureStep {
    /// One batch: changes at most `$6` matching rows, returns how many it changed.
    pub fn batch(&self) -> String {
        let (table, matches) = (self.table, self.matches);
        let key_list = self.key.join(", ");
        let key_match: String = self
            .key
            .iter()
            .map(|k| format!(" and x.{k} = b.{k}"))
            .collect();
        let change = match self.effect {
            Effect::Function { call, .. } => return call.to_owned(),
            Effect::Delete => format!("delete from {table} x using batch b"),
            Effect::Scrub(columns) => {
                let set: Vec<String> = columns.iter().map(|c| scrubbed(table, c)).collect();
                format!("update {table} x set {} from batch b", set.join(", "))
            }
        };
        format!(
            "with batch as (
                 select {key_list} from {table} t
                  where t.organization_id = $1 and {matches}
                  limit $6),
             changed as (
                 {change}
                  where x.organization_id = $1{key_match}
                 returning 1)
             select count(*) from changed"
        )
    }

    /// Whether the step runs once per lead of the person (it names `$7`).
    pub fn per_lead(&self) -> bool {
        let call = match self.effect {
            Effect::Function { call, .. } => call,
            _ => "",
        };
        self.matches.contains("$7") || call.contains("$7")
    }

    /// How many rows still match (after the step: none).
    pub fn remaining(&self) -> String {
        format!(
            "select count(*) from {} t where t.organization_id = $1 and {}",
            self.table, self.matches
        )
    }

    /// The columns the step clears (every column, for a deletion).
    pub fn columns(&self) -> Option<&'static [&'static str]> {
        match self.effect {
            Effect::Delete => None,
            Effect::Scrub(columns) | Effect::Function { columns, .. } => Some(columns),
        }
    }
}

/// `column = <column with every match of $4 replaced>`, keeping its type.
fn scrubbed(table: &str, column: &str) -> String {
    let json = matches!((table, column), ("job_runs", "payload" | "result"));
    if json {
        format!("{column} = regexp_replace(x.{column}::text, $4, '[erased]', 'gi')::jsonb")
    } else {
        format!("{column} = regexp_replace(x.{column}, $4, '[erased]', 'gi')")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::{Erasure, personal_data};

    #[test]
    fn every_personal_column_has_its_step() {
        for column in personal_data() {
            let step = STEPS.iter().find(|s| s.table == column.table);
            match column.erasure {
                Erasure::DeleteRow => assert_eq!(
                    step.map(|s| s.effect),
                    Some(Effect::Delete),
                    "{}.{} is declared delete_row",
                    column.table,
                    column.column
                ),
                Erasure::Scrub if column.table == "gdpr_requests" => {}
                Erasure::Scrub => assert!(
                    step.and_then(|s| s.columns())
                        .is_some_and(|c| c.contains(&column.column)),
                    "{}.{} is declared scrub",
                    column.table,
                    column.column
                ),
                Erasure::NotPersonal(_) => {}
            }
        }
    }

    #[test]
    fn a_scrub_batch_keeps_json_columns_json() {
        let job_runs = STEPS.iter().find(|s| s.table == "job_runs").unwrap();
        let batch = job_runs.batch();
        assert!(
            batch
                .contains("payload = regexp_replace(x.payload::text, $4, '[erased]', 'gi')::jsonb")
        );
        assert!(batch.contains("last_error = regexp_replace(x.last_error, $4, '[erased]', 'gi')"));
    }
}
