//! Tenant isolation as the APPLICATION role (`reachly_app`, subject to row-level security):
//! one organization's transaction neither sees, changes, references nor creates another
//! organization's rows; without an organization it sees nothing; and the role cannot turn
//! row-level security off, become the owner, or rewrite the audit log.
//!
//! Fixture rows are written through the product's own tenancy helper (`AppDb::tenant`),
//! so the policies' WITH CHECK side is exercised by the setup itself. The maintenance role
//! (BYPASSRLS) and the owner are used only to look at the catalog and count every tenant's
//! rows, never to prove isolation.

use reachly_jobs::{AppDb, OrgId, TenantTx};
use reachly_tests::Stack;
use reachly_tests::db::{execute, scalar, scalars};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

/// SQLSTATE: insufficient_privilege (RLS WITH CHECK violation, "must be owner", no grant).
const INSUFFICIENT_PRIVILEGE: &str = "42501";
/// SQLSTATE: foreign_key_violation.
const FOREIGN_KEY_VIOLATION: &str = "23503";

/// The tables `seed` writes at least one row into, for each organization.
const SEEDED: &[&str] = &[
    "memberships",
    "contact_lists",
    "contacts",
    "contact_list_members",
    "validation_rules",
    "validation_logs",
    "list_import_errors",
    "list_upload_chunks",
    "email_templates",
    "forms",
    "form_fields",
    "campaigns",
    "campaign_contact_assignments",
    "email_send_simulations",
    "events",
    "event_aggregations",
    "leads",
    "form_responses",
    "audit_logs",
    "gdpr_requests",
    "data_deletions",
    "suppressions",
    "job_runs",
];

/// One row of `pg_policies`: name, permissive, command, USING and WITH CHECK expressions.
type PolicyRow = (String, String, String, Option<String>, Option<String>);

/// The ids of one organization's fixture rows.
#[derive(Clone, Copy, Debug)]
struct Tenant {
    org: Uuid,
    list: Uuid,
    contact: Uuid,
    campaign: Uuid,
    form: Uuid,
    job: Uuid,
    audit: Uuid,
}

impl Tenant {
    fn id(&self) -> OrgId {
        OrgId(self.org)
    }
}

/// Runs an `insert ... returning <uuid>` with uuid binds inside `tx`.
async fn insert(tx: &mut TenantTx, sql: &'static str, binds: &[Uuid]) -> Uuid {
    let mut query = sqlx::query_scalar::<_, Uuid>(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    query
        .fetch_one(&mut ***tx)
        .await
        .unwrap_or_else(|e| panic!("fixture insert failed: {e}\n{sql}"))
}

/// Creates an organization and one row in every table of `SEEDED`, as the application role
/// inside the organization's own tenant transaction.
async fn seed(db: &AppDb, maint: &PgPool, slug: &str) -> Tenant {
    let org = Uuid::now_v7();
    let mut tx = db.tenant(OrgId(org)).await.unwrap();
    sqlx::query("insert into organizations (id, slug, name) values ($1, $2, $2)")
        .bind(org)
        .bind(slug)
        .execute(&mut **tx)
        .await
        .unwrap();
    // Users are global and created by admin commands (maintenance role), never by tenants.
    let user: Uuid = sqlx::query_scalar("insert into users (email) values ($1) returning id")
        .bind(format!("owner@{slug}.test"))
        .fetch_one(maint)
        .await
        .unwrap();
    let list = insert(
        &mut tx,
        "insert into contact_lists (organization_id, name, created_by) values ($1, 'List', $2)
         returning id",
        &[org, user],
    )
    .await;
    let contact: Uuid = sqlx::query_scalar(
        "insert into contacts (organization_id, email, first_name) values ($1, $2, 'Original')
         returning id",
    )
    .bind(org)
    .bind(format!("person@{slug}.test"))
    .fetch_one(&mut **tx)
    .await
    .unwrap();
    let template = insert(
        &mut tx,
        "insert into email_templates (organization_id, name) values ($1, 'Template') returning id",
        &[org],
    )
    .await;
    let form = insert(
        &mut tx,
        "insert into forms (organization_id, name, slug) values ($1, 'Form', 'form') returning id",
        &[org],
    )
    .await;
    let campaign = insert(
        &mut tx,
        "insert into campaigns (organization_id, name, list_id, template_id, form_id)
         values ($1, 'Campaign', $2, $3, $4) returning id",
        &[org, list, template, form],
    )
    .await;
    let lead = insert(
        &mut tx,
        "insert into leads (organization_id, contact_id, campaign_id, form_id, email)
         values ($1, $2, $3, $4, 'lead@example.test') returning id",
        &[org, contact, campaign, form],
    )
    .await;
    let audit = insert(
        &mut tx,
        "insert into audit_logs (organization_id, actor_user_id, action)
         values ($1, $2, 'fixture.created') returning id",
        &[org, user],
    )
    .await;
    let gdpr = insert(
        &mut tx,
        "insert into gdpr_requests (organization_id, kind, subject_email_hash)
         values ($1, 'erasure', encode(digest('someone@example.test', 'sha256'), 'hex'))
         returning id",
        &[org],
    )
    .await;
    let job = insert(
        &mut tx,
        "insert into job_runs (organization_id, kind, queue, dedupe_key)
         values ($1, 'noop', 'noop', 'same-key-in-every-tenant') returning id",
        &[org],
    )
    .await;
    // The rows nothing else refers to, in one go.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "insert into events (organization_id, campaign_id, contact_id, event_type,
                             ip_address, occurred_at)
         values ('{org}', '{campaign}', '{contact}', 'sent', '192.0.2.10', now()),
                ('{org}', '{campaign}', '{contact}', 'open', '192.0.2.10', now());
         insert into contact_list_members (organization_id, list_id, contact_id)
         values ('{org}', '{list}', '{contact}');
         insert into validation_rules (organization_id, key) values ('{org}', 'syntax');
         insert into validation_logs (organization_id, contact_id, list_id, status)
         values ('{org}', '{contact}', '{list}', 'valid');
         insert into list_import_errors (organization_id, list_id, line_number, reason)
         values ('{org}', '{list}', 7, 'unparseable');
         insert into list_upload_chunks (organization_id, list_id, seq, data)
         values ('{org}', '{list}', 0, convert_to('email' || chr(10), 'UTF8'));
         insert into form_fields (organization_id, form_id, key, label, field_type)
         values ('{org}', '{form}', 'email', 'Email', 'email');
         insert into campaign_contact_assignments (organization_id, campaign_id, contact_id)
         values ('{org}', '{campaign}', '{contact}');
         insert into email_send_simulations (organization_id, campaign_id, seed)
         values ('{org}', '{campaign}', 42);
         insert into event_aggregations (organization_id, campaign_id, event_type, day, count)
         values ('{org}', '{campaign}', 'sent', current_date, 1);
         insert into form_responses (organization_id, form_id, lead_id, contact_id, campaign_id,
                                     response_data, ip_address)
         values ('{org}', '{form}', '{lead}', '{contact}', '{campaign}',
                 '{{\"email\": \"lead@example.test\"}}', '192.0.2.11');
         insert into data_deletions (organization_id, gdpr_request_id, table_name, rows_deleted)
         values ('{org}', '{gdpr}', 'contacts', 1);
         insert into suppressions (organization_id, email_hash, reason)
         values ('{org}', encode(digest('someone@example.test', 'sha256'), 'hex'), 'gdpr_erasure')"
    )))
    .execute(&mut **tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Memberships are granted by the admin commands (maintenance role), never by tenants.
    sqlx::query(
        "insert into memberships (organization_id, user_id, role_id)
         select $1, $2, id from roles where key = 'admin'",
    )
    .bind(org)
    .bind(user)
    .execute(maint)
    .await
    .unwrap();
    Tenant {
        org,
        list,
        contact,
        campaign,
        form,
        job,
        audit,
    }
}

/// A fresh stack with two organizations, A and B, seeded as the application role.
async fn two_tenants() -> (Stack, AppDb, PgPool, Tenant, Tenant) {
    let stack = Stack::start().await;
    let maint = stack.db.maint().await;
    // Make sure this month's events partition exists whenever the template was migrated.
    execute(
        &maint,
        "select ensure_event_partitions((now() - interval '1 month')::date, 3)",
    )
    .await;
    let app = stack.db.app().await;
    let a = seed(&app, &maint, "org-a").await;
    let b = seed(&app, &maint, "org-b").await;
    (stack, app, maint, a, b)
}

/// Every table of schema public with an `organization_id` column (partitions excluded),
/// quoted for use in SQL.
async fn tenant_tables(pool: &PgPool) -> Vec<String> {
    scalars(
        pool,
        "select quote_ident(c.relname)
           from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
           join pg_attribute a on a.attrelid = c.oid
                              and a.attname = 'organization_id' and not a.attisdropped
          where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
          order by 1",
    )
    .await
}

/// The partitions of `events`.
async fn event_partitions(pool: &PgPool) -> Vec<String> {
    scalars(
        pool,
        "select quote_ident(c.relname)
           from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'public.events'::regclass
          order by 1",
    )
    .await
}

/// The SQLSTATE of a database error; panics on success or on any other kind of error.
fn sqlstate<T: std::fmt::Debug>(what: &str, result: Result<T, sqlx::Error>) -> String {
    match result {
        Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()).unwrap_or_default(),
        other => panic!("{what}: expected a database error, got {other:?}"),
    }
}

/// Runs one statement with uuid binds in a fresh tenant transaction of `org` (rolled back)
/// and returns the number of rows it affected, or its error.
async fn exec_as(
    db: &AppDb,
    org: OrgId,
    sql: &'static str,
    binds: &[Uuid],
) -> Result<u64, sqlx::Error> {
    let mut tx = db.tenant(org).await?;
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    let result = query.execute(&mut **tx).await;
    let _ = tx.rollback().await;
    result.map(|r| r.rows_affected())
}

/// Asserts that `sql`, run in `org`'s tenant transaction, fails with SQLSTATE `code`.
async fn assert_refused(db: &AppDb, org: OrgId, code: &str, sql: &'static str, binds: &[Uuid]) {
    let state = sqlstate(sql, exec_as(db, org, sql, binds).await);
    assert_eq!(state, code, "unexpected SQLSTATE for: {sql}");
}

/// Counts rows of `table` with `organization_id = org`, seen through `executor`.
async fn count_for<'e>(executor: impl sqlx::PgExecutor<'e>, table: &str, org: Uuid) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "select count(*) from {table} where organization_id = $1"
    )))
    .bind(org)
    .fetch_one(executor)
    .await
    .unwrap()
}

/// A pool of one connection as the role of `url` (a raw connection: no tenant transaction).
async fn one_connection(url: &str) -> PgPool {
    reachly_jobs::db::connect(url, 1).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_role_is_not_superuser_lacks_bypassrls_and_owns_nothing() {
    let stack = Stack::start().await;
    let app = one_connection(&stack.db.app_url).await;

    let (user, superuser, bypassrls, createrole, createdb): (String, bool, bool, bool, bool) =
        sqlx::query_as(
            "select rolname::text, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb
               from pg_roles where rolname = current_user",
        )
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(user, "reachly_app");
    assert!(!superuser, "the application role must not be a superuser");
    assert!(!bypassrls, "the application role must not have BYPASSRLS");
    assert!(!createrole && !createdb);

    let (tables, functions): (i64, i64) = sqlx::query_as(
        "select (select count(*) from pg_class where relowner = r.oid),
                (select count(*) from pg_proc where proowner = r.oid)
           from pg_roles r where r.rolname = current_user",
    )
    .fetch_one(&app)
    .await
    .unwrap();
    assert_eq!(
        (tables, functions),
        (0, 0),
        "the application role owns nothing"
    );

    let (owner_member, maint_member): (bool, bool) = sqlx::query_as(
        "select pg_has_role(current_user, 'reachly_owner', 'MEMBER'),
                pg_has_role(current_user, 'reachly_maint', 'MEMBER')",
    )
    .fetch_one(&app)
    .await
    .unwrap();
    assert!(
        !owner_member && !maint_member,
        "the app role inherits no other role"
    );

    // The tables are owned by a role that is itself subject to forced RLS, and the
    // maintenance role is the only one that bypasses it.
    let maint = stack.db.maint().await;
    let bypassing: Vec<String> = scalars(
        &maint,
        "select rolname::text from pg_roles
          where (rolbypassrls or rolsuper) and rolname like 'reachly%' order by 1",
    )
    .await;
    assert_eq!(bypassing, vec!["reachly_maint".to_owned()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_tenant_table_and_partition_has_rls_enabled_and_forced_with_the_tenant_policy() {
    let stack = Stack::start().await;
    let owner = one_connection(&stack.db.owner_url).await;

    // Every relation with an organization_id column, partitions included.
    let flags: Vec<(String, bool, bool, bool)> = sqlx::query_as(
        "select c.relname::text, c.relrowsecurity, c.relforcerowsecurity, c.relispartition
           from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
           join pg_attribute a on a.attrelid = c.oid
                              and a.attname = 'organization_id' and not a.attisdropped
          where n.nspname = 'public' and c.relkind in ('r', 'p')
          order by 1",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    let names: Vec<&str> = flags.iter().map(|f| f.0.as_str()).collect();
    for expected in SEEDED {
        assert!(names.contains(expected), "{expected} is not a tenant table");
    }
    assert!(
        flags.iter().any(|f| f.3),
        "no events partition found: {names:?}"
    );
    for (table, enabled, forced, _) in &flags {
        assert!(*enabled, "{table}: row level security is not enabled");
        assert!(*forced, "{table}: row level security is not forced");
    }
    let (enabled, forced): (bool, bool) = sqlx::query_as(
        "select relrowsecurity, relforcerowsecurity from pg_class
          where oid = 'public.organizations'::regclass",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(
        enabled && forced,
        "organizations: RLS not enabled and forced"
    );

    // Each tenant table (and organizations) has policies, and every one of them is the
    // tenant predicate for every command: no extra permissive policy opens a hole.
    let mut tables = tenant_tables(&owner).await;
    tables.push("organizations".to_owned());
    for table in &tables {
        let policies: Vec<PolicyRow> = sqlx::query_as(
            "select policyname::text, permissive, cmd, qual, with_check
                   from pg_policies where schemaname = 'public' and tablename = $1",
        )
        .bind(table)
        .fetch_all(&owner)
        .await
        .unwrap();
        assert!(!policies.is_empty(), "{table} has no policy");
        let column = if table == "organizations" {
            "(id = "
        } else {
            "(organization_id = "
        };
        for (name, permissive, cmd, qual, with_check) in policies {
            let qual = qual.unwrap_or_default();
            assert_eq!(cmd, "ALL", "{table}.{name}");
            assert_eq!(permissive, "PERMISSIVE", "{table}.{name}");
            assert!(
                qual.starts_with(column)
                    && qual.contains("current_setting('app.organization_id'::text, true)"),
                "{table}.{name}: unexpected USING {qual}"
            );
            assert_eq!(
                with_check.as_deref(),
                Some(qual.as_str()),
                "{table}.{name}: WITH CHECK differs from USING"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_transaction_sees_only_its_own_rows() {
    let (_stack, app, maint, a, b) = two_tenants().await;
    let tables = tenant_tables(&maint).await;
    for table in SEEDED {
        assert!(tables.iter().any(|t| t == table), "{table} not found");
        // The fixture is not vacuous: both tenants have rows in every seeded table.
        assert!(
            count_for(&maint, table, a.org).await > 0,
            "{table}: no A rows"
        );
        assert!(
            count_for(&maint, table, b.org).await > 0,
            "{table}: no B rows"
        );
    }

    for (me, other) in [(a, b), (b, a)] {
        let mut tx = app.tenant(me.id()).await.unwrap();
        for table in &tables {
            let (visible, foreign): (i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
                "select count(*), count(*) filter (where organization_id <> $1) from {table}"
            )))
            .bind(me.org)
            .fetch_one(&mut **tx)
            .await
            .unwrap();
            assert_eq!(foreign, 0, "{table}: another tenant's rows are visible");
            assert_eq!(
                visible,
                count_for(&maint, table, me.org).await,
                "{table}: not every own row is visible"
            );
            let named = count_for(&mut **tx, table, other.org).await;
            assert_eq!(named, 0, "{table}: rows found by naming the other tenant");
        }

        let orgs: Vec<Uuid> = scalars(&mut **tx, "select id from organizations").await;
        assert_eq!(orgs, vec![me.org]);

        // Direct lookups of the other tenant's ids find nothing, on plain, partitioned and
        // append-only tables alike, and joins do not widen what is visible.
        // `select count(*) from <rows>` for each.
        let lookups: &[(&'static str, Uuid)] = &[
            ("contacts where id = $1", other.contact),
            ("job_runs where id = $1", other.job),
            ("audit_logs where id = $1", other.audit),
            ("events where contact_id = $1", other.contact),
            ("events where campaign_id = $1", other.campaign),
            ("contact_list_members where list_id = $1", other.list),
            ("leads where form_id = $1", other.form),
            (
                "events e join contacts c
                   on c.organization_id = e.organization_id and c.id = e.contact_id
                  where c.id = $1",
                other.contact,
            ),
            (
                "job_runs where dedupe_key = 'same-key-in-every-tenant' and id = $1",
                other.job,
            ),
        ];
        for (rows, id) in lookups {
            let sql = format!("select count(*) from {rows}");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_one(&mut **tx)
                .await
                .unwrap();
            assert_eq!(n, 0, "{sql}");
        }
        let own_events: i64 = scalar(&mut **tx, "select count(*) from events").await;
        assert_eq!(own_events, 2, "events are read through the parent table");
        tx.rollback().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_and_deletes_of_another_tenants_rows_affect_nothing() {
    let (_stack, app, maint, a, b) = two_tenants().await;
    let tables = tenant_tables(&maint).await;
    let mut before = Vec::new();
    for table in &tables {
        before.push(count_for(&maint, table, b.org).await);
    }

    let mut tx = app.tenant(a.id()).await.unwrap();
    let attempts: &[(&'static str, Uuid)] = &[
        (
            "update contacts set first_name = 'Changed' where id = $1",
            b.contact,
        ),
        (
            "update contacts set first_name = 'Changed' where organization_id = $1",
            b.org,
        ),
        (
            "update job_runs set status = 'cancelled' where id = $1",
            b.job,
        ),
        (
            "update events set ip_address = null where campaign_id = $1",
            b.campaign,
        ),
        (
            "update organizations set name = 'Changed' where id = $1",
            b.org,
        ),
        (
            "delete from contact_list_members where list_id = $1",
            b.list,
        ),
        ("delete from job_runs where id = $1", b.job),
        ("delete from events where organization_id = $1", b.org),
        ("delete from leads where organization_id = $1", b.org),
        ("delete from campaigns where id = $1", b.campaign),
        ("delete from organizations where id = $1", b.org),
    ];
    for (sql, id) in attempts {
        let affected = sqlx::query(*sql)
            .bind(id)
            .execute(&mut **tx)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .rows_affected();
        assert_eq!(affected, 0, "{sql}");
    }
    // Unqualified statements touch only the tenant's own rows.
    let touched = execute(&mut **tx, "update contacts set first_name = 'Changed'").await;
    assert_eq!(touched, 1);
    let deleted = execute(&mut **tx, "delete from contact_list_members").await;
    assert_eq!(deleted, 1);
    tx.commit().await.unwrap();

    // B is exactly as it was; A did change.
    for (table, count) in tables.iter().zip(before) {
        assert_eq!(count_for(&maint, table, b.org).await, count, "{table}");
    }
    let names: Vec<(Uuid, String)> =
        sqlx::query_as("select organization_id, first_name from contacts order by 2")
            .fetch_all(&maint)
            .await
            .unwrap();
    assert_eq!(
        names,
        vec![
            (a.org, "Changed".to_owned()),
            (b.org, "Original".to_owned())
        ]
    );
    let (status, ip): (String, Option<String>) = sqlx::query_as(
        "select j.status, (select host(e.ip_address) from events e
                            where e.organization_id = j.organization_id limit 1)
           from job_runs j where j.id = $1",
    )
    .bind(b.job)
    .fetch_one(&maint)
    .await
    .unwrap();
    assert_eq!(status, "queued");
    assert_eq!(ip.as_deref(), Some("192.0.2.10"));
}

#[tokio::test(flavor = "multi_thread")]
async fn writing_a_row_into_another_tenant_is_refused_by_the_policy() {
    let (_stack, app, maint, a, b) = two_tenants().await;
    let refused: &[(&'static str, &[Uuid])] = &[
        (
            "insert into contacts (organization_id, email) values ($1, 'intruder@example.test')",
            &[b.org],
        ),
        (
            "insert into job_runs (organization_id, kind, queue) values ($1, 'noop', 'noop')",
            &[b.org],
        ),
        (
            "insert into audit_logs (organization_id, action) values ($1, 'forged')",
            &[b.org],
        ),
        (
            "insert into events (organization_id, campaign_id, event_type, occurred_at)
             values ($1, $2, 'open', now())",
            &[b.org, b.campaign],
        ),
        (
            "insert into contact_list_members (organization_id, list_id, contact_id)
             values ($1, $2, $3)",
            &[b.org, b.list, b.contact],
        ),
        (
            "insert into memberships (organization_id, user_id, role_id)
             select $1, u.id, r.id from users u, roles r
              where u.email = 'owner@org-a.test' and r.key = 'admin'",
            &[b.org],
        ),
        // A membership in its own organization for someone else's user (whose email it
        // would then see), and a verdict in the DNS cache every tenant shares.
        (
            "insert into memberships (organization_id, user_id, role_id)
             select $1, u.id, r.id from users u, roles r
              where u.email = 'owner@org-b.test' and r.key = 'viewer'",
            &[a.org],
        ),
        (
            "insert into domain_checks (domain, status, expires_at)
             select 'gmail.com', 'nonexistent', now() + interval '1 day'
              where $1::uuid is not null",
            &[a.org],
        ),
        // The cron ledger every worker shares, and another tenant's rollups.
        (
            "insert into cron_ticks (schedule, tick_at, recorded_by)
             select 'event_aggregation', now(), 'forged' where $1::uuid is not null",
            &[a.org],
        ),
        (
            "insert into campaign_event_totals (organization_id, campaign_id, event_type)
             values ($1, $2, 'open')",
            &[b.org, b.campaign],
        ),
        (
            "insert into event_aggregation_days (organization_id, campaign_id, day)
             values ($1, $2, current_date)",
            &[b.org, b.campaign],
        ),
        // A new organization other than the transaction's own.
        (
            "insert into organizations (id, slug, name) values ($1, 'other', 'Other')",
            &[Uuid::now_v7()],
        ),
        // Moving an own row into the other tenant.
        (
            "update contacts set organization_id = $1 where id = $2",
            &[b.org, a.contact],
        ),
        (
            "update job_runs set organization_id = $1 where id = $2",
            &[b.org, a.job],
        ),
    ];
    for (sql, binds) in refused {
        assert_refused(&app, a.id(), INSUFFICIENT_PRIVILEGE, sql, binds).await;
    }
    // Nothing arrived in B (each attempt was its own, failed, transaction anyway).
    for table in [
        "contacts",
        "job_runs",
        "audit_logs",
        "events",
        "memberships",
    ] {
        assert_eq!(count_for(&maint, table, b.org).await, {
            if table == "events" { 2 } else { 1 }
        });
    }
    let orgs: i64 = scalar(&maint, "select count(*) from organizations").await;
    assert_eq!(orgs, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_key_from_one_tenant_to_another_is_refused() {
    let (_stack, app, _maint, a, b) = two_tenants().await;
    let member = "insert into contact_list_members (organization_id, list_id, contact_id)
                  values ($1, $2, $3)";
    let assignment =
        "insert into campaign_contact_assignments (organization_id, campaign_id, contact_id)
         values ($1, $2, $3)";
    let refused: &[(&'static str, &[Uuid])] = &[
        // A membership or an assignment with one side of each tenant.
        (member, &[a.org, a.list, b.contact]),
        (member, &[a.org, b.list, a.contact]),
        (assignment, &[a.org, a.campaign, b.contact]),
        (assignment, &[a.org, b.campaign, a.contact]),
        // An assignment's references are fixed once written.
        (
            "update campaign_contact_assignments set contact_id = $1 where campaign_id = $2",
            &[b.contact, a.campaign],
        ),
        (
            "insert into events (organization_id, campaign_id, contact_id, event_type, occurred_at)
             values ($1, $2, $3, 'open', now())",
            &[a.org, b.campaign, a.contact],
        ),
        (
            "insert into validation_logs (organization_id, contact_id, list_id, status)
             values ($1, $2, $3, 'valid')",
            &[a.org, a.contact, b.list],
        ),
        (
            "insert into leads (organization_id, form_id, email)
             values ($1, $2, 'x@example.test')",
            &[a.org, b.form],
        ),
        (
            "insert into job_runs (organization_id, kind, queue, parent_id)
             values ($1, 'noop', 'noop', $2)",
            &[a.org, b.job],
        ),
        // Re-pointing an existing own row at the other tenant's row.
        (
            "update campaigns set list_id = $1 where id = $2",
            &[b.list, a.campaign],
        ),
    ];
    for (sql, binds) in refused {
        assert_refused(&app, a.id(), FOREIGN_KEY_VIOLATION, sql, binds).await;
    }
    // The same statement with A's own ids is accepted (the refusal is about the tenant).
    let ok = exec_as(
        &app,
        a.id(),
        "insert into campaign_contact_assignments (organization_id, campaign_id, contact_id)
         values ($1, $2, $3) on conflict do nothing",
        &[a.org, a.campaign, a.contact],
    )
    .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_organization_nothing_is_visible_or_writable() {
    let (stack, _app, maint, a, _b) = two_tenants().await;
    // A raw application-role pool of ONE connection, so every statement below runs on the
    // very connection a tenant transaction used before.
    let raw = one_connection(&stack.db.app_url).await;
    let mut tables = tenant_tables(&maint).await;
    tables.push("organizations".to_owned());

    let check_nothing_visible = |label: &'static str| {
        let raw = raw.clone();
        let tables = tables.clone();
        async move {
            for table in &tables {
                let n: i64 =
                    sqlx::query_scalar(AssertSqlSafe(format!("select count(*) from {table}")))
                        .fetch_one(&raw)
                        .await
                        .unwrap();
                assert_eq!(
                    n, 0,
                    "{label}: {table} rows visible without an organization"
                );
            }
        }
    };

    check_nothing_visible("never set").await;

    // A tenant transaction on the same connection; its setting ends with it.
    let mut tx = raw.begin().await.unwrap();
    sqlx::query("select set_config('app.organization_id', $1, true)")
        .bind(a.org.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let inside: i64 = scalar(&mut *tx, "select count(*) from contacts").await;
    assert_eq!(inside, 1);
    tx.commit().await.unwrap();
    check_nothing_visible("after a committed tenant transaction").await;
    let setting: Option<String> = scalar(
        &raw,
        "select nullif(current_setting('app.organization_id', true), '')",
    )
    .await;
    assert_eq!(setting, None, "the tenant setting leaked through the pool");

    // An explicitly empty organization matches nothing either.
    let mut tx = raw.begin().await.unwrap();
    execute(
        &mut *tx,
        "select set_config('app.organization_id', '', true)",
    )
    .await;
    let n: i64 = scalar(&mut *tx, "select count(*) from job_runs").await;
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();

    // Writes without an organization: updates and deletes find nothing, inserts are refused.
    for sql in [
        "update contacts set first_name = 'Changed'",
        "delete from job_runs",
        "delete from events",
        "update organizations set name = 'Changed'",
    ] {
        assert_eq!(execute(&raw, sql).await, 0, "{sql}");
    }
    let state = sqlstate(
        "insert without organization",
        sqlx::query("insert into contacts (organization_id, email) values ($1, 'x@example.test')")
            .bind(a.org)
            .execute(&raw)
            .await,
    );
    assert_eq!(state, INSUFFICIENT_PRIVILEGE);
    let first_names: Vec<String> = scalars(&maint, "select first_name from contacts").await;
    assert_eq!(first_names, vec!["Original", "Original"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_role_cannot_turn_off_or_escape_row_level_security() {
    let (stack, app, maint, a, _b) = two_tenants().await;
    let raw = one_connection(&stack.db.app_url).await;
    for sql in [
        "alter table contacts disable row level security",
        "alter table contacts no force row level security",
        "alter table job_runs no force row level security",
        "alter table events disable row level security",
        "alter table organizations no force row level security",
        "drop policy tenant_isolation on contacts",
        "create policy open_door on contacts using (true)",
        "alter policy tenant_isolation on contacts using (true)",
        "alter table contacts owner to reachly_app",
        "set role reachly_owner",
        "set role reachly_maint",
        "set session authorization reachly_owner",
        "alter role reachly_app bypassrls",
        "create table public.escape_hatch (id int)",
        "truncate contacts",
        "truncate audit_logs",
    ] {
        let state = sqlstate(sql, sqlx::raw_sql(sql).execute(&raw).await);
        assert_eq!(state, INSUFFICIENT_PRIVILEGE, "{sql}");
    }
    // The same refusals inside a tenant transaction.
    for sql in [
        "alter table contacts disable row level security",
        "alter table contacts no force row level security",
        "set local role reachly_owner",
    ] {
        assert_refused(&app, a.id(), INSUFFICIENT_PRIVILEGE, sql, &[]).await;
    }

    let user: String = scalar(&raw, "select current_user::text").await;
    assert_eq!(user, "reachly_app");
    let weakened: i64 = scalar(
        &maint,
        "select count(*) from pg_class
          where relnamespace = 'public'::regnamespace
            and relname in ('contacts', 'job_runs', 'events', 'organizations')
            and not (relrowsecurity and relforcerowsecurity)",
    )
    .await;
    assert_eq!(weakened, 0);
    let policies: i64 = scalar(&maint, "select count(*) from pg_policies where tablename = 'contacts' and policyname <> 'tenant_isolation'").await;
    assert_eq!(policies, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_logs_are_append_only_for_the_app_role() {
    let (_stack, app, maint, a, b) = two_tenants().await;

    // Own rows can be written and read...
    let mut tx = app.tenant(a.id()).await.unwrap();
    let id: Uuid = sqlx::query_scalar(
        "insert into audit_logs (organization_id, action) values ($1, 'test.appended') returning id",
    )
    .bind(a.org)
    .fetch_one(&mut **tx)
    .await
    .unwrap();
    let seen: i64 = sqlx::query_scalar("select count(*) from audit_logs where id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .unwrap();
    assert_eq!(seen, 1);
    tx.commit().await.unwrap();

    // ...but never changed or removed, own or not.
    for (sql, binds) in [
        (
            "update audit_logs set action = 'rewritten' where id = $1",
            [a.audit],
        ),
        ("update audit_logs set details = '{}' where id = $1", [id]),
        ("delete from audit_logs where id = $1", [a.audit]),
        ("delete from audit_logs where id = $1", [b.audit]),
        (
            "update audit_logs set action = 'rewritten' where id = $1",
            [b.audit],
        ),
    ] {
        assert_refused(&app, a.id(), INSUFFICIENT_PRIVILEGE, sql, &binds).await;
    }
    assert_refused(
        &app,
        a.id(),
        INSUFFICIENT_PRIVILEGE,
        "delete from audit_logs",
        &[],
    )
    .await;

    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_logs where organization_id = $1 order by id")
            .bind(a.org)
            .fetch_all(&maint)
            .await
            .unwrap();
    assert_eq!(actions, vec!["fixture.created", "test.appended"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn event_partitions_are_reachable_only_through_the_parent_table() {
    let (_stack, app, maint, a, _b) = two_tenants().await;
    let partitions = event_partitions(&maint).await;
    assert!(!partitions.is_empty());
    for partition in &partitions {
        for sql in [
            format!("select count(*) from {partition}"),
            format!("select * from {partition} where organization_id = $1"),
            format!(
                "insert into {partition} (organization_id, campaign_id, event_type, occurred_at)
                 select $1, campaign_id, event_type, occurred_at from events limit 1"
            ),
            format!("update {partition} set user_agent = 'x' where organization_id = $1"),
            format!("delete from {partition} where organization_id = $1"),
        ] {
            let mut tx = app.tenant(a.id()).await.unwrap();
            let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
            if sql.contains("$1") {
                query = query.bind(a.org);
            }
            let state = sqlstate(&sql, query.execute(&mut **tx).await);
            assert_eq!(state, INSUFFICIENT_PRIVILEGE, "{sql}");
            tx.rollback().await.unwrap();
        }
    }
    // Through the parent, the tenant sees exactly its own events.
    let mut tx = app.tenant(a.id()).await.unwrap();
    let orgs: Vec<Uuid> = scalars(&mut **tx, "select organization_id from events").await;
    assert_eq!(orgs, vec![a.org, a.org]);
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_sees_only_its_own_members_and_cannot_create_or_change_users() {
    let (_stack, app, _maint, a, _b) = two_tenants().await;
    let mut tx = app.tenant(a.id()).await.unwrap();
    let emails: Vec<String> = scalars(&mut **tx, "select email from users order by email").await;
    tx.rollback().await.unwrap();
    assert_eq!(emails, vec!["owner@org-a.test".to_owned()]);

    let nobody: Vec<String> = {
        let mut tx = app.tenant(OrgId(Uuid::now_v7())).await.unwrap();
        scalars(&mut **tx, "select email from users").await
    };
    assert!(
        nobody.is_empty(),
        "an organization with no members sees no users"
    );

    for sql in [
        "update users set name = 'renamed' where email = 'owner@org-b.test'",
        "delete from users where email = 'owner@org-b.test'",
        "insert into users (email) values ('intruder@org-a.test')",
    ] {
        assert_refused(&app, a.id(), INSUFFICIENT_PRIVILEGE, sql, &[]).await;
    }
}
