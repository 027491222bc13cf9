//! The physical limit: the same final rows the pipeline left (the list's contacts and its
//! membership rows, and separately its validation_logs), exported with `COPY ... TO STDOUT`
//! and timed while `COPY ... FROM STDIN` loads them into the same tables, with the same
//! indexes and constraints, of another fresh, migrated database.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::log;
use crate::db::{BenchDb, TableCopy, copy_in, copy_out};

/// The baseline: contacts + contact_list_members (the pipeline's final rows), and the
/// validation_logs on their own.
#[derive(Debug, Clone, Serialize)]
pub struct RawCopy {
    pub contacts: TableCopy,
    pub members: TableCopy,
    pub validation_logs: TableCopy,
}

impl RawCopy {
    /// contacts + members.
    pub fn seconds(&self) -> f64 {
        self.contacts.seconds + self.members.seconds
    }

    /// contacts + members + validation_logs.
    pub fn seconds_with_logs(&self) -> f64 {
        self.seconds() + self.validation_logs.seconds
    }
}

/// Times one table's load and says how it went.
async fn load(conn: &mut PgConnection, table: &str, path: &Path) -> anyhow::Result<TableCopy> {
    let copy = copy_in(conn, table, path).await?;
    log(format!(
        "raw copy: {table}: {} rows, {} bytes in {:.2}s",
        copy.rows, copy.bytes, copy.seconds
    ));
    Ok(copy)
}

/// Exports the list's final rows from `source` and times loading them into a fresh database.
pub async fn run(
    source: &BenchDb,
    list: Uuid,
    dir: &Path,
    keep_db: bool,
) -> anyhow::Result<RawCopy> {
    let mut src = PgConnection::connect(&source.maint_url).await?;
    let (org,): (Uuid,) = sqlx::query_as("select organization_id from contact_lists where id = $1")
        .bind(list)
        .fetch_one(&mut src)
        .await
        .context("the list's organization")?;
    let member =
        format!("m.organization_id = '{org}' and m.list_id = '{list}' and m.contact_id = c.id");
    let files: [(&str, String, PathBuf); 3] = [
        (
            "contacts",
            format!(
                "select c.* from contacts c where c.organization_id = '{org}' \
                 and exists (select 1 from contact_list_members m where {member})"
            ),
            dir.join("contacts.copy"),
        ),
        (
            "contact_list_members",
            format!(
                "select * from contact_list_members \
                 where organization_id = '{org}' and list_id = '{list}'"
            ),
            dir.join("members.copy"),
        ),
        (
            "validation_logs",
            format!(
                "select * from validation_logs \
                 where organization_id = '{org}' and list_id = '{list}'"
            ),
            dir.join("validation_logs.copy"),
        ),
    ];
    for (table, select, path) in &files {
        let bytes = copy_out(&mut src, select, path).await?;
        log(format!("exported {table}: {bytes} bytes"));
    }
    src.close().await?;

    let target = BenchDb::create().await?;
    log(format!("raw copy into fresh database {}", target.name));
    let result = async {
        let mut dst = PgConnection::connect(&target.maint_url).await?;
        sqlx::query("insert into organizations (id, slug, name) values ($1, 'bench', 'bench')")
            .bind(org)
            .execute(&mut dst)
            .await?;
        sqlx::query("insert into contact_lists (organization_id, id, name) values ($1, $2, 'raw')")
            .bind(org)
            .bind(list)
            .execute(&mut dst)
            .await?;
        let contacts = load(&mut dst, files[0].0, &files[0].2).await?;
        let members = load(&mut dst, files[1].0, &files[1].2).await?;
        let validation_logs = load(&mut dst, files[2].0, &files[2].2).await?;
        dst.close().await?;
        anyhow::Ok(RawCopy {
            contacts,
            members,
            validation_logs,
        })
    }
    .await;
    if keep_db {
        log(format!("kept database {}", target.name));
    } else if let Err(e) = target.drop_db().await {
        log(format!("could not drop database {}: {e}", target.name));
    }
    for (_, _, path) in &files {
        let _ = std::fs::remove_file(path);
    }
    result
}
