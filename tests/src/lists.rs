//! The world of a contact-list test: a stack, a private DNS fixture, the API, one worker that
//! asks that DNS server, and an admin token of organization `acme`.

use crate::dns_server::DnsServer;
use crate::http::Api;
use crate::process::Proc;
use crate::world::ApiWorld;

/// Everything a contact-list test talks to (the [`ApiWorld`]'s fields, and the DNS server);
/// processes stop when it drops.
#[derive(Debug)]
pub struct ListWorld {
    world: ApiWorld,
    pub dns: DnsServer,
    _worker: Proc,
}

crate::extends_api_world!(ListWorld, world);

impl ListWorld {
    pub async fn start() -> ListWorld {
        let world = ApiWorld::start().await;
        let dns = DnsServer::start().await;
        let dns_addr = dns.addr.to_string();
        let worker = (world.stack).worker("w", &[], &[("REACHLY_DNS_SERVERS", dns_addr.as_str())]);
        ListWorld {
            world,
            dns,
            _worker: worker,
        }
    }
}

impl ListWorld {
    /// Uploads `csv` as list `name` and waits (two minutes at most) until it is `validated`;
    /// its id and the list.
    pub async fn upload_validated(
        &self,
        name: &str,
        filename: &str,
        csv: impl Into<Vec<u8>>,
    ) -> (String, serde_json::Value) {
        let uploaded = upload(&self.api, &self.token, name, filename, csv).await;
        let limit = std::time::Duration::from_secs(120);
        let list = wait_validated(&self.api, &self.token, &uploaded.list, limit).await;
        (uploaded.list, list)
    }
}

/// An accepted upload: the new list's id and its import job's id.
#[derive(Debug)]
pub struct Uploaded {
    pub list: String,
    pub job: String,
}

/// Uploads `csv` as list `name` (a file named `filename`) as `token`; it must be accepted.
pub async fn upload(
    api: &Api,
    token: &str,
    name: &str,
    filename: &str,
    csv: impl Into<Vec<u8>>,
) -> Uploaded {
    let reply = api.upload_list(token, name, filename, csv.into()).await;
    assert_eq!(reply.status, 202, "{name}: {:?}", reply.body);
    let id = |of: &str| reply.body[of]["id"].as_str().unwrap().to_owned();
    Uploaded {
        list: id("list"),
        job: id("job"),
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
