//! The `send` job: simulates one batch of a campaign's recipients and writes what happened
//! (events, leads and form responses, assignment states, contact status changes, the
//! campaign's counters, the launch job's progress) in one transaction with its success, so
//! a crashed or redelivered batch never duplicates or loses a row. The batch that brings
//! `batches_done` to `batches_total` completes the campaign.

use serde_json::json;
use uuid::Uuid;

use super::payloads::SendPayload;
use super::record::SimulationRecord;
use super::send_rows::SendRows;
use super::status::CampaignStatus;
use crate::queue::{Job, JobContext, JobError};
use crate::simulate::{CampaignSim, FieldSpec, FieldType, FormSpec, Recipient, simulate_recipient};
use crate::tenancy::TenantTx;

/// A recipient as loaded, and whether it may still be sent to.
struct Loaded {
    recipient: Recipient,
    sendable: bool,
}

/// A recipient row of the batch's query.
#[derive(sqlx::FromRow)]
struct RecipientRow {
    contact_id: Uuid,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    risky: bool,
    sendable: bool,
}

/// What a batch reads before simulating.
struct Batch {
    cancelled: bool,
    campaign: CampaignSim,
    record: SimulationRecord,
    recipients: Vec<Loaded>,
}

impl Job for SendPayload {
    const KIND: &'static str = "send";
    const CONCURRENCY_CAP: Option<usize> = Some(4);

    /// Runs one attempt of a `send` batch.
    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let payload = self;
        let mut tx = ctx.begin().await?;
        let batch = load(&mut tx, &payload).await?;
        let mut rows = SendRows::default();
        for loaded in &batch.recipients {
            let contact = loaded.recipient.contact_id;
            if batch.cancelled || !loaded.sendable {
                rows.skip(contact);
            } else {
                let outcome =
                    simulate_recipient(&batch.record.simulator, &batch.campaign, &loaded.recipient);
                rows.push(contact, outcome);
            }
        }
        let form = batch.campaign.form.as_ref().map(|f| f.form_id);
        write(&mut tx, &payload, form, &rows).await?;
        ctx.add_parent_progress(&mut tx, batch.recipients.len() as i64)
            .await?;
        let events = rows.events.ids.len();
        let result = json!({
            "batch_no": payload.batch_no,
            "recipients": batch.recipients.len(),
            "events": events,
            "leads": rows.leads.ids.len(),
            "cancelled": batch.cancelled,
        });
        ctx.succeed(tx, result).await?;
        crate::metrics::events_written(events);
        Ok(())
    }
}

/// Reads a batch's pending recipients: `$1` organization, `$2` campaign, `$3`/`$4` the batch's
/// first and last contact.
/// Each contact is a primary-key lookup inside `LATERAL … LIMIT 1`, which Postgres never turns
/// into a join it could reorder: without statistics a join may scan the organization's
/// contacts. Public so a test can check its plan.
pub const LOAD_RECIPIENTS: &str =
    "select a.contact_id, c.email, c.first_name, c.last_name, c.phone,
            c.validation_status = 'risky' as risky,
            c.deleted_at is null and c.subscription_status = 'subscribed' as sendable
       from campaign_contact_assignments a
       cross join lateral (
            select c.email, c.first_name, c.last_name, c.phone, c.validation_status,
                   c.deleted_at, c.subscription_status
              from contacts c
             where c.organization_id = a.organization_id and c.id = a.contact_id
             limit 1) c
      where a.organization_id = $1 and a.campaign_id = $2
        and a.contact_id between $3 and $4 and a.status = 'pending'
      order by a.contact_id";

/// Sets a batch's assignments to their outcome: `$1` organization, `$2` campaign, `$3`/`$4`
/// the batch's first and last contact, `$5` bounced and `$6` skipped contacts (the rest were
/// delivered). Public so a test can check its plan.
///
/// The range is written on (campaign, contact) together, which only the primary key can
/// serve: written as `campaign_id = $2 and contact_id between $3 and $4`, Postgres without
/// statistics took the narrower `(organization_id, contact_id)` index and read the same
/// contacts' assignments in every other campaign too.
pub const MARK_ASSIGNMENTS: &str = "update campaign_contact_assignments a
        set status = case when a.contact_id = any($5) then 'bounced'
                          when a.contact_id = any($6) then 'skipped'
                          else 'delivered' end
      where a.organization_id = $1
        and (a.campaign_id, a.contact_id) between ($2, $3) and ($2, $4)
        and a.status = 'pending'";

/// Stores the subscription changes of a batch's contacts: `$1` organization, `$2` ids, `$3`
/// statuses, `$4`/`$5` the lowest and highest id. The id range is an index condition whatever
/// the statistics say: with `= any` alone and enough ids, Postgres without statistics read
/// every contact of the organization. Public so a test can check its plan.
pub const STORE_SUBSCRIPTIONS: &str = "update contacts c set subscription_status = t.status
       from unnest($2::uuid[], $3::text[]) as t(id, status)
      where c.organization_id = $1 and c.id between $4 and $5 and c.id = t.id";

async fn load(tx: &mut TenantTx, payload: &SendPayload) -> Result<Batch, JobError> {
    let org = tx.org();
    let campaign = payload.campaign_id;
    let row: Option<(CampaignStatus, Option<Uuid>)> = sqlx::query_as(
        "select status, form_id from campaigns where organization_id = $1 and id = $2",
    )
    .bind(org)
    .bind(campaign)
    .fetch_optional(&mut ***tx)
    .await?;
    let (status, form_id) =
        row.ok_or_else(|| JobError::permanent(format!("campaign {campaign} not found")))?;
    let record = SimulationRecord::load(tx, campaign)
        .await?
        .ok_or_else(|| JobError::permanent(format!("campaign {campaign} has no simulation")))?;
    let form = match form_id {
        Some(id) => Some(load_form(tx, id).await?),
        None => None,
    };
    let rows: Vec<RecipientRow> = sqlx::query_as(LOAD_RECIPIENTS)
        .bind(org)
        .bind(campaign)
        .bind(payload.first_contact)
        .bind(payload.last_contact)
        .fetch_all(&mut ***tx)
        .await?;
    let recipients = rows
        .into_iter()
        .map(|row| Loaded {
            recipient: Recipient {
                contact_id: row.contact_id,
                email: row.email,
                first_name: row.first_name,
                last_name: row.last_name,
                phone: row.phone,
                risky: row.risky,
            },
            sendable: row.sendable,
        })
        .collect();
    Ok(Batch {
        cancelled: status == CampaignStatus::Cancelled,
        campaign: CampaignSim {
            seed: record.seed,
            campaign_id: campaign,
            launched_at: record.start_at,
            form,
        },
        record,
        recipients,
    })
}

async fn load_form(tx: &mut TenantTx, form_id: Uuid) -> Result<FormSpec, JobError> {
    let fields: Vec<(String, String, Option<serde_json::Value>, bool)> = sqlx::query_as(
        "select key, field_type, options, required from form_fields
          where organization_id = $1 and form_id = $2 order by position, key",
    )
    .bind(tx.org())
    .bind(form_id)
    .fetch_all(&mut ***tx)
    .await?;
    let fields = fields
        .into_iter()
        .map(|(key, field_type, options, required)| {
            let field_type = FieldType::parse(&field_type).ok_or_else(|| {
                JobError::permanent(format!("form field {key}: unknown type {field_type}"))
            })?;
            Ok(FieldSpec {
                key,
                field_type,
                options,
                required,
            })
        })
        .collect::<Result<_, JobError>>()?;
    Ok(FormSpec { form_id, fields })
}

async fn write(
    tx: &mut TenantTx,
    payload: &SendPayload,
    form: Option<Uuid>,
    rows: &SendRows,
) -> Result<(), JobError> {
    let org = tx.org();
    let campaign = payload.campaign_id;
    let e = &rows.events;
    if !e.ids.is_empty() {
        sqlx::query(
            "insert into events (organization_id, id, campaign_id, contact_id, event_type,
                                 event_data, ip_address, user_agent, occurred_at)
             select $1, t.id, $2, t.contact_id, t.event_type, t.data::jsonb, t.ip::inet, t.ua, t.at
               from unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
                           $9::timestamptz[])
                    as t(id, contact_id, event_type, data, ip, ua, at)",
        )
        .bind(org)
        .bind(campaign)
        .bind(&e.ids)
        .bind(&e.contacts)
        .bind(&e.types)
        .bind(&e.data)
        .bind(&e.ips)
        .bind(&e.user_agents)
        .bind(&e.occurred_at)
        .execute(&mut ***tx)
        .await?;
    }
    sqlx::query(MARK_ASSIGNMENTS)
        .bind(org)
        .bind(campaign)
        .bind(payload.first_contact)
        .bind(payload.last_contact)
        .bind(&rows.bounced)
        .bind(&rows.skipped)
        .execute(&mut ***tx)
        .await?;
    if let (Some(lo), Some(hi)) = (
        rows.changed_contacts.iter().min(),
        rows.changed_contacts.iter().max(),
    ) {
        sqlx::query(STORE_SUBSCRIPTIONS)
            .bind(org)
            .bind(&rows.changed_contacts)
            .bind(&rows.changed_statuses)
            .bind(lo)
            .bind(hi)
            .execute(&mut ***tx)
            .await?;
    }
    if let Some(form) = form.filter(|_| !rows.leads.ids.is_empty()) {
        write_leads(tx, campaign, form, rows).await?;
    }
    // Last, so the campaign row (every batch updates it) stays locked only until commit.
    sqlx::query(
        "update campaigns c
            set counts = (select coalesce(jsonb_object_agg(k, coalesce((c.counts ->> k)::bigint, 0)
                                                  + coalesce(($3::jsonb ->> k)::bigint, 0)), '{}')
                            from (select jsonb_object_keys(c.counts)
                                  union select jsonb_object_keys($3::jsonb)) as keys(k)),
                batches_done = batches_done + 1,
                status = case when status = 'sending' and batches_done + 1 >= batches_total
                              then 'completed' else status end,
                completed_at = case when status = 'sending' and batches_done + 1 >= batches_total
                                    then now() else completed_at end
          where organization_id = $1 and id = $2",
    )
    .bind(org)
    .bind(campaign)
    .bind(rows.counts.to_json())
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

async fn write_leads(
    tx: &mut TenantTx,
    campaign: Uuid,
    form: Uuid,
    rows: &SendRows,
) -> Result<(), JobError> {
    let l = &rows.leads;
    sqlx::query(
        "insert into leads (organization_id, id, contact_id, campaign_id, form_id, status, source,
                            email, first_name, last_name, phone)
         select $1, t.id, t.contact_id, $2, $3, 'new', 'email_campaign', t.email, t.first_name,
                t.last_name, t.phone
           from unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[])
                as t(id, contact_id, email, first_name, last_name, phone)",
    )
    .bind(tx.org())
    .bind(campaign)
    .bind(form)
    .bind(&l.ids)
    .bind(&l.contacts)
    .bind(&l.emails)
    .bind(&l.first_names)
    .bind(&l.last_names)
    .bind(&l.phones)
    .execute(&mut ***tx)
    .await?;
    sqlx::query(
        "insert into form_responses (organization_id, id, form_id, lead_id, contact_id, campaign_id,
                                     response_data, ip_address, user_agent, submitted_at)
         select $1, t.id, $3, t.lead_id, t.contact_id, $2, t.data::jsonb, t.ip::inet, t.ua, t.at
           from unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[],
                       $10::timestamptz[])
                as t(id, lead_id, contact_id, data, ip, ua, at)",
    )
    .bind(tx.org())
    .bind(campaign)
    .bind(form)
    .bind(&l.response_ids)
    .bind(&l.ids)
    .bind(&l.contacts)
    .bind(&l.responses)
    .bind(&l.ips)
    .bind(&l.user_agents)
    .bind(&l.submitted_at)
    .execute(&mut ***tx)
    .await?;
    Ok(())
}
