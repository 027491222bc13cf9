//! Contact lists under stress and abuse: the CSV export (formula injection, filters),
//! uploads past the size limit, empty and binary files, and a worker killed mid-list.

use std::time::Duration;

use reachly_tests::db::scalar;
use reachly_tests::dns_server::DnsServer;
use reachly_tests::lists::{ListWorld, Uploaded, upload, wait_validated};
use reachly_tests::{Stack, wait_until};

/// Splits CSV text into records of cells (RFC 4180: quoted cells may hold `,`, `""`, CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted cell");
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

const SMALL: &str = "\
email,first_name,last_name,company,Plan
ann@mail-ok.test,\"=HYPERLINK(\"\"http://x\"\")\",Smith,\"Acme, Inc.\",gold
bob@mail-ok.test,@SUM(1),Jones,-Evil,silver
carol@nullmx.test,Carol,+Plus,,
dave@nothing.test,Dave,,,
";

#[tokio::test(flavor = "multi_thread")]
async fn the_export_is_csv_quoted_filtered_and_defused_against_formulas() {
    let world = ListWorld::start().await;
    let (stack, api, token) = (&world.stack, world.api.clone(), world.token.clone());

    let (id, list) = world
        .upload_validated("Q4 \"leads\"/v2", "q4.csv", SMALL)
        .await;
    assert_eq!(list["valid_count"], 2, "{list}");

    let (status, content_type, disposition, text) = api
        .get_text(&format!("/v1/contact-lists/{id}/export.csv"), &token)
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type.as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(
        disposition.as_deref(),
        Some("attachment; filename=\"Q4 _leads__v2.csv\"")
    );
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'@SUM(1)"), "{text}");
    assert!(!text.contains(",=") && !text.contains(",@S"), "{text}");
    let records = parse_csv(&text);
    assert_eq!(
        text.lines().next(),
        Some(
            "email,first_name,last_name,phone,company,validation_status,risk_score,reasons,\
             did_you_mean,custom_fields"
        )
    );
    assert_eq!(records.len(), 1 + 4, "{text}");
    let row = |email: &str| {
        records
            .iter()
            .find(|r| r[0] == email)
            .unwrap_or_else(|| panic!("{email} missing from {text}"))
            .clone()
    };
    let ann = row("ann@mail-ok.test");
    assert_eq!(ann.len(), 10);
    assert_eq!(ann[1], "'=HYPERLINK(\"http://x\")");
    assert_eq!(ann[4], "Acme, Inc.");
    assert_eq!(ann[5], "valid");
    assert_eq!(ann[9], "{\"Plan\":\"gold\"}");
    let bob = row("bob@mail-ok.test");
    assert_eq!(bob[1], "'@SUM(1)");
    assert_eq!(bob[4], "'-Evil");
    let carol = row("carol@nullmx.test");
    assert_eq!(carol[2], "'+Plus");
    assert_eq!(carol[5], "invalid");
    assert_eq!(carol[6], "100");
    assert!(carol[7].contains("null_mx"), "{carol:?}");
    assert_eq!(row("dave@nothing.test")[5], "nonexistent");

    let (status, _, _, valid) = api
        .get_text(
            &format!("/v1/contact-lists/{id}/export.csv?validation_status=valid"),
            &token,
        )
        .await;
    assert_eq!(status, 200);
    let valid = parse_csv(&valid);
    let mut emails: Vec<&str> = valid[1..].iter().map(|r| r[0].as_str()).collect();
    emails.sort();
    assert_eq!(emails, ["ann@mail-ok.test", "bob@mail-ok.test"]);

    let bad = api
        .get(
            &format!("/v1/contact-lists/{id}/export.csv?validation_status=bogus"),
            Some(&token),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["code"], "bad_request");

    let other = stack.token("globex", "ops@globex.test", "admin");
    let hidden = api
        .get(&format!("/v1/contact-lists/{id}/export.csv"), Some(&other))
        .await;
    assert_eq!(hidden.status, 404);
    assert_eq!(hidden.body["error"]["code"], "not_found");
    let unknown = api
        .get(
            &format!("/v1/contact-lists/{}/export.csv", uuid::Uuid::new_v4()),
            Some(&token),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_past_the_limit_is_refused_and_leaves_no_list() {
    let stack = Stack::start().await;
    let (_api_proc, api) = stack
        .api_with(&[("REACHLY_UPLOAD_LIMIT_BYTES", "1000")])
        .await;
    let token = stack.token("acme", "ops@acme.test", "admin");

    let mut big = b"email\n".to_vec();
    while big.len() < 5_000 {
        big.extend_from_slice(b"someone@mail-ok.test\n");
    }
    let reply = api.upload_list(&token, "Too big", "big.csv", big).await;
    assert_eq!(reply.status, 413, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["code"], "payload_too_large");

    let pool = stack.db.maint().await;
    let (lists, chunks, jobs): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from contact_lists), (select count(*) from list_upload_chunks),
                (select count(*) from job_runs)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (lists, chunks, jobs),
        (0, 0, 0),
        "nothing of the upload stays"
    );

    // Under the limit still works.
    upload(&api, &token, "Small", "s.csv", *b"email\na@mail-ok.test\n").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_and_binary_files_fail_their_list_cleanly() {
    let world = ListWorld::start().await;
    let (api, token) = (world.api.clone(), world.token.clone());

    let mut binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    binary.extend((0..2_000u32).map(|i| (i * 7 % 256) as u8));
    for (name, bytes, expected) in [("Empty", Vec::new(), "empty"), ("Binary", binary, "binary")] {
        let Uploaded { list: id, job } = upload(&api, &token, name, "f.csv", bytes).await;
        let dead = world.wait_status(&job, "dead").await;
        let error = dead["last_error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "{name}: {dead}");
        let list = api
            .get(&format!("/v1/contact-lists/{id}"), Some(&token))
            .await;
        assert_eq!(list.body["status"], "failed", "{name}: {:?}", list.body);
        assert_eq!(list.body["total_rows"], 0, "{name}: {:?}", list.body);
    }
    let chunks: i64 = scalar(&world.maint, "select count(*) from list_upload_chunks").await;
    assert_eq!(chunks, 0, "a failed import keeps no uploaded file");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_uploaded_file_outlives_its_import_but_its_size_and_checksum_do() {
    let world = ListWorld::start().await;
    let csv = "email,first_name\nann@mail-ok.test,Ann\nbob@mail-ok.test,Bob\n";
    let Uploaded { list, job } = upload(&world.api, &world.token, "Kept", "k.csv", csv).await;
    let chunks = format!("select count(*) from list_upload_chunks where list_id = '{list}'");
    let job = world.wait_status(&job, "succeeded").await;
    let left: i64 = scalar(&world.maint, &chunks).await;
    assert_eq!(
        left, 0,
        "the upload's chunks are deleted with the import's commit"
    );
    let sha256: String = sqlx::query_scalar("select encode(sha256($1::bytea), 'hex')")
        .bind(csv.as_bytes())
        .fetch_one(&world.maint)
        .await
        .unwrap();
    assert_eq!(
        job["result"]["upload"],
        serde_json::json!({ "bytes": csv.len(), "sha256": sha256 })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_list_neither_loses_nor_double_counts() {
    const ROWS: usize = 3_000;
    let stack = Stack::start().await;
    let dns = DnsServer::start().await;
    let (_api_proc, api) = stack.api().await;
    let token = stack.token("acme", "ops@acme.test", "admin");
    let dns_addr = dns.addr.to_string();
    let env = [
        ("REACHLY_DNS_SERVERS", dns_addr.as_str()),
        ("REACHLY_STALE_AFTER_SECS", "3"),
    ];
    let mut worker_a = stack.worker("a", &["--concurrency", "1"], &env);

    let mut csv = String::from("email,first_name\n");
    for i in 0..ROWS {
        csv.push_str(&format!("user{i}@mail-ok.test,User {i}\n"));
    }
    let id = upload(&api, &token, "Crash", "crash.csv", csv).await.list;

    let pool = stack.db.maint().await;
    wait_until(
        "a validate batch to be running",
        Duration::from_secs(60),
        || async {
            let (n,): (i64,) = sqlx::query_as(
                "select count(*) from job_runs
                  where kind = 'validate' and status = 'running'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            (n > 0).then_some(())
        },
    )
    .await;
    worker_a.kill9();

    let _worker_b = stack.worker("b", &[], &env);
    let list = wait_validated(&api, &token, &id, Duration::from_secs(180)).await;
    assert_eq!(list["total_rows"], ROWS, "{list}");
    assert_eq!(list["valid_count"], ROWS, "{list}");
    for field in [
        "risky_count",
        "invalid_count",
        "nonexistent_count",
        "duplicate_count",
        "suppressed_count",
        "unparseable_count",
    ] {
        assert_eq!(list[field], 0, "{field}: {list}");
    }
    assert_eq!(list["import_job"]["status"], "succeeded", "{list}");
    assert_eq!(list["import_job"]["progress_done"], ROWS, "{list}");
    assert_eq!(list["import_job"]["progress_total"], ROWS, "{list}");

    let (logs, contacts): (i64, i64) = sqlx::query_as(
        "select count(*), count(distinct contact_id) from validation_logs where list_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((logs, contacts), (ROWS as i64, ROWS as i64));
    let (batches, succeeded): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where status = 'succeeded')
           from job_runs where kind = 'validate'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((batches, succeeded), (3, 3), "three batches of 1,000");
    let (retried,): (i64,) =
        sqlx::query_as("select count(*) from job_runs where kind = 'validate' and attempts >= 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        retried >= 1,
        "the batch running when worker A died ran again"
    );
    let (pending,): (i64,) = sqlx::query_as(
        "select count(*) from contacts where validation_status = 'pending' or last_validated_at is null",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(pending, 0);
}
