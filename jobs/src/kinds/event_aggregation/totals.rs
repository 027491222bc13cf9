//! One campaign's totals over its whole life: contacts counted once however many days they
//! acted on (daily unique counts cannot be summed into these).

/// Recomputes a campaign's totals unless they are final, and finalizes them once the
/// campaign no longer sends and its last event's day ended more than 24 h ago.
///
/// Binds: `$1` organization, `$2` campaign. Returns whether the totals are final now (no row
/// when they were final already or the campaign has no events).
pub const CAMPAIGN_TOTALS: &str = "
with already_final as (
    select 1 from campaign_event_totals
     where organization_id = $1 and campaign_id = $2 and is_final limit 1),
agg as (
    select e.event_type, event_subtype(e.event_type, e.event_data) as subtype,
           count(*) as events, count(distinct e.contact_id) as contacts,
           max(e.occurred_at) as last_at
      from events e
     where e.organization_id = $1 and e.campaign_id = $2 and not exists (select 1 from already_final)
     group by 1, 2),
verdict as (
    select ((select (max(last_at) at time zone 'UTC')::date from agg) + 2)::timestamp
               at time zone 'UTC' < statement_timestamp()
           and c.status not in ('scheduled', 'sending') as final
      from campaigns c where c.organization_id = $1 and c.id = $2),
stale as (
    delete from campaign_event_totals t
     where t.organization_id = $1 and t.campaign_id = $2 and not t.is_final
       and not exists (select 1 from agg where agg.event_type = t.event_type
                                            and agg.subtype = t.subtype)),
written as (
    insert into campaign_event_totals as t (organization_id, campaign_id, event_type, subtype,
                                            count, unique_contacts, is_final, finalized_at,
                                            computed_at)
    select $1, $2, agg.event_type, agg.subtype, agg.events, agg.contacts, v.final,
           case when v.final then statement_timestamp() end, statement_timestamp()
      from agg cross join verdict v
    on conflict (organization_id, campaign_id, event_type, subtype) do update
       set count = excluded.count, unique_contacts = excluded.unique_contacts,
           is_final = excluded.is_final, finalized_at = excluded.finalized_at,
           computed_at = excluded.computed_at
     where not t.is_final
    returning 1)
select final from verdict where exists (select 1 from written)";

/// Counts a final campaign's events created after its totals were finalized into
/// `late_events`, as [`super::LATE_EVENTS`] does for days. Binds: `$1` organization, `$2`
/// campaign.
pub const CAMPAIGN_LATE_EVENTS: &str = "
with fin as (
    select min(finalized_at) as at from campaign_event_totals
     where organization_id = $1 and campaign_id = $2 and is_final),
late as (
    select e.event_type, event_subtype(e.event_type, e.event_data) as subtype, count(*) as events
      from events e, fin
     where e.organization_id = $1 and e.campaign_id = $2 and e.created_at > fin.at
     group by 1, 2)
insert into campaign_event_totals as t (organization_id, campaign_id, event_type, subtype, count,
                                        unique_contacts, late_events, is_final, finalized_at)
select $1, $2, late.event_type, late.subtype, 0, 0, late.events, true, fin.at from late, fin
on conflict (organization_id, campaign_id, event_type, subtype) do update
   set late_events = greatest(t.late_events, excluded.late_events)";
