//! The world of a contact-list test: a stack, a private DNS fixture, the API, one worker that
//! asks that DNS server, and an admin token of organization `acme`.

use crate::Stack;
use crate::dns_server::DnsServer;
use crate::http::Api;
use crate::process::Proc;

/// Everything a contact-list test talks to; processes stop when it drops.
#[derive(Debug)]
pub struct ListWorld {
    pub stack: Stack,
    pub dns: DnsServer,
    pub api: Api,
    pub token: String,
    _api: Proc,
    _worker: Proc,
}

impl ListWorld {
    pub async fn start() -> ListWorld {
        let stack = Stack::start().await;
        let dns = DnsServer::start().await;
        let (api_proc, api) = stack.api().await;
        let token = stack.token("acme", "ops@acme.test", "admin");
        let dns_addr = dns.addr.to_string();
        let worker = stack.worker("w", &[], &[("REACHLY_DNS_SERVERS", dns_addr.as_str())]);
        ListWorld {
            stack,
            dns,
            api,
            token,
            _api: api_proc,
            _worker: worker,
        }
    }
}

/// Waits (up to `limit`) until the list is `validated` and returns it; a `failed` list fails
/// the test at once.
pub async fn wait_validated(
    api: &Api,
    token: &str,
    id: &str,
    limit: std::time::Duration,
) -> serde_json::Value {
    crate::wait_until("the list to be validated", limit, || async {
        let reply = api
            .get(&format!("/v1/contact-lists/{id}"), Some(token))
            .await;
        match reply.body["status"].as_str() {
            Some("validated") => Some(reply.body),
            Some("failed") => panic!("list failed: {:?}", reply.body),
            _ => None,
        }
    })
    .await
}
