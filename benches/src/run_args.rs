//! The flags every pipeline bench shares: how long to wait, where the binaries are, where its
//! files go, whether to keep its databases; and the run around its measurement.

use std::path::{Path, PathBuf};

use reachly_testkit::RedisServer;

use crate::db::BenchDb;

/// Flattened into each pipeline bench's own flags.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Give up after this many seconds (turns a hang into an error; not a speed check).
    #[arg(long, default_value_t = 3600)]
    pub timeout_s: u64,
    /// Directory holding the release reachly-api and reachly-worker (default: target/release).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Where the bench's files go (default: a new directory under /tmp, removed afterwards).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Keep the bench databases afterwards (they are dropped by default).
    #[arg(long)]
    pub keep_db: bool,
}

impl RunArgs {
    /// Where the release binaries are.
    pub fn bin_dir(&self) -> PathBuf {
        crate::stack::release_dir(self.bin_dir.as_deref())
    }

    /// Runs bench `name`: creates its working directory, then runs `measure` with a private
    /// Redis and a fresh database (see [`crate::stack::around`]); removes the directory
    /// afterwards unless it was given.
    pub async fn run<T>(
        &self,
        name: &str,
        measure: impl AsyncFnOnce(&BenchDb, &RedisServer, &Path) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let dir = match &self.work_dir {
            Some(dir) => dir.clone(),
            None => std::env::temp_dir().join(format!("{name}-{}", std::process::id())),
        };
        std::fs::create_dir_all(&dir)?;
        let result =
            crate::stack::around(name, &self.bin_dir(), self.keep_db, async |db, redis| {
                measure(db, redis, &dir).await
            })
            .await;
        if self.work_dir.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        result
    }
}

/// The flags of a pipeline bench: its own, and the shared [`RunArgs`].
pub trait PipelineArgs: clap::Parser {
    fn run_args(&self) -> &RunArgs;
}

/// The whole `main` of pipeline bench `name`: parses its flags, then runs `measure` with them
/// as [`RunArgs::run`] does.
pub async fn bench_main<A: PipelineArgs>(
    name: &str,
    measure: impl AsyncFnOnce(&A, &BenchDb, &RedisServer, &Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let args = A::parse();
    let run = args.run_args();
    run.run(name, async |db, redis, dir| {
        measure(&args, db, redis, dir).await
    })
    .await
}
