//! The world of a campaign-send test: a stack whose organization `acme` holds a fixed set of
//! contacts (fixed ids, statuses and addresses, written directly as the maintenance role), a
//! list, a template, a form and a draft campaign, all with fixed ids, so that two stacks
//! built from the same [`Audience`] launch the very same send and can be compared by digest.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::process::Proc;
use crate::world::ApiWorld;

/// The campaign every send world launches.
pub const CAMPAIGN: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0001);
pub const LIST: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0002);
pub const FORM: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0003);
const TEMPLATE: Uuid = Uuid::from_u128(0x0c0c_0000_0000_7000_8000_0000_0000_0004);

/// Contact `n`'s id: fixed, so every world has the same recipients.
pub fn contact(n: u32) -> Uuid {
    Uuid::from_u128(0x0c0c_0000_0000_7000_9000_0000_0000_0000 + u128::from(n))
}

/// Who is in the list: `valid` recipients, and (when `exclusions`) one contact of every kind
/// a send must skip.
#[derive(Clone, Copy, Debug)]
pub struct Audience {
    pub valid: u32,
    pub exclusions: bool,
}

impl Audience {
    /// `valid` recipients and one contact of every kind a send must skip ([`EXCLUDED`]).
    pub fn with_exclusions(valid: u32) -> Audience {
        Audience {
            valid,
            exclusions: true,
        }
    }

    /// `valid` recipients only.
    pub fn valid_only(valid: u32) -> Audience {
        Audience {
            valid,
            exclusions: false,
        }
    }
}

/// Contacts a send must never reach, by why: (number, reason), numbered after the valid ones.
pub const EXCLUDED: [(u32, &str); 7] = [
    (0, "risky"),
    (1, "invalid"),
    (2, "unsubscribed"),
    (3, "bounced"),
    (4, "complained"),
    (5, "soft-deleted"),
    (6, "suppressed"),
];

/// Everything a send test talks to; processes stop when it drops.
#[derive(Debug)]
pub struct SendWorld {
    world: ApiWorld,
    pub workers: Vec<Proc>,
}

crate::extends_api_world!(SendWorld, world);

impl SendWorld {
    /// A stack with the audience written and `workers` worker processes running.
    pub async fn start(audience: Audience, workers: usize) -> SendWorld {
        let world = ApiWorld::start().await;
        seed_audience(&world.maint, audience).await;
        let mut world = SendWorld {
            world,
            workers: Vec::new(),
        };
        for _ in 0..workers {
            world.add_worker();
        }
        world
    }

    /// Starts one more worker (stale jobs of a killed one are reaped after 2 s).
    pub fn add_worker(&mut self) {
        let label = format!("w{}", self.workers.len());
        let worker = self
            .stack
            .worker(&label, &[], &[("REACHLY_STALE_AFTER_SECS", "2")]);
        self.workers.push(worker);
    }

    /// `POST /v1/campaigns/{CAMPAIGN}/launch` with `body`; returns the reply body on 202.
    pub async fn launch(&self, body: Value) -> Value {
        let reply = self.launch_reply(CAMPAIGN, body).await;
        assert_eq!(reply.status, 202, "launch: {:?}", reply.body);
        reply.body
    }

    /// Waits until campaign `id` is `completed` (or fails the test on `failed`).
    pub async fn wait_completed(&self, id: Uuid, limit: Duration) {
        crate::wait_until("the campaign to complete", limit, || async {
            let status: String = sqlx::query_scalar("select status from campaigns where id = $1")
                .bind(id)
                .fetch_one(&self.maint)
                .await
                .unwrap();
            assert_ne!(status, "failed");
            (status == "completed").then_some(())
        })
        .await;
    }

    /// Adds another draft campaign `id` to the same list.
    pub async fn add_campaign(&self, id: Uuid) {
        let org: Uuid = sqlx::query_scalar("select id from organizations where slug = 'acme'")
            .fetch_one(&self.maint)
            .await
            .unwrap();
        let mut conn = self.maint.acquire().await.unwrap();
        insert_campaign(&mut conn, org, id).await;
    }

    /// `POST /v1/campaigns/{id}/launch` with `body`; the raw reply.
    pub async fn launch_reply(&self, id: Uuid, body: Value) -> crate::http::Reply {
        self.api
            .post(
                &format!("/v1/campaigns/{id}/launch"),
                Some(&self.token),
                &body,
            )
            .await
    }

    /// Batches done so far.
    pub async fn batches_done(&self) -> i32 {
        sqlx::query_scalar("select batches_done from campaigns where id = $1")
            .bind(CAMPAIGN)
            .fetch_one(&self.maint)
            .await
            .unwrap()
    }

    /// Digest of what the send wrote: every event (id, contact, type, payload, IP, agent,
    /// time), lead, form response, assignment status and contact status, in a fixed order.
    /// Organization ids and write times are left out: they differ between worlds.
    pub async fn digest(&self, campaign: Uuid) -> SendDigest {
        let one = |sql: &'static str| {
            let pool = self.maint.clone();
            async move {
                sqlx::query_as::<_, (i64, Option<String>)>(sql)
                    .bind(campaign)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        SendDigest {
            events: one(
                "select count(*), md5(string_agg(concat_ws('|', id, contact_id, event_type,
                        event_data::text, ip_address::text, user_agent,
                        to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')),
                        E'\\n' order by id))
                   from events where campaign_id = $1",
            )
            .await,
            leads: one(
                "select count(*), md5(string_agg(concat_ws('|', l.id, l.contact_id, l.status,
                        l.source, l.email, l.first_name, l.last_name, l.phone, r.id,
                        r.response_data::text, r.ip_address::text, r.user_agent,
                        to_char(r.submitted_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')),
                        E'\\n' order by l.id))
                   from leads l join form_responses r
                     on r.organization_id = l.organization_id and r.lead_id = l.id
                  where l.campaign_id = $1",
            )
            .await,
            assignments: one(
                "select count(*), md5(string_agg(concat_ws('|', a.contact_id, a.status,
                        c.subscription_status), E'\\n' order by a.contact_id))
                   from campaign_contact_assignments a
                   join contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
                  where a.campaign_id = $1",
            )
            .await,
        }
    }
}

/// (row count, md5) of each table a send writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendDigest {
    pub events: (i64, Option<String>),
    pub leads: (i64, Option<String>),
    pub assignments: (i64, Option<String>),
}

/// Writes the audience, list, template, form (with one field of every type) and the draft
/// campaign into organization `acme`.
async fn seed_audience(maint: &PgPool, audience: Audience) {
    let org: Uuid = sqlx::query_scalar("select id from organizations where slug = 'acme'")
        .fetch_one(maint)
        .await
        .unwrap();
    let mut tx = maint.begin().await.unwrap();
    sqlx::query(
        "insert into contact_lists (organization_id, id, name, status) values ($1, $2, 'audience', 'validated')",
    )
    .bind(org)
    .bind(LIST)
    .execute(&mut *tx)
    .await
    .unwrap();
    let mut ids = Vec::new();
    let mut emails = Vec::new();
    let mut statuses = Vec::new();
    let mut subscriptions = Vec::new();
    let mut deleted = Vec::new();
    for n in 0..audience.valid {
        ids.push(contact(n));
        emails.push(format!("person{n}@example.com"));
        statuses.push("valid");
        subscriptions.push("subscribed");
        deleted.push(false);
    }
    if audience.exclusions {
        for (i, why) in EXCLUDED {
            let n = audience.valid + i;
            ids.push(contact(n));
            emails.push(format!("{why}{n}@example.com"));
            statuses.push(match why {
                "risky" => "risky",
                "invalid" => "invalid",
                _ => "valid",
            });
            subscriptions.push(match why {
                "unsubscribed" | "bounced" | "complained" => why,
                _ => "subscribed",
            });
            deleted.push(why == "soft-deleted");
        }
    }
    sqlx::query(
        "insert into contacts (organization_id, id, email, first_name, last_name, validation_status,
                               subscription_status, deleted_at)
         select $1, t.id, t.email, 'First' || t.n, null, t.status, t.sub,
                case when t.del then now() end
           from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[])
                with ordinality as t(id, email, status, sub, del, n)",
    )
    .bind(org)
    .bind(&ids)
    .bind(&emails)
    .bind(&statuses)
    .bind(&subscriptions)
    .bind(&deleted)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "insert into contact_list_members (organization_id, list_id, contact_id)
         select $1, $2, unnest($3::uuid[])",
    )
    .bind(org)
    .bind(LIST)
    .bind(&ids)
    .execute(&mut *tx)
    .await
    .unwrap();
    if audience.exclusions {
        let suppressed = format!("suppressed{}@example.com", audience.valid + 6);
        sqlx::query(
            "insert into suppressions (organization_id, email_hash, reason)
             values ($1, encode(sha256(convert_to(lower($2), 'UTF8')), 'hex'), 'manual')",
        )
        .bind(org)
        .bind(suppressed)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // The template and the form the campaign names (the form's fields follow).
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "insert into email_templates (organization_id, id, name, subject)
         values ('{org}', '{TEMPLATE}', 'welcome', 'Hello');
         insert into forms (organization_id, id, name, slug)
         values ('{org}', '{FORM}', 'quote', 'quote');"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    let fields = json!([
        ["first_name", "text", null],
        ["email", "email", null],
        ["phone", "phone", null],
        ["birth_date", "date", null],
        ["zip", "zip", null],
        ["plan", "select", ["bronze", "silver", "gold"]],
        ["consent", "checkbox", null],
        ["household", "number", null]
    ]);
    for (position, field) in fields.as_array().unwrap().iter().enumerate() {
        sqlx::query(
            "insert into form_fields (organization_id, form_id, key, label, field_type, options, position)
             values ($1, $2, $3, $3, $4, $5, $6)",
        )
        .bind(org)
        .bind(FORM)
        .bind(field[0].as_str().unwrap())
        .bind(field[1].as_str().unwrap())
        .bind((!field[2].is_null()).then(|| field[2].clone()))
        .bind(position as i32)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    insert_campaign(&mut tx, org, CAMPAIGN).await;
    tx.commit().await.unwrap();
}

/// A draft campaign `id` on the audience's list, template and form.
async fn insert_campaign(tx: &mut sqlx::PgConnection, org: Uuid, id: Uuid) {
    sqlx::query(
        "insert into campaigns (organization_id, id, name, subject, from_email, list_id, template_id, form_id)
         values ($1, $2, 'spring', 'Plans for spring', 'news@acme.test', $3, $4, $5)",
    )
    .bind(org)
    .bind(id)
    .bind(LIST)
    .bind(TEMPLATE)
    .bind(FORM)
    .execute(tx)
    .await
    .unwrap();
}
