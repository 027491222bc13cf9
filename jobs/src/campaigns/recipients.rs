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

use crate::tenancy::TenantTx;

/// Members read per statement: large enough that round trips do not matter, small enough
/// that one statement's sort and memory stay small.
pub const CHUNK_MEMBERS: i64 = 5_000;

/// Assigns the recipients among one chunk of the list's members.
///
/// Binds: `$1` organization, `$2` campaign, `$3` list, `$4` batch size, `$5` include risky,
/// `$6` the chunk's exclusive lower bound (the previous chunk's last member, or the nil
/// UUID), `$7` recipients assigned by earlier chunks (so batch numbers run on across chunks),
/// `$8` the chunk's size. Returns the chunk's last member (`None` past the end) and the
/// number of recipients it assigned.
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
            "encode(sha256(convert_to(lower(c.email), 'UTF8')), 'hex') as email_hash, ",
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
             select c.id
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
         assigned as (
             insert into campaign_contact_assignments (organization_id, campaign_id,
                                                       contact_id, batch_no)
             select $1, $2, id, ($7 + row_number() over (order by id) - 1) / $4 from picked
             returning 1)
         select (select contact_id from chunk order by contact_id desc limit 1),
                (select count(*) from assigned)"
    )
}

/// What the assignment produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assigned {
    pub recipients: i64,
    pub batches: i32,
}

impl Assigned {
    /// Batches of `batch_size` contiguous recipients (the last one may be short).
    pub fn new(recipients: i64, batch_size: u32) -> Self {
        let size = i64::from(batch_size.max(1));
        Self {
            recipients,
            batches: ((recipients + size - 1) / size) as i32,
        }
    }
}

/// Assigns every recipient of `list` for `campaign` to a batch of `batch_size` contiguous
/// contact ids, chunk by chunk, in the caller's transaction.
pub async fn assign(
    tx: &mut TenantTx,
    campaign: Uuid,
    list: Uuid,
    batch_size: u32,
    include_risky: bool,
) -> Result<Assigned, sqlx::Error> {
    // Checked once: a suppression committed later in the launch is not seen by it (as one
    // committed after a chunk's statement began was never seen by that chunk), and a send
    // batch skips a contact erased meanwhile.
    let suppressions: bool =
        sqlx::query_scalar("select exists(select 1 from suppressions where organization_id = $1)")
            .bind(tx.org())
            .fetch_one(&mut ***tx)
            .await?;
    let statement = assign_chunk(suppressions);
    let mut after = Uuid::nil();
    let mut recipients = 0_i64;
    loop {
        let (last, added): (Option<Uuid>, i64) =
            sqlx::query_as(sqlx::AssertSqlSafe(statement.as_str()))
                .bind(tx.org())
                .bind(campaign)
                .bind(list)
                .bind(i64::from(batch_size))
                .bind(include_risky)
                .bind(after)
                .bind(recipients)
                .bind(CHUNK_MEMBERS)
                .fetch_one(&mut ***tx)
                .await?;
        recipients += added;
        match last {
            Some(last) => after = last,
            None => return Ok(Assigned::new(recipients, batch_size)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Assigned;

    #[test]
    fn batches_round_up() {
        assert_eq!(Assigned::new(0, 500).batches, 0);
        assert_eq!(Assigned::new(1, 500).batches, 1);
        assert_eq!(Assigned::new(500, 500).batches, 1);
        assert_eq!(Assigned::new(501, 500).batches, 2);
        assert_eq!(Assigned::new(1_000_000, 1).batches, 1_000_000);
    }
}
