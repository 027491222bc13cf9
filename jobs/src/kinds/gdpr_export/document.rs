//! The export document, built by one statement, and the nightly deletion of expired ones.

use crate::tenancy::TenantTx;

/// Everything the organization holds about the person, as one JSON document: `$1`
/// organization, `$2` `lower(address)`, `$3` the address's keyed hash, `$4` their contact's id
/// (or null), `$5` their leads' ids (`crate::privacy::person`). Each section reads the
/// person's rows through an index on the contact or the lead.
pub const DOCUMENT: &str = "
with person as (
    select c.* from contacts c where c.organization_id = $1 and c.id = $4),
person_leads as (
    select l.* from leads l where l.organization_id = $1 and l.id = any($5))
select jsonb_build_object(
    'generated_at', now(),
    'subject', jsonb_build_object('email', $2),
    'contact', (select to_jsonb(p) - 'organization_id' from person p),
    'list_memberships', coalesce((
        select jsonb_agg(jsonb_build_object('list_id', m.list_id, 'list_name', cl.name,
                                            'added_at', m.added_at) order by m.added_at)
          from contact_list_members m
          join contact_lists cl on cl.organization_id = m.organization_id and cl.id = m.list_id
         where m.organization_id = $1 and m.contact_id = $4), '[]'),
    'validation_logs', coalesce((
        select jsonb_agg(to_jsonb(v) - 'organization_id' order by v.created_at)
          from validation_logs v
         where v.organization_id = $1 and v.contact_id = $4), '[]'),
    'campaign_assignments', coalesce((
        select jsonb_agg(jsonb_build_object('campaign_id', a.campaign_id, 'campaign_name', c.name,
                                            'status', a.status, 'assigned_at', a.assigned_at)
                         order by a.assigned_at)
          from campaign_contact_assignments a
          join campaigns c on c.organization_id = a.organization_id and c.id = a.campaign_id
         where a.organization_id = $1 and a.contact_id = $4), '[]'),
    'events', coalesce((
        select jsonb_agg(jsonb_build_object('id', e.id, 'campaign_id', e.campaign_id,
                                            'event_type', e.event_type, 'event_data', e.event_data,
                                            'ip_address', host(e.ip_address),
                                            'user_agent', e.user_agent,
                                            'occurred_at', e.occurred_at) order by e.occurred_at, e.id)
          from events e
         where e.organization_id = $1 and e.contact_id = $4), '[]'),
    'leads', coalesce((
        select jsonb_agg(to_jsonb(l) - 'organization_id' order by l.created_at) from person_leads l),
        '[]'),
    'form_responses', coalesce((
        select jsonb_agg(jsonb_build_object('id', f.id, 'form_id', f.form_id, 'lead_id', f.lead_id,
                                            'campaign_id', f.campaign_id,
                                            'response_data', f.response_data,
                                            'ip_address', host(f.ip_address),
                                            'user_agent', f.user_agent,
                                            'submitted_at', f.submitted_at) order by f.submitted_at)
          from form_responses f
         where f.organization_id = $1
           and f.id = any(array(select r.id from form_responses r
                                 where r.organization_id = $1 and r.contact_id = $4
                                union
                                select r.id from form_responses r
                                 where r.organization_id = $1 and r.lead_id = any($5)))), '[]'),
    'suppression', (
        select jsonb_build_object('reason', s.reason, 'since', s.created_at)
          from suppressions s where s.organization_id = $1 and s.email_hash = $3),
    'audit_entries', coalesce((
        select jsonb_agg(jsonb_build_object('action', a.action, 'subject_type', a.subject_type,
                                            'subject_id', a.subject_id, 'changes', a.changes,
                                            'created_at', a.created_at) order by a.id)
          from audit_logs a
         where a.organization_id = $1 and a.subject_type in ('contact', 'lead')
           and a.subject_id = any(array_append($5, $4))), '[]'))";

/// Deletes the organization's exports past their expiry; how many.
pub async fn delete_expired_exports(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let org = tx.org();
    let deleted =
        sqlx::query("delete from gdpr_exports where organization_id = $1 and expires_at <= now()")
            .bind(org)
            .execute(&mut ***tx)
            .await?;
    Ok(deleted.rows_affected())
}
