//! GDPR requests as a test drives them (over the API), and the two views no application role
//! has: a superuser's dump of the whole database and every value Redis holds.

use std::time::Duration;

use serde_json::{Value, json};

use crate::http::{Api, Reply};

/// `POST /v1/gdpr/requests {"type", "email"}` as `token`.
pub async fn request(api: &Api, token: &str, kind: &str, email: &str) -> Reply {
    let body = json!({ "type": kind, "email": email });
    api.post("/v1/gdpr/requests", Some(token), &body).await
}

/// Opens a request (it must be accepted) and waits until it is completed; the request.
pub async fn completed(api: &Api, token: &str, kind: &str, email: &str) -> Value {
    let reply = request(api, token, kind, email).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let id = reply.body["request"]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/gdpr/requests/{id}");
    crate::wait_until(
        "the gdpr request to complete",
        Duration::from_secs(120),
        || async {
            let reply = api.get(&path, Some(token)).await;
            match reply.body["status"].as_str() {
                Some("completed") => Some(reply.body),
                Some("failed") => panic!("the request failed: {:?}", reply.body),
                _ => None,
            }
        },
    )
    .await
}

/// The whole database `name` (schema and rows of every partition), dumped by
/// `scripts/pg-dump.sh` as a superuser.
pub fn superuser_dump(name: &str) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg-dump.sh");
    let out = std::process::Command::new(script)
        .arg(name)
        .output()
        .expect("scripts/pg-dump.sh runs");
    assert!(
        out.status.success(),
        "pg-dump.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the dump is UTF-8")
}

/// Every key of the Redis at `url` with its value (strings, lists, sets, sorted sets and
/// hashes), one per line.
pub async fn redis_dump(url: &str) -> String {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut dump = String::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let command = match kind.as_str() {
            "string" => vec!["GET"],
            "list" => vec!["LRANGE", "0", "-1"],
            "set" => vec!["SMEMBERS"],
            "zset" => vec!["ZRANGE", "0", "-1", "WITHSCORES"],
            "hash" => vec!["HGETALL"],
            _ => continue,
        };
        let mut cmd = redis::cmd(command[0]);
        cmd.arg(&key);
        for arg in &command[1..] {
            cmd.arg(*arg);
        }
        let values: redis::Value = cmd.query_async(&mut conn).await.unwrap();
        dump.push_str(&format!("{key} {values:?}\n"));
    }
    dump
}

/// Where `needle` occurs in `haystack`, case-insensitively, as text or as the hex digits a
/// bytea column dumps as; each with a little context.
pub fn occurrences(haystack: &str, needle: &str) -> Vec<String> {
    let lower = haystack.to_lowercase();
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let mut found = Vec::new();
    for form in [
        needle.to_lowercase(),
        hex(needle),
        hex(&needle.to_lowercase()),
    ] {
        for (at, _) in lower.match_indices(&form) {
            let from = lower[..at]
                .char_indices()
                .rev()
                .nth(60)
                .map_or(0, |(i, _)| i);
            let to = (at + form.len() + 60).min(lower.len());
            let to = (to..=lower.len())
                .find(|i| lower.is_char_boundary(*i))
                .unwrap();
            found.push(lower[from..to].replace('\n', " "));
        }
    }
    found
}
