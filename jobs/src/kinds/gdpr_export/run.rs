//! One attempt: build the document, store it with its expiry, complete the request, all in
//! one transaction (a crash leaves the request to be served again, never half-stored).

use serde_json::{Map, Value, json};

use super::document::DOCUMENT;
use super::ttl::ExportTtl;
use crate::ids::GdprRequestId;
use crate::privacy::person;
use crate::privacy::requests::{self, RequestKind};
use crate::privacy::{SuppressionKey, key_bare_entries};
use crate::queue::{JobContext, JobError};

pub(super) async fn run(request: GdprRequestId, ctx: &JobContext) -> Result<(), JobError> {
    let ttl = ctx.service::<ExportTtl>().copied().unwrap_or_default();
    let key = ctx.service::<SuppressionKey>().cloned().unwrap_or_default();
    let Some((mut tx, subject)) = requests::serve(ctx, request, RequestKind::Export).await? else {
        return Ok(());
    };
    // The suppression section looks the address up by its keyed hash.
    key_bare_entries(&mut tx, &key).await?;
    let person = person::find(ctx.service(), &mut tx, ctx.org(), &subject.email).await?;
    let document: Value = sqlx::query_scalar(DOCUMENT)
        .bind(ctx.org())
        .bind(&subject.email)
        .bind(&subject.hash)
        .bind(person.contact)
        .bind(&person.leads)
        .fetch_one(&mut **tx)
        .await?;
    let (bytes, expires_at): (i64, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "insert into gdpr_exports (organization_id, gdpr_request_id, document, bytes, expires_at)
         values ($1, $2, $3, octet_length($3::text), now() + $4)
         on conflict (organization_id, gdpr_request_id) do update
            set document = excluded.document, bytes = excluded.bytes,
                expires_at = excluded.expires_at
         returning bytes, expires_at",
    )
    .bind(ctx.org())
    .bind(request)
    .bind(&document)
    .bind(ttl.lifetime())
    .fetch_one(&mut **tx)
    .await?;
    let receipt = json!({
        "request_id": request,
        "type": RequestKind::Export,
        "subject_hash": subject.hash,
        "sections": section_counts(&document),
        "bytes": bytes,
        "expires_at": expires_at,
        "download": format!("/v1/gdpr/requests/{request}/export"),
    });
    requests::complete(&mut tx, request, &receipt).await?;
    ctx.succeed(tx, receipt).await
}

/// How many entries each section of the document holds (1 or 0 for a single object).
fn section_counts(document: &Value) -> Map<String, Value> {
    let skip = ["generated_at", "subject"];
    document
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .map(|(name, section)| {
            let count = match section {
                Value::Array(entries) => entries.len(),
                Value::Null => 0,
                _ => 1,
            };
            (name.clone(), json!(count))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::section_counts;
    use serde_json::json;

    #[test]
    fn sections_are_counted_without_their_contents() {
        let document = json!({
            "generated_at": "now", "subject": {"email": "a@x.test"},
            "contact": {"email": "a@x.test"}, "events": [1, 2, 3], "suppression": null,
        });
        assert_eq!(
            json!(section_counts(&document)),
            json!({ "contact": 1, "events": 3, "suppression": 0 })
        );
    }
}
