//! The physical limit: the same final rows the pipeline left (the list's contacts and its
//! membership rows, and separately its validation_logs), exported with `COPY ... TO STDOUT`
//! and timed while `COPY ... FROM STDIN` loads them into the same tables, with the same
//! indexes and constraints, of another fresh, migrated database.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use futures::TryStreamExt;
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::log;
use crate::db::BenchDb;

/// One table's load.
#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub table: String,
    pub rows: i64,
    pub bytes: u64,
    pub seconds: f64,
}

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

async fn export(conn: &mut PgConnection, select: &str, path: &Path) -> anyhow::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut stream = conn
        .copy_out_raw(&format!("copy ({select}) to stdout"))
        .await?;
    let mut bytes = 0u64;
    while let Some(chunk) = stream.try_next().await? {
        bytes += chunk.len() as u64;
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(bytes)
}

async fn load(conn: &mut PgConnection, table: &str, path: &Path) -> anyhow::Result<TableCopy> {
    let mut file = std::fs::File::open(path)?;
    let bytes = file.metadata()?.len();
    let start = Instant::now();
    let mut copy = conn
        .copy_in_raw(&format!("copy {table} from stdin"))
        .await?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        copy.send(&buf[..n]).await?;
    }
    let rows = copy.finish().await? as i64;
    let seconds = start.elapsed().as_secs_f64();
    log(format!(
        "raw copy: {table}: {rows} rows, {bytes} bytes in {seconds:.2}s"
    ));
    Ok(TableCopy {
        table: table.to_owned(),
        rows,
        bytes,
        seconds,
    })
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
        let bytes = export(&mut src, select, path).await?;
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
