//! The physical limit: the same final rows the pipeline left (the list's contacts and its
//! membership rows, and separately its validation_logs), exported with `COPY ... TO STDOUT`
//! and timed while `COPY ... FROM STDIN` loads them into the same tables, with the same
//! indexes and constraints, of another fresh, migrated database.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::log;
use crate::db::{BenchDb, TableCopy, copy_in, copy_out, in_fresh_database, uuid_column};

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
async fn timed_load(
    conn: &mut PgConnection,
    table: &str,
    path: &Path,
) -> anyhow::Result<TableCopy> {
    let copy = copy_in(conn, table, path).await?;
    log(format!(
        "raw copy: {table}: {} rows, {} bytes in {:.2}s",
        copy.rows, copy.bytes, copy.seconds
    ));
    Ok(copy)
}

/// The list's final rows, exported to files.
#[derive(Debug)]
pub struct Exported {
    pub org: Uuid,
    pub list: Uuid,
    files: [(&'static str, PathBuf); 3],
}

impl Drop for Exported {
    fn drop(&mut self) {
        for (_, path) in &self.files {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Exports the list's contacts, membership rows and validation logs from `source` into `dir`.
pub async fn export(source: &BenchDb, list: Uuid, dir: &Path) -> anyhow::Result<Exported> {
    let mut src = PgConnection::connect(&source.maint_url).await?;
    let org = uuid_column(&mut src, "contact_lists", "organization_id", list).await?;
    let member =
        format!("m.organization_id = '{org}' and m.list_id = '{list}' and m.contact_id = c.id");
    let selects = [
        format!(
            "select c.* from contacts c where c.organization_id = '{org}' \
             and exists (select 1 from contact_list_members m where {member})"
        ),
        format!(
            "select * from contact_list_members \
             where organization_id = '{org}' and list_id = '{list}'"
        ),
        format!(
            "select * from validation_logs \
             where organization_id = '{org}' and list_id = '{list}'"
        ),
    ];
    let exported = Exported {
        org,
        list,
        files: [
            ("contacts", dir.join("contacts.copy")),
            ("contact_list_members", dir.join("members.copy")),
            ("validation_logs", dir.join("validation_logs.copy")),
        ],
    };
    for ((table, path), select) in exported.files.iter().zip(&selects) {
        let bytes = copy_out(&mut src, select, path).await?;
        log(format!("exported {table}: {bytes} bytes"));
    }
    src.close().await?;
    Ok(exported)
}

/// Times loading the exported rows into `dst` (a fresh, migrated database, as the
/// maintenance role), after writing the organization and the list they belong to.
pub async fn load(dst: &mut PgConnection, exported: &Exported) -> anyhow::Result<RawCopy> {
    sqlx::query("insert into organizations (id, slug, name) values ($1, 'bench', 'bench')")
        .bind(exported.org)
        .execute(&mut *dst)
        .await?;
    sqlx::query("insert into contact_lists (organization_id, id, name) values ($1, $2, 'raw')")
        .bind(exported.org)
        .bind(exported.list)
        .execute(&mut *dst)
        .await?;
    let [contacts, members, logs] = &exported.files;
    Ok(RawCopy {
        contacts: timed_load(dst, contacts.0, &contacts.1).await?,
        members: timed_load(dst, members.0, &members.1).await?,
        validation_logs: timed_load(dst, logs.0, &logs.1).await?,
    })
}

/// Exports the list's final rows from `source` and times loading them into a fresh database.
pub async fn run(
    source: &BenchDb,
    list: Uuid,
    dir: &Path,
    keep_db: bool,
) -> anyhow::Result<RawCopy> {
    let exported = export(source, list, dir).await?;
    in_fresh_database(keep_db, async |_, dst| load(dst, &exported).await).await
}
