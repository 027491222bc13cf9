//! CSV downloads shared by every export: cells defused against spreadsheet formula
//! injection ([`cell`]), CRLF records, safe file names, and the streamed attachment response
//! ([`download`]) read page by page (keyset on the rows' ids, one short tenant transaction
//! per page), so memory stays bounded by one page whatever the size.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use reachly_jobs::{AppDb, OrgId, TenantTx};
use uuid::Uuid;

/// Rows fetched per page (and per tenant transaction).
const PAGE: i64 = 1_000;

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
pub fn record<'a>(cells: impl IntoIterator<Item = &'a str>, out: &mut String) {
    for (i, value) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(value));
    }
    out.push_str("\r\n");
}

/// A file name safe in a `content-disposition` header: letters, digits, `-`, `_`, `.` and
/// spaces kept, anything else replaced by `_`, at most 100 characters; `fallback` when
/// nothing is left.
pub fn file_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
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
        fallback.to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// What one export reads and how it writes a row. It exists so every export is streamed by
/// the same keyset walk ([`download`]) and differs only in its rows.
pub trait ExportRows: Send + Sync + 'static {
    type Row: Send;

    /// Up to `limit` rows after the row with id `after` (the nil UUID at the start), in id
    /// order.
    fn page(
        &self,
        tx: &mut TenantTx,
        after: Uuid,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;

    /// The id a row is ordered by.
    fn id(row: &Self::Row) -> Uuid;

    /// Writes one row as a CSV record (with [`record`]).
    fn write(&self, row: &Self::Row, out: &mut String);
}

/// Where an export is: the next page starts after `after`; `done` once a page came short.
struct Walk<R> {
    db: AppDb,
    org: OrgId,
    rows: R,
    after: Uuid,
    done: bool,
}

impl<R: ExportRows> Walk<R> {
    /// The next page's records, `None` after the last page.
    async fn next_page(&mut self) -> Result<Option<String>, sqlx::Error> {
        if self.done {
            return Ok(None);
        }
        let mut tx = self.db.tenant(self.org).await?;
        let rows = self.rows.page(&mut tx, self.after, PAGE).await?;
        tx.commit().await?;
        self.done = (rows.len() as i64) < PAGE;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = R::id(last);
        let mut out = String::with_capacity(rows.len() * 160);
        for row in &rows {
            self.rows.write(row, &mut out);
        }
        Ok(Some(out))
    }
}

/// A `text/csv` attachment named `{file_name}.csv` (pass it through [`file_name`]): the
/// `header` record, then every row of `rows` in the organization, streamed as it is read.
pub fn download<R: ExportRows>(
    file_name: &str,
    header: &[&str],
    db: AppDb,
    org: OrgId,
    rows: R,
) -> Response {
    let mut head = String::new();
    record(header.iter().copied(), &mut head);
    let head = futures::stream::once(async move { Ok::<_, sqlx::Error>(Bytes::from(head)) });
    let walk = Walk {
        db,
        org,
        rows,
        after: Uuid::nil(),
        done: false,
    };
    let rows = futures::stream::try_unfold(walk, |mut walk| async move {
        let page = walk.next_page().await?;
        Ok::<_, sqlx::Error>(page.map(|text| (Bytes::from(text), walk)))
    });
    attachment(file_name, Body::from_stream(head.chain(rows)))
}

/// A small CSV built in memory (a report of at most a few hundred rows) as the same kind of
/// attachment as [`download`].
pub fn small_download(file_name: &str, csv: String) -> Response {
    attachment(file_name, Body::from(csv))
}

/// `body` as a `text/csv` attachment named `{file_name}.csv`.
fn attachment(file_name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}.csv\"");
    (
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
        body,
    )
        .into_response()
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

    /// Each value and the CSV cell it becomes, by rule.
    #[test]
    fn cells_are_escaped() {
        for (input, expected) in [
            // formula triggers are prefixed with a quote
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("@SUM(1)", "\"'@SUM(1)\""),
            ("+1 555", "\"'+1 555\""),
            ("-2+3", "\"'-2+3\""),
            ("\tx", "\"'\tx\""),
            ("\r=1", "\"'\r=1\""),
            // delimiters quotes and newlines are quoted
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("multi\nline", "\"multi\nline\""),
            (" padded ", "\" padded \""),
            ("{\"Plan\":\"gold\"}", "\"{\"\"Plan\"\":\"\"gold\"\"}\""),
        ] {
            assert_eq!(cell(input), expected, "{input:?}");
        }
    }

    #[test]
    fn a_record_is_crlf_terminated() {
        let mut out = String::new();
        record(["a", "b,c", "=1"], &mut out);
        assert_eq!(out, "a,\"b,c\",\"'=1\"\r\n");
    }

    #[test]
    fn file_names_are_sanitized() {
        assert_eq!(file_name("October leads", "x"), "October leads");
        assert_eq!(file_name("a\"b\r\nc/../d", "x"), "a_b__c_.._d");
        assert_eq!(file_name("Café", "x"), "Caf_");
        assert_eq!(file_name("  ..  ", "contacts"), "contacts");
        assert_eq!(file_name(&"x".repeat(300), "x").len(), 100);
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
