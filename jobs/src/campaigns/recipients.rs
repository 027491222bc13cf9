//! Picks a campaign's recipients and assigns them to send batches, in keyset chunks of the
//! list's members, so the launch reads each member and each contact once whatever the
//! planner knows about the tables.
//!
//! A list is launched seconds after it is validated, before anything has analyzed it. The
//! single statement this replaces joined members to contacts and let the planner choose the
//! join: without statistics it chose, for lists of about 20k–50k members, a nested loop that
//! scanned every `valid` contact of the organization for every member (200M rows filtered
//! away, 102 s for 20k recipients). Here the join cannot be reordered: each chunk walks the
//! members' primary key from a cursor, and each member's contact is a lookup by primary key
//! inside a `LATERAL … LIMIT 1` subquery, which Postgres neither flattens into a join nor
//! pushes outer conditions into. The subquery has only the key's conditions: with the status
//! filter inside it too, Postgres (no statistics, so equal estimates) took the
//! `(organization_id, validation_status)` index and filtered every valid contact for each
//! member. The suppression check is a lookup of the address's hash the same way (as a
//! `NOT EXISTS` it read every suppression of the organization for each recipient).

use uuid::Uuid;

use crate::ids::{CampaignId, ListId};
use crate::privacy::{SuppressionKey, key_bare_entries};
use crate::tenancy::TenantTx;

/// Members read per statement: large enough that round trips do not matter, small enough
/// that one statement's sort and memory stay small.
pub const CHUNK_MEMBERS: i64 = 5_000;

/// Assigns the recipients among one chunk of the list's members.
///
/// Binds: `$1` organization, `$2` campaign, `$3` list, `$4` batch size, `$5` include risky,
/// `$6` the chunk's exclusive lower bound (the previous chunk's last member, or the nil
/// UUID), `$7` recipients assigned by earlier chunks (so batch numbers run on across chunks),
/// `$8` the chunk's size, and with `check_suppressions` `$9` the suppression key. Returns the
/// chunk's last member (`None` past the end), the number of
/// recipients it assigned, and the contacts that begin and end a batch among them.
///
/// With `check_suppressions` false the suppression lookup is left out: it hashes every
/// recipient's address, a third of the statement's time at 200k recipients, and an
/// organization with an empty suppression list needs none. Public so a test can check the
/// plans of both.
pub fn assign_chunk(check_suppressions: bool) -> String {
    // The address's hash is computed once, in the contact's lookup, so the suppression
    // lookup compares a value: with the expression in its condition, Postgres probed by
    // organization alone and hashed the address again for every suppression it filtered.
    let (email, suppression_join, not_suppressed) = if check_suppressions {
        (
            "suppression_hash(c.email, $9) as email_hash, ",
            "left join lateral (
                select true as hit from suppressions s
                 where s.organization_id = $1 and s.email_hash = c.email_hash
                 limit 1) suppressed on true",
            "and suppressed.hit is null",
        )
    } else {
        ("", "", "")
    };
    format!(
        "with chunk as (
             select m.contact_id from contact_list_members m
              where m.organization_id = $1 and m.list_id = $3 and m.contact_id > $6
              order by m.contact_id limit $8),
         picked as (
             select c.id, c.validation_status
               from chunk
               cross join lateral (
                    select c.id, {email}c.deleted_at, c.subscription_status,
                           c.validation_status
                      from contacts c
                     where c.organization_id = $1 and c.id = chunk.contact_id
                     limit 1) c
               {suppression_join}
              where c.deleted_at is null
                and c.subscription_status = 'subscribed'
                and (c.validation_status = 'valid' or ($5 and c.validation_status = 'risky'))
                {not_suppressed}),
         ranked as (
             select id, validation_status, $7 + row_number() over (order by id) - 1 as rank
               from picked),
         assigned as (
             insert into campaign_contact_assignments (organization_id, campaign_id,
                                                       contact_id, batch_no, validation_status)
             select $1, $2, id, rank / $4, validation_status from ranked
             returning 1)
         select (select contact_id from chunk order by contact_id desc limit 1),
                (select count(*) from assigned),
                array(select id from ranked where rank % $4 = 0 order by rank),
                array(select id from ranked where rank % $4 = $4 - 1 order by rank),
                (select id from ranked order by rank desc limit 1)"
    )
}

/// The contacts that begin and end one send batch (inclusive): the batch's assignments are
/// the campaign's in this range of the primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchRange {
    pub first: Uuid,
    pub last: Uuid,
}

/// What the assignment produced: the recipients, in batches of contiguous contact ids (the
/// last one may be short).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assigned {
    pub recipients: i64,
    pub batches: Vec<BatchRange>,
}

/// One chunk's statement result: its last member, the recipients it assigned, the contacts
/// that begin and that end a batch, and its last recipient.
type ChunkRow = (Option<Uuid>, i64, Vec<Uuid>, Vec<Uuid>, Option<Uuid>);

/// Collects the batch ranges chunk by chunk: a batch can begin in one chunk and end in a later
/// one, and the last batch ends at the last recipient rather than at a full batch.
#[derive(Debug, Default)]
struct BatchBounds {
    firsts: Vec<Uuid>,
    lasts: Vec<Uuid>,
    last_recipient: Option<Uuid>,
}

impl BatchBounds {
    fn add_chunk(&mut self, firsts: Vec<Uuid>, lasts: Vec<Uuid>, last: Option<Uuid>) {
        self.firsts.extend(firsts);
        self.lasts.extend(lasts);
        self.last_recipient = last.or(self.last_recipient);
    }

    fn finish(mut self, recipients: i64) -> Assigned {
        if self.lasts.len() < self.firsts.len() {
            self.lasts.extend(self.last_recipient);
        }
        debug_assert_eq!(self.firsts.len(), self.lasts.len());
        let batches = self
            .firsts
            .into_iter()
            .zip(self.lasts)
            .map(|(first, last)| BatchRange { first, last })
            .collect();
        Assigned {
            recipients,
            batches,
        }
    }
}

/// Assigns every recipient of `list` for `campaign` to a batch of `batch_size` contiguous
/// contact ids, chunk by chunk, in the caller's transaction.
pub async fn assign(
    tx: &mut TenantTx,
    campaign: CampaignId,
    list: ListId,
    batch_size: u32,
    include_risky: bool,
    key: &SuppressionKey,
) -> Result<Assigned, sqlx::Error> {
    // Checked once: a suppression committed later in the launch is not seen by it (as one
    // committed after a chunk's statement began was never seen by that chunk), and a send
    // batch skips a contact erased meanwhile.
    key_bare_entries(tx, key).await?;
    let suppressions: bool =
        sqlx::query_scalar("select exists(select 1 from suppressions where organization_id = $1)")
            .bind(tx.org())
            .fetch_one(&mut ***tx)
            .await?;
    let statement = assign_chunk(suppressions);
    let mut after = Uuid::nil();
    let mut recipients = 0_i64;
    let mut bounds = BatchBounds::default();
    loop {
        let query = sqlx::query_as(sqlx::AssertSqlSafe(statement.as_str()))
            .bind(tx.org())
            .bind(campaign)
            .bind(list)
            .bind(i64::from(batch_size.max(1)))
            .bind(include_risky)
            .bind(after)
            .bind(recipients)
            .bind(CHUNK_MEMBERS);
        // The key is a parameter only of the statement that looks suppressions up.
        let query = if suppressions {
            query.bind(key.bytes())
        } else {
            query
        };
        let (last_member, added, firsts, lasts, last_recipient): ChunkRow =
            query.fetch_one(&mut ***tx).await?;
        recipients += added;
        bounds.add_chunk(firsts, lasts, last_recipient);
        match last_member {
            Some(last) => after = last,
            None => return Ok(bounds.finish(recipients)),
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{BatchBounds, BatchRange};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn no_recipients_no_batches() {
        let mut bounds = BatchBounds::default();
        bounds.add_chunk(vec![], vec![], None);
        assert!(bounds.finish(0).batches.is_empty());
    }

    #[test]
    fn a_batch_spanning_chunks_ends_in_the_later_one() {
        // Batches of 3 over recipients 1..=7, in chunks holding 1–2, 3–5, none, 6–7.
        let mut bounds = BatchBounds::default();
        bounds.add_chunk(vec![id(1)], vec![], Some(id(2)));
        bounds.add_chunk(vec![id(4)], vec![id(3)], Some(id(5)));
        bounds.add_chunk(vec![], vec![], None);
        bounds.add_chunk(vec![id(7)], vec![id(6)], Some(id(7)));
        let assigned = bounds.finish(7);
        assert_eq!(assigned.recipients, 7);
        let ranges = [(1, 3), (4, 6), (7, 7)].map(|(first, last)| BatchRange {
            first: id(first),
            last: id(last),
        });
        assert_eq!(assigned.batches, ranges);
    }

    #[test]
    fn a_full_last_batch_ends_at_its_own_last() {
        let mut bounds = BatchBounds::default();
        bounds.add_chunk(vec![id(1), id(3)], vec![id(2), id(4)], Some(id(4)));
        bounds.add_chunk(vec![], vec![], None);
        let ranges = bounds.finish(4).batches;
        assert_eq!(ranges.len(), 2);
        assert_eq!(
            ranges[1],
            BatchRange {
                first: id(3),
                last: id(4)
            }
        );
    }
}
