//! COPY of parsed rows into the import's staging tables: the rows as `import_rows`, the
//! unparseable lines (with their line numbers and reasons) as `import_errors`.

use crate::import::RowOutcome;
use crate::lists::copy_text::CopyText;
use crate::tenancy::TenantTx;
use crate::validate::normalize::normalize;

/// Sends one batch of the reader's outcomes to the staging tables.
pub(super) async fn copy_batch(tx: &mut TenantTx, batch: &[RowOutcome]) -> Result<(), sqlx::Error> {
    let mut rows = CopyText::new();
    let mut errors = CopyText::new();
    for outcome in batch {
        match outcome {
            RowOutcome::Row(row) => {
                // Normalized when it can be; a malformed address is kept as written, and
                // validation classifies it invalid.
                let email = normalize(&row.email_raw)
                    .map(|e| e.to_string())
                    .unwrap_or_else(|_| row.email_raw.clone());
                let custom = serde_json::Value::Object(row.custom_fields.clone()).to_string();
                let attributes = &row.attributes;
                rows.field(Some(&row.line.to_string()))
                    .field(Some(&email))
                    .field(attributes.first_name.as_deref())
                    .field(attributes.last_name.as_deref())
                    .field(attributes.phone.as_deref())
                    .field(attributes.company.as_deref())
                    .field(Some(&custom));
                rows.end_row();
            }
            RowOutcome::Unparseable { line, raw, reason } => {
                errors
                    .field(Some(&line.to_string()))
                    .field(Some(raw))
                    .field(Some(reason));
                errors.end_row();
            }
        }
    }
    for (table, data) in [
        (
            "import_rows (line, email, first_name, last_name, phone, company, custom_fields)",
            rows,
        ),
        ("import_errors (line, raw, reason)", errors),
    ] {
        if data.is_empty() {
            continue;
        }
        let mut copy = tx.copy_in_raw(&format!("copy {table} from stdin")).await?;
        copy.send(data.into_bytes()).await?;
        copy.finish().await?;
    }
    Ok(())
}
