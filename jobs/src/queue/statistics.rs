//! Keeps Postgres' statistics of `job_runs` fresh, as autovacuum would where it runs and
//! keeps up: the queue's statements find rows by primary key only while the planner knows
//! the table is large (see [`crate::tenancy::KeyLookupPlans`]), and a burst of submissions (50,000 in
//! two seconds on the benchmark) outruns autovacuum's next round by minutes.

use crate::db::MaintDb;

/// Whether the planner's idea of the table (`known` rows, negative before any analyze) is too
/// far from the `live` rows now: the plans that matter turn on the table's size, so it is
/// analyzed each time it has doubled (a few times in a burst, each under a second), not on
/// every change as autovacuum's rule would (analyzing every second cost a third of a core
/// on the queue benchmark).
pub fn stale(live: i64, known: i64) -> bool {
    live > 1_000 && live > 2 * known.max(0)
}

/// Analyzes `job_runs` when it outgrew its statistics (whoever took them: autovacuum's
/// analyses count). One process at a time; whether it analyzed.
pub async fn refresh_if_stale(db: &MaintDb) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let (locked,): (bool,) =
        sqlx::query_as("select pg_try_advisory_xact_lock(hashtext('reachly-analyze-job-runs'))")
            .fetch_one(&mut *tx)
            .await?;
    if !locked {
        return Ok(false);
    }
    let counts: Option<(i64, i64)> = sqlx::query_as(
        "select s.n_live_tup, c.reltuples::int8 from pg_stat_user_tables s
           join pg_class c on c.oid = s.relid
          where s.relid = 'job_runs'::regclass",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some((live, known)) = counts else {
        return Ok(false);
    };
    if !stale(live, known) {
        return Ok(false);
    }
    sqlx::query("select analyze_job_runs()")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::stale;

    #[test]
    fn a_table_that_doubled_since_its_last_analyze_is_analyzed_again() {
        assert!(!stale(900, -1));
        assert!(stale(1_001, -1));
        assert!(!stale(150_000, 100_000));
        assert!(stale(200_001, 100_000));
    }
}
