//! The registry of personal-data columns: every column of a tenant table whose type can hold
//! personal data (text, varchar, citext, json, jsonb, inet, bytea, arrays), with how erasure
//! of one person and IP anonymization treat it. A test checks it against
//! `information_schema`, so a migration that adds such a column without a line here fails
//! the build.

/// What erasing one person does to a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// The person's rows of this table are deleted (the row is about them).
    DeleteRow,
    /// The person's rows stay (they are about something else too); this column is cleared
    /// or replaced in those rows.
    Scrub,
    /// The column holds no personal data; why.
    NotPersonal(&'static str),
}

/// What IP anonymization does to a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anonymization {
    /// Masked past the retention window (an `ip_anonymization` target).
    MaskIp,
    /// Not an IP address.
    Keep,
}

/// One declared column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonalColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub erasure: Erasure,
    pub anonymization: Anonymization,
}

const fn col(table: &'static str, column: &'static str, erasure: Erasure) -> PersonalColumn {
    PersonalColumn {
        table,
        column,
        erasure,
        anonymization: Anonymization::Keep,
    }
}

const fn ip(table: &'static str, column: &'static str, erasure: Erasure) -> PersonalColumn {
    PersonalColumn {
        table,
        column,
        erasure,
        anonymization: Anonymization::MaskIp,
    }
}

use Erasure::{DeleteRow, NotPersonal, Scrub};

const STATE: Erasure = NotPersonal("a state or kind from a fixed set of words");
const ENGINE: Erasure = NotPersonal("written by the engine about its own work");
const TENANT: Erasure = NotPersonal("the organization's own content, not a recipient's");

/// Every personal-data-capable column of every tenant table, by table.
pub const PERSONAL_DATA: &[PersonalColumn] = &[
    col("audit_logs", "action", STATE),
    col("audit_logs", "changes", Scrub),
    col("audit_logs", "details", Scrub),
    ip("audit_logs", "ip_address", Scrub),
    col("audit_logs", "subject_type", STATE),
    col("audit_logs", "user_agent", Scrub),
    col("campaign_contact_assignments", "status", STATE),
    col("campaign_contact_assignments", "validation_status", STATE),
    col("campaign_event_totals", "event_type", STATE),
    col("campaign_event_totals", "subtype", STATE),
    col("campaigns", "counts", NotPersonal("aggregate counts")),
    col("campaigns", "failure_reason", ENGINE),
    col("campaigns", "from_email", TENANT),
    col("campaigns", "from_name", TENANT),
    col("campaigns", "name", TENANT),
    col("campaigns", "status", STATE),
    col("campaigns", "subject", TENANT),
    col("contact_lists", "description", TENANT),
    col("contact_lists", "failure_reason", Scrub),
    col("contact_lists", "name", TENANT),
    col("contact_lists", "source_filename", TENANT),
    col("contact_lists", "status", STATE),
    col("contacts", "company", DeleteRow),
    col("contacts", "custom_fields", DeleteRow),
    col("contacts", "email", DeleteRow),
    col("contacts", "first_name", DeleteRow),
    col("contacts", "last_name", DeleteRow),
    col("contacts", "phone", DeleteRow),
    col("contacts", "subscription_status", DeleteRow),
    col("contacts", "validation_details", DeleteRow),
    col("contacts", "validation_status", DeleteRow),
    col("data_deletions", "table_name", STATE),
    col("email_send_simulations", "config", ENGINE),
    col("email_templates", "html_body", TENANT),
    col("email_templates", "name", TENANT),
    col("email_templates", "subject", TENANT),
    col("email_templates", "text_body", TENANT),
    col("event_aggregations", "event_type", STATE),
    col("event_aggregations", "subtype", STATE),
    col("events", "event_data", DeleteRow),
    col("events", "event_type", DeleteRow),
    ip("events", "ip_address", DeleteRow),
    col("events", "user_agent", DeleteRow),
    col("form_fields", "field_type", STATE),
    col("form_fields", "key", TENANT),
    col("form_fields", "label", TENANT),
    col("form_fields", "options", TENANT),
    ip("form_responses", "ip_address", DeleteRow),
    col("form_responses", "response_data", DeleteRow),
    col("form_responses", "user_agent", DeleteRow),
    col("forms", "name", TENANT),
    col("forms", "slug", TENANT),
    col("gdpr_requests", "kind", STATE),
    col(
        "gdpr_requests",
        "result",
        NotPersonal("counts of what a request removed"),
    ),
    col("gdpr_requests", "status", STATE),
    col(
        "gdpr_requests",
        "subject_email_hash",
        NotPersonal("a keyed hash, kept as the receipt"),
    ),
    col("job_runs", "dedupe_key", Scrub),
    col("job_runs", "kind", STATE),
    col("job_runs", "last_error", Scrub),
    col("job_runs", "locked_by", ENGINE),
    col("job_runs", "payload", Scrub),
    col("job_runs", "queue", STATE),
    col("job_runs", "result", Scrub),
    col("job_runs", "status", STATE),
    col("job_runs", "transport_id", ENGINE),
    col("leads", "email", DeleteRow),
    col("leads", "first_name", DeleteRow),
    col("leads", "last_name", DeleteRow),
    col("leads", "phone", DeleteRow),
    col("leads", "source", DeleteRow),
    col("leads", "status", DeleteRow),
    col("list_import_errors", "raw_line", DeleteRow),
    col("list_import_errors", "reason", DeleteRow),
    col(
        "list_upload_chunks",
        "data",
        NotPersonal("deleted when its import commits"),
    ),
    col("memberships", "status", STATE),
    col("organizations", "name", TENANT),
    col("organizations", "settings", TENANT),
    col("organizations", "slug", TENANT),
    col(
        "suppressions",
        "email_hash",
        NotPersonal("a hash kept so the address is never re-imported"),
    ),
    col("suppressions", "reason", STATE),
    col("validation_logs", "rule_results", DeleteRow),
    col("validation_logs", "status", DeleteRow),
    col("validation_rules", "config", TENANT),
    col("validation_rules", "key", STATE),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_column_is_declared_once_in_order() {
        for pair in PERSONAL_DATA.windows(2) {
            assert!(
                (pair[0].table, pair[0].column) < (pair[1].table, pair[1].column),
                "{pair:?}"
            );
        }
    }
}
