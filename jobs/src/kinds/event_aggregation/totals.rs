//! Campaign totals over each campaign's whole life: contacts counted once however many days
//! they acted on (daily unique counts cannot be summed into these). One statement for every
//! campaign a run touched, so their events are read in one pass.

/// Recomputes the totals of the campaigns in `$2` that are not final, and finalizes those
/// that no longer send and whose last event's day ended more than 24 h ago.
///
/// Binds: `$1` organization, `$2` campaign ids. Returns each campaign recomputed and whether
/// its totals are final now (campaigns final already, or without events, return nothing).
pub const CAMPAIGN_TOTALS: &str = "
with already_final as (
    select distinct campaign_id from campaign_event_totals
     where organization_id = $1 and campaign_id = any($2) and is_final),
agg as (
    select e.campaign_id, e.event_type, event_subtype(e.event_type, e.event_data) as subtype,
           count(*) as events, count(distinct e.contact_id) as contacts,
           max(e.occurred_at) as last_at
      from events e
     where e.organization_id = $1 and e.campaign_id = any($2)
       and not exists (select 1 from already_final f where f.campaign_id = e.campaign_id)
     group by 1, 2, 3),
verdict as (
    select c.id as campaign_id,
           ((select (max(a.last_at) at time zone 'UTC')::date from agg a
              where a.campaign_id = c.id) + 2)::timestamp at time zone 'UTC'
               < statement_timestamp()
           and c.status not in ('scheduled', 'sending') as final
      from campaigns c
     where c.organization_id = $1 and c.id in (select distinct campaign_id from agg)),
stale as (
    delete from campaign_event_totals t
     where t.organization_id = $1 and t.campaign_id = any($2) and not t.is_final
       and not exists (select 1 from agg where agg.campaign_id = t.campaign_id
                                            and agg.event_type = t.event_type
                                            and agg.subtype = t.subtype)),
written as (
    insert into campaign_event_totals as t (organization_id, campaign_id, event_type, subtype,
                                            count, unique_contacts, is_final, finalized_at,
                                            computed_at)
    select $1, agg.campaign_id, agg.event_type, agg.subtype, agg.events, agg.contacts, v.final,
           case when v.final then statement_timestamp() end, statement_timestamp()
      from agg join verdict v using (campaign_id)
    on conflict (organization_id, campaign_id, event_type, subtype) do update
       set count = excluded.count, unique_contacts = excluded.unique_contacts,
           is_final = excluded.is_final, finalized_at = excluded.finalized_at,
           computed_at = excluded.computed_at
     where not t.is_final
    returning campaign_id)
select v.campaign_id, v.final from verdict v
 where v.campaign_id in (select campaign_id from written)";

/// Counts, for the campaigns in `$2` whose totals are final, the events created after the
/// totals were finalized into `late_events`, as [`super::LATE_EVENTS`] does for days. Run
/// before [`CAMPAIGN_TOTALS`], so totals it finalizes are not read again.
///
/// Binds: `$1` organization, `$2` campaign ids.
pub const CAMPAIGN_LATE_EVENTS: &str = "
with fin as (
    select campaign_id, min(finalized_at) as at from campaign_event_totals
     where organization_id = $1 and campaign_id = any($2) and is_final
     group by 1),
late as (
    select e.campaign_id, e.event_type, event_subtype(e.event_type, e.event_data) as subtype,
           fin.at, count(*) as events
      from fin
      join events e on e.organization_id = $1 and e.campaign_id = fin.campaign_id
                   and e.created_at > fin.at
     group by 1, 2, 3, 4)
insert into campaign_event_totals as t (organization_id, campaign_id, event_type, subtype, count,
                                        unique_contacts, late_events, is_final, finalized_at)
select $1, campaign_id, event_type, subtype, 0, 0, events, true, at from late
on conflict (organization_id, campaign_id, event_type, subtype) do update
   set late_events = greatest(t.late_events, excluded.late_events)";
