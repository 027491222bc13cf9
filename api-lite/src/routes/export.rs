//! `GET /v1/contact-lists/{id}/export.csv`: a list's contacts as a streamed CSV file.
//!
//! The body is produced page by page (keyset on contact id, one short tenant transaction per
//! page), so memory stays bounded by one page whatever the size of the list. Every cell is
//! quoted as CSV requires and defused against spreadsheet formula injection ([`cell`]).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use reachly_jobs::OrgId;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Member;
use crate::error::ApiError;
use crate::json::ApiQuery;
use crate::state::AppState;

/// Contacts fetched per page (and per tenant transaction).
const PAGE: i64 = 1_000;

const STATUSES: [&str; 5] = ["pending", "valid", "risky", "invalid", "nonexistent"];

const HEADER: [&str; 10] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "validation_status",
    "risk_score",
    "reasons",
    "did_you_mean",
    "custom_fields",
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/contact-lists/{id}/export.csv", get(export))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    validation_status: Option<String>,
}

/// One CSV cell: defused against formula injection, then quoted when needed.
///
/// A value starting with `=`, `+`, `-`, `@`, tab or carriage return (OWASP's list) is
/// prefixed with `'` so spreadsheets show it as text instead of evaluating it. A value
/// containing the delimiter, a quote, CR or LF (or that was prefixed, or has surrounding
/// spaces) is wrapped in double quotes with inner quotes doubled (RFC 4180).
pub fn cell(value: &str) -> String {
    let dangerous = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = if dangerous {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    let needs_quotes = dangerous
        || text.contains([',', '"', '\n', '\r'])
        || text.starts_with(' ')
        || text.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One CSV record, CRLF-terminated.
fn record<'a>(cells: impl IntoIterator<Item = &'a str>, out: &mut String) {
    for (i, value) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(value));
    }
    out.push_str("\r\n");
}

/// A file name safe in a `content-disposition` header: letters, digits, `-`, `_`, `.` and
/// spaces kept, anything else replaced by `_`, at most 100 characters, never empty.
pub fn file_name(list_name: &str) -> String {
    let cleaned: String = list_name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_matches(|c| c == '.' || c == ' ');
    if cleaned.is_empty() {
        "contacts".to_owned()
    } else {
        cleaned.to_owned()
    }
}

async fn export(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    member.require("list.read")?;
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound("contact list"))?;
    let status = query.validation_status;
    if let Some(s) = status.as_deref()
        && !STATUSES.contains(&s)
    {
        return Err(ApiError::BadRequest(format!(
            "unknown validation_status {s:?} (expected one of {})",
            STATUSES.join(", ")
        )));
    }
    let mut tx = state.db.tenant(member.org).await?;
    let name: Option<String> = sqlx::query_scalar(
        "select name from contact_lists
          where organization_id = $1 and id = $2 and deleted_at is null",
    )
    .bind(member.org)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    tx.commit().await?;
    let name = name.ok_or(ApiError::NotFound("contact list"))?;

    let pager = Pager {
        state,
        org: member.org,
        list: id,
        status,
        after: None,
        header: true,
        done: false,
    };
    let stream = futures::stream::try_unfold(pager, |mut pager| async move {
        let chunk = pager.next_chunk().await?;
        Ok::<_, sqlx::Error>(chunk.map(|bytes| (bytes, pager)))
    });
    let disposition = format!("attachment; filename=\"{}.csv\"", file_name(&name));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).expect("sanitized file name"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Where the export is: the next page starts after contact `after`.
struct Pager {
    state: AppState,
    org: OrgId,
    list: Uuid,
    status: Option<String>,
    after: Option<Uuid>,
    header: bool,
    done: bool,
}

type Row = (
    Uuid,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<Value>,
    Option<Value>,
);

impl Pager {
    /// The next piece of the file (the header, then one page of rows), `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, sqlx::Error> {
        if self.header {
            self.header = false;
            let mut out = String::new();
            record(HEADER, &mut out);
            return Ok(Some(Bytes::from(out)));
        }
        if self.done {
            return Ok(None);
        }
        let mut tx = self.state.db.tenant(self.org).await?;
        let rows: Vec<Row> = sqlx::query_as(
            "select c.id, c.email, c.first_name, c.last_name, c.phone, c.company,
                    c.validation_status, c.validation_details, c.custom_fields
               from contact_list_members m
               join contacts c on c.organization_id = m.organization_id and c.id = m.contact_id
              where m.organization_id = $1 and m.list_id = $2 and c.deleted_at is null
                and ($3::text is null or c.validation_status = $3)
                and ($4::uuid is null or c.id > $4)
              order by c.id limit $5",
        )
        .bind(self.org)
        .bind(self.list)
        .bind(self.status.as_deref())
        .bind(self.after)
        .bind(PAGE)
        .fetch_all(&mut **tx)
        .await?;
        tx.commit().await?;
        if (rows.len() as i64) < PAGE {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = Some(last.0);
        let mut out = String::with_capacity(rows.len() * 160);
        for (_, email, first, last, phone, company, status, details, custom) in &rows {
            let details = details.as_ref();
            let risk = details
                .and_then(|d| d.get("risk_score"))
                .filter(|v| !v.is_null())
                .map(Value::to_string)
                .unwrap_or_default();
            let reasons = details
                .and_then(|d| d.get("reasons"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .unwrap_or_default();
            let did_you_mean = details
                .and_then(|d| d.get("did_you_mean"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let custom = match custom {
                Some(Value::Object(m)) if m.is_empty() => String::new(),
                Some(Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            };
            record(
                [
                    email.as_str(),
                    first.as_deref().unwrap_or_default(),
                    last.as_deref().unwrap_or_default(),
                    phone.as_deref().unwrap_or_default(),
                    company.as_deref().unwrap_or_default(),
                    status.as_str(),
                    &risk,
                    &reasons,
                    did_you_mean,
                    &custom,
                ],
                &mut out,
            );
        }
        Ok(Some(Bytes::from(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_left_alone() {
        assert_eq!(cell("ann@mail-ok.test"), "ann@mail-ok.test");
        assert_eq!(cell(""), "");
        assert_eq!(cell("O'Brien"), "O'Brien");
        assert_eq!(cell("a-b"), "a-b", "a dash inside is harmless");
    }

    #[test]
    fn formula_triggers_are_prefixed_with_a_quote() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("@SUM(1)"), "\"'@SUM(1)\"");
        assert_eq!(cell("+1 555"), "\"'+1 555\"");
        assert_eq!(cell("-2+3"), "\"'-2+3\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(cell("\r=1"), "\"'\r=1\"");
    }

    #[test]
    fn delimiters_quotes_and_newlines_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("multi\nline"), "\"multi\nline\"");
        assert_eq!(cell(" padded "), "\" padded \"");
        assert_eq!(
            cell("{\"Plan\":\"gold\"}"),
            "\"{\"\"Plan\"\":\"\"gold\"\"}\""
        );
    }

    #[test]
    fn a_record_is_crlf_terminated() {
        let mut out = String::new();
        record(["a", "b,c", "=1"], &mut out);
        assert_eq!(out, "a,\"b,c\",\"'=1\"\r\n");
    }

    #[test]
    fn file_names_are_sanitized() {
        assert_eq!(file_name("October leads"), "October leads");
        assert_eq!(file_name("a\"b\r\nc/../d"), "a_b__c_.._d");
        assert_eq!(file_name("Café"), "Caf_");
        assert_eq!(file_name("  ..  "), "contacts");
        assert_eq!(file_name(&"x".repeat(300)).len(), 100);
    }

    /// Every cell parses back (RFC 4180 reading) to its value, with `'` before a trigger.
    #[test]
    fn cells_round_trip_through_a_csv_reader() {
        for value in [
            "", "a", "a,b", "\"", "=1", "x\r\ny", "-", "@", " ", "é\"\n,",
        ] {
            let encoded = cell(value);
            let decoded =
                if let Some(inner) = encoded.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                    inner.replace("\"\"", "\"")
                } else {
                    encoded.clone()
                };
            let expected = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{value}")
            } else {
                value.to_owned()
            };
            assert_eq!(decoded, expected, "{value:?} -> {encoded:?}");
        }
    }
}
