//! A list uploaded over HTTP is imported and validated by worker processes against a real
//! DNS server: statuses, counts, unparseable rows, suppression and tenant scoping.

use reachly_tests::lists::{ListWorld, Uploaded, upload};

const LIST: &str = "\
Email Address,First Name,Plan
ann@mail-ok.test,Ann,gold
bob@mail-ok.test,Bob,silver
ANN@Mail-OK.test,Ann again,gold
carol@nullmx.test,Carol,
dave@nothing.test,Dave,
erin@a-only.test,Erin,
info@mail-ok.test,Info desk,
not-an-address,Nobody,
frank@nomail.test,Frank,
gone@mail-ok.test,Suppressed,
broken,row,with,too,many,fields
grace@mail-ok.test,Grace,\"multi
line\"
";

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_list_is_imported_validated_and_counted_exactly() {
    let world = ListWorld::start().await;
    let (stack, api, token) = (&world.stack, world.api.clone(), world.token.clone());

    // A suppressed address (e.g. erased earlier) is not imported.
    let pool = stack.db.maint().await;
    sqlx::query(
        "insert into suppressions (organization_id, email_hash, reason)
         select id, encode(sha256(convert_to('gone@mail-ok.test', 'UTF8')), 'hex'), 'manual'
           from organizations where slug = 'acme'",
    )
    .execute(&pool)
    .await
    .unwrap();

    let (id, list) = world
        .upload_validated("October leads", "leads.csv", LIST)
        .await;

    // 12 data rows: 1 unparseable, 1 duplicate (ANN@Mail-OK.test), 1 suppressed, 9 imported.
    assert_eq!(list["total_rows"], 12, "{list}");
    assert_eq!(list["unparseable_count"], 1);
    assert_eq!(list["duplicate_count"], 1);
    assert_eq!(list["suppressed_count"], 1);
    // The entry written bare (a plain sha256) was keyed by the import that read it.
    let (keyed, bare): (bool, bool) = sqlx::query_as(
        "select keyed, email_hash = encode(sha256(convert_to('gone@mail-ok.test', 'UTF8')), 'hex')
           from suppressions",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (keyed, bare),
        (true, false),
        "a keyed entry cannot be matched by a bare hash"
    );
    // valid: ann, bob, grace, erin (implicit MX); risky: info (role account);
    // invalid: carol (null MX), not-an-address, frank (no mail host); nonexistent: dave.
    assert_eq!(list["valid_count"], 4, "{list}");
    assert_eq!(list["risky_count"], 1, "{list}");
    assert_eq!(list["invalid_count"], 3, "{list}");
    assert_eq!(list["nonexistent_count"], 1, "{list}");
    assert_eq!(list["import_job"]["status"], "succeeded");
    assert_eq!(list["import_job"]["progress_done"], 9);
    assert_eq!(list["import_job"]["progress_total"], 9);

    let errors = api
        .get(&format!("/v1/contact-lists/{id}/errors"), Some(&token))
        .await;
    let rows = errors.body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["line"], 12, "the bad row's line in the file");

    let invalid = api
        .get(
            &format!("/v1/contact-lists/{id}/contacts?validation_status=invalid"),
            Some(&token),
        )
        .await;
    let mut emails: Vec<&str> = invalid.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        ["carol@nullmx.test", "frank@nomail.test", "not-an-address"]
    );
    let grace = api
        .get(
            &format!("/v1/contact-lists/{id}/contacts?validation_status=valid"),
            Some(&token),
        )
        .await;
    let grace = grace.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "grace@mail-ok.test")
        .cloned()
        .unwrap();
    assert_eq!(grace["custom_fields"]["Plan"], "multi\nline");

    // Keyset pages: every contact once, in id order, whatever the page size and filter.
    for (query, count) in [("limit=2", 9), ("validation_status=valid&limit=1", 4)] {
        let path = format!("/v1/contact-lists/{id}/contacts?{query}");
        let contacts = pages(&api, &token, &path).await;
        assert_eq!(contacts.len(), count, "{query}: {contacts:?}");
    }
    let lists = pages(&api, &token, "/v1/contact-lists?limit=1").await;
    assert!(lists.iter().any(|l| l["id"] == id.as_str()), "{lists:?}");

    let (logs,): (i64,) =
        sqlx::query_as("select count(*) from validation_logs where list_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(logs, 9, "one validation log per contact");

    // Another organization cannot see the list.
    let other = stack.token("globex", "ops@globex.test", "admin");
    let hidden = api
        .get(&format!("/v1/contact-lists/{id}"), Some(&other))
        .await;
    assert_eq!(hidden.status, 404);
}

/// Follows `next_cursor` from the first page of `path` (which has a `?`) to the last, checking
/// that ids never repeat and keep one direction; returns every row.
async fn pages(api: &reachly_tests::http::Api, token: &str, path: &str) -> Vec<serde_json::Value> {
    let mut rows: Vec<serde_json::Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let page = api.get(&url, Some(token)).await;
        assert_eq!(page.status, 200, "{url}: {:?}", page.body);
        rows.extend(page.body["data"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let ascending = ids.windows(2).all(|w| w[0] < w[1]);
    let descending = ids.windows(2).all(|w| w[0] > w[1]);
    assert!(
        ascending || descending,
        "{path}: ids out of order or repeated: {ids:?}"
    );
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_without_an_email_column_fails_its_list_with_a_clear_error() {
    let world = ListWorld::start().await;
    let (api, token) = (world.api.clone(), world.token.clone());

    let Uploaded { list: id, job } = upload(
        &api,
        &token,
        "No emails",
        "x.csv",
        *b"Name,Phone\nAnn,123\n",
    )
    .await;
    let dead = world.wait_status(&job, "dead").await;
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("no email column"),
        "{dead}"
    );
    let list = api
        .get(&format!("/v1/contact-lists/{id}"), Some(&token))
        .await;
    assert_eq!(list.body["status"], "failed");

    let missing_name = api
        .upload_list(&token, " ", "x.csv", b"email\na@b.test\n".to_vec())
        .await;
    assert_eq!(missing_name.status, 422);
}
