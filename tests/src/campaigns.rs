//! The world of a campaign API test: a stack and its API, tokens of two organizations (and a
//! viewer), helpers that create what a campaign is made of over HTTP, and helpers that write
//! the rows a send would produce (events, leads, form responses) straight into the database.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::Reply;
use crate::world::ApiWorld;

/// Everything a campaign API test talks to; the API process stops when it drops.
#[derive(Debug)]
pub struct CampaignWorld {
    world: ApiWorld,
    /// Viewer of organization `acme`: reads, never creates.
    pub viewer: String,
    /// Admin of organization `globex`, whose ids `acme` must never see (and back).
    pub rival: String,
}

crate::extends_api_world!(CampaignWorld, world);

/// A new event to write: its type, how many milliseconds before now it happened, its data.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: &'static str,
    pub ms_ago: i64,
    pub data: Value,
}

/// A new lead (with one form response) to write.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub status: &'static str,
    pub email: String,
    pub first_name: String,
    pub response: Value,
}

impl CampaignWorld {
    pub async fn start() -> CampaignWorld {
        let world = ApiWorld::start().await;
        let viewer = world.stack.token("acme", "eve@acme.test", "viewer");
        let rival = world.stack.token("globex", "ops@globex.test", "admin");
        CampaignWorld {
            world,
            viewer,
            rival,
        }
    }

    /// Asserts two 404s: the rival organization's at `path` (an `acme` resource), and the
    /// admin's at `/v1/campaigns/<an id naming nothing><suffix>`.
    pub async fn assert_not_found_elsewhere(&self, path: &str, suffix: &str) {
        let unknown = format!("/v1/campaigns/{}{suffix}", Uuid::now_v7());
        for (path, token) in [(path, &self.rival), (&unknown, &self.token)] {
            let reply = self.api.get(path, Some(token)).await;
            reply.assert_error(404, "not_found");
        }
    }

    /// The id of organization `slug`.
    pub async fn org(&self, slug: &str) -> Uuid {
        sqlx::query_scalar("select id from organizations where slug = $1")
            .bind(slug)
            .fetch_one(&self.maint)
            .await
            .unwrap()
    }

    /// A contact list (uploaded; it stays pending, no worker runs), its id.
    pub async fn list(&self, token: &str) -> String {
        let csv = *b"email\nann@example.com\n";
        crate::lists::upload(&self.api, token, "Prospects", "p.csv", csv)
            .await
            .list
    }

    /// A template named `name`, its id.
    pub async fn template(&self, token: &str, name: &str) -> String {
        let reply = self
            .api
            .post(
                "/v1/email-templates",
                Some(token),
                &json!({ "name": name, "subject": "Hello", "html_body": "<p>Hi</p>" }),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// `POST /v1/forms`.
    pub async fn post_form(&self, token: &str, slug: &str, fields: Value) -> Reply {
        self.api
            .post(
                "/v1/forms",
                Some(token),
                &json!({ "name": "Quote request", "slug": slug, "fields": fields }),
            )
            .await
    }

    /// A form with `fields` (which must be valid), its id.
    pub async fn form(&self, token: &str, slug: &str, fields: Value) -> String {
        let reply = self.post_form(token, slug, fields).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// `POST /v1/campaigns` with the fields a valid campaign needs, then `extra` over them.
    pub async fn post_campaign(
        &self,
        token: &str,
        list: &str,
        template: &str,
        extra: Value,
    ) -> Reply {
        let mut body = json!({
            "name": "Open enrollment",
            "subject": "Plans for 2026",
            "from_name": "Acme Health",
            "from_email": "news@acme.test",
            "list_id": list,
            "template_id": template,
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.api.post("/v1/campaigns", Some(token), &body).await
    }

    /// A draft campaign with a new list and template (and `form` if given), its id.
    pub async fn draft(&self, token: &str, form: Option<&str>) -> String {
        let list = self.list(token).await;
        let template = self.template(token, "Welcome").await;
        let reply = self
            .post_campaign(token, &list, &template, json!({ "form_id": form }))
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Writes `events` of campaign `campaign` of organization `org` in one transaction, so
    /// "now" is one instant and events with the same `ms_ago` tie on `occurred_at`; their
    /// ids, in order.
    pub async fn insert_events(&self, org: Uuid, campaign: &str, events: &[NewEvent]) -> Vec<Uuid> {
        let campaign: Uuid = campaign.parse().unwrap();
        let mut tx = self.maint.begin().await.unwrap();
        let mut ids = Vec::with_capacity(events.len());
        for event in events {
            let id: Uuid = sqlx::query_scalar(
                "insert into events (organization_id, campaign_id, event_type, event_data,
                                     ip_address, user_agent, occurred_at)
                 values ($1, $2, $3, $4, '203.0.113.7', 'Mozilla/5.0',
                         date_trunc('milliseconds', now()) - make_interval(secs => $5 / 1000.0))
                 returning id",
            )
            .bind(org)
            .bind(campaign)
            .bind(event.event_type)
            .bind(&event.data)
            .bind(event.ms_ago as f64)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            ids.push(id);
        }
        tx.commit().await.unwrap();
        ids
    }

    /// Writes a lead of campaign `campaign` (form `form`) with its form response; its id.
    pub async fn insert_lead(&self, org: Uuid, campaign: &str, form: &str, lead: &NewLead) -> Uuid {
        let (campaign, form): (Uuid, Uuid) = (campaign.parse().unwrap(), form.parse().unwrap());
        let id: Uuid = sqlx::query_scalar(
            "insert into leads (organization_id, campaign_id, form_id, status, source, email,
                                first_name, last_name, phone)
             values ($1, $2, $3, $4, 'landing_page', $5, $6, 'Doe', '555-0100')
             returning id",
        )
        .bind(org)
        .bind(campaign)
        .bind(form)
        .bind(lead.status)
        .bind(&lead.email)
        .bind(&lead.first_name)
        .fetch_one(&self.maint)
        .await
        .unwrap();
        sqlx::query(
            "insert into form_responses (organization_id, form_id, lead_id, campaign_id, response_data)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(org)
        .bind(form)
        .bind(id)
        .bind(campaign)
        .bind(&lead.response)
        .execute(&self.maint)
        .await
        .unwrap();
        id
    }

    /// Every row of a cursor-paged listing at `path` (which may carry a query), page by page.
    pub async fn pages(&self, token: &str, path: &str) -> Vec<Vec<Value>> {
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                None => path.to_owned(),
                Some(c) => format!(
                    "{path}{}cursor={c}",
                    if path.contains('?') { '&' } else { '?' }
                ),
            };
            let reply = self.api.get(&url, Some(token)).await;
            assert_eq!(reply.status, 200, "{url}: {:?}", reply.body);
            pages.push(reply.body["data"].as_array().unwrap().clone());
            match reply.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return pages,
            }
            assert!(pages.len() < 1_000, "paging does not end");
        }
    }
}
