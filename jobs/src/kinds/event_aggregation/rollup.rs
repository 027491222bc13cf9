//! One UTC day's rollup of one organization's events, as two statements.

/// Recomputes the day's rows of every campaign whose day is not final, removes rows whose
/// events are gone (erased), and finalizes the campaign-days that qualify — in one statement,
/// so the counts and the finalization see the same snapshot. A campaign's day is final when it
/// ended more than 24 h before the statement and the campaign no longer sends.
///
/// Binds: `$1` organization, `$2` day, `$3` day start, `$4` day end (UTC). Returns each
/// campaign computed and whether its day is now final.
pub const DAY_ROLLUP: &str = "
with final_campaigns as (
    select campaign_id from event_aggregation_days
     where organization_id = $1 and day = $2 and finalized_at is not null),
agg as (
    select e.campaign_id, e.event_type, event_subtype(e.event_type, e.event_data) as subtype,
           count(*) as events, count(distinct e.contact_id) as contacts
      from events e
     where e.organization_id = $1 and e.occurred_at >= $3 and e.occurred_at < $4
       and not exists (select 1 from final_campaigns f where f.campaign_id = e.campaign_id)
     group by 1, 2, 3),
campaign_days as (
    select a.campaign_id,
           ($4 + interval '24 hours' < statement_timestamp()
            and c.status not in ('scheduled', 'sending')) as final
      from (select distinct campaign_id from agg) a
      join campaigns c on c.organization_id = $1 and c.id = a.campaign_id),
stale_rows as (
    delete from event_aggregations r
     where r.organization_id = $1 and r.day = $2 and not r.is_final
       and not exists (select 1 from agg
                        where agg.campaign_id = r.campaign_id and agg.event_type = r.event_type
                          and agg.subtype = r.subtype)),
stale_days as (
    delete from event_aggregation_days d
     where d.organization_id = $1 and d.day = $2 and d.finalized_at is null
       and not exists (select 1 from campaign_days c where c.campaign_id = d.campaign_id)),
written as (
    insert into event_aggregations as r (organization_id, campaign_id, event_type, subtype, day,
                                         count, unique_contacts, is_final, finalized_at,
                                         computed_at)
    select $1, agg.campaign_id, agg.event_type, agg.subtype, $2, agg.events, agg.contacts,
           d.final, case when d.final then statement_timestamp() end, statement_timestamp()
      from agg join campaign_days d using (campaign_id)
    on conflict (organization_id, campaign_id, event_type, subtype, day) do update
       set count = excluded.count, unique_contacts = excluded.unique_contacts,
           is_final = excluded.is_final, finalized_at = excluded.finalized_at,
           computed_at = excluded.computed_at
     where not r.is_final)
insert into event_aggregation_days as d (organization_id, campaign_id, day, computed_at, finalized_at)
select $1, campaign_id, $2, statement_timestamp(), case when final then statement_timestamp() end
  from campaign_days
on conflict (organization_id, campaign_id, day) do update
   set computed_at = excluded.computed_at, finalized_at = excluded.finalized_at
 where d.finalized_at is null
returning campaign_id, finalized_at is not null";

/// Counts, for the day's final campaign-days, the events created after the day was finalized,
/// into `late_events` (never into `count`); a key the final day did not have gets a row with
/// zero counts. `greatest` keeps the figure from shrinking when raw events are erased later.
///
/// Binds as [`DAY_ROLLUP`], and runs before it, so days it finalizes are not read twice.
/// Returns the campaigns that had late events (with `false`: no day became final here).
pub const LATE_EVENTS: &str = "
with late as (
    select e.campaign_id, e.event_type, event_subtype(e.event_type, e.event_data) as subtype,
           d.finalized_at, count(*) as events
      from event_aggregation_days d
      join events e on e.organization_id = d.organization_id and e.campaign_id = d.campaign_id
                   and e.occurred_at >= $3 and e.occurred_at < $4
                   and e.created_at > d.finalized_at
     where d.organization_id = $1 and d.day = $2 and d.finalized_at is not null
     group by 1, 2, 3, 4),
written as (
    insert into event_aggregations as r (organization_id, campaign_id, event_type, subtype, day,
                                         count, unique_contacts, late_events, is_final,
                                         finalized_at)
    select $1, campaign_id, event_type, subtype, $2, 0, 0, events, true, finalized_at from late
    on conflict (organization_id, campaign_id, event_type, subtype, day) do update
       set late_events = greatest(r.late_events, excluded.late_events)
    returning campaign_id)
select distinct campaign_id, false from written";
