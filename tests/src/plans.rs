//! Plans of the engine's own statements, as Postgres runs them on tables nothing analyzed.
//!
//! [`plan_both`] prepares a statement, plans it both ways Postgres plans prepared statements
//! (with the values: a connection's first runs; generically: later, when not costlier) and
//! runs each under `EXPLAIN (ANALYZE, FORMAT JSON)` inside a savepoint that is rolled back, so
//! a statement that writes leaves nothing behind. [`rows_read`] counts what a plan read of
//! some tables: every row their scans produced or filtered away, times the scans' loops.

use serde_json::Value;

/// One plan of a statement.
#[derive(Debug)]
pub struct Plan {
    /// The statement's name and how it was planned.
    pub name: String,
    /// The `Plan` node of `EXPLAIN (ANALYZE, FORMAT JSON)`.
    pub root: Value,
}

/// Plans `sql` with `args` (SQL literals, comma-separated) under custom and generic plans.
pub async fn plan_both(
    conn: &mut sqlx::PgConnection,
    name: &str,
    sql: &str,
    args: &str,
) -> Vec<Plan> {
    plan_both_typed(conn, name, "", sql, args).await
}

/// [`plan_both`] for a statement whose parameters are declared (`types`, e.g. `(uuid, text)`),
/// as the engine sends them: it may leave some of them unused.
pub async fn plan_both_typed(
    conn: &mut sqlx::PgConnection,
    name: &str,
    types: &str,
    sql: &str,
    args: &str,
) -> Vec<Plan> {
    let run = |sql: String| sqlx::raw_sql(sqlx::AssertSqlSafe(sql));
    run(format!("prepare {name} {types} as {sql}"))
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("preparing {name}: {e}"));
    let mut plans = Vec::new();
    let started = std::time::Instant::now();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        run(format!("set local plan_cache_mode = {mode}"))
            .execute(&mut *conn)
            .await
            .unwrap();
        plans.push(Plan {
            name: format!("{name} ({mode})"),
            root: explain_rolled_back(conn, name, args).await,
        });
    }
    run(format!("deallocate {name}"))
        .execute(&mut *conn)
        .await
        .unwrap();
    eprintln!("planned {name} both ways in {:?}", started.elapsed());
    plans
}

/// Runs prepared statement `name` with `args` (SQL literals) under `EXPLAIN (ANALYZE, FORMAT
/// JSON)` inside a savepoint rolled back after, so a statement that writes leaves nothing
/// behind; its `Plan` node.
pub async fn explain_rolled_back(conn: &mut sqlx::PgConnection, name: &str, args: &str) -> Value {
    let run = |sql: &str| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()));
    run("savepoint plan").execute(&mut *conn).await.unwrap();
    let plan: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "explain (analyze, format json) execute {name}({args})"
    )))
    .fetch_one(&mut *conn)
    .await
    .unwrap_or_else(|e| panic!("running {name}: {e}"));
    run("rollback to savepoint plan")
        .execute(&mut *conn)
        .await
        .unwrap();
    plan[0]["Plan"].clone()
}

/// Rows produced or filtered away by the scans (of tables or their indexes) whose name starts
/// with one of `tables`, times their loops.
pub fn rows_read(node: &Value, tables: &[&str]) -> f64 {
    let touches = |key: &str| {
        node[key]
            .as_str()
            .is_some_and(|name| tables.iter().any(|t| name.starts_with(t)))
    };
    let own = if touches("Relation Name") || touches("Index Name") {
        let n = |key: &str| node[key].as_f64().unwrap_or(0.0);
        (n("Actual Rows") + n("Rows Removed by Filter") + n("Rows Removed by Index Recheck"))
            * n("Actual Loops").max(1.0)
    } else {
        0.0
    };
    let children: f64 = node["Plans"]
        .as_array()
        .map(|plans| plans.iter().map(|p| rows_read(p, tables)).sum())
        .unwrap_or(0.0);
    own + children
}

/// Asserts that each plan read between `needed` and three times `needed` rows of `tables`.
pub fn assert_reads(plans: &[Plan], tables: &[&str], needed: f64, context: &str) {
    for plan in plans {
        let read = rows_read(&plan.root, tables);
        assert!(
            read >= needed * 0.5 && read <= 3.0 * needed,
            "{} read {read} rows of {tables:?} where it needs {needed} ({context}): {:#}",
            plan.name,
            plan.root
        );
    }
}
