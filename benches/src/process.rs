//! The release binaries as child processes, output kept in `target/bench-logs/<label>.log`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Context;

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `<dir>/<name>`, which must exist.
pub fn binary(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: run `cargo build --release --bins` first (benches/run-queue-bench.sh does)",
        path.display()
    );
    Ok(path)
}

/// Where the children's logs go.
pub fn log_dir() -> PathBuf {
    crate::cli::workspace_root().join("target/bench-logs")
}

/// A running child; killed (SIGKILL) on drop if still alive.
#[derive(Debug)]
pub struct Proc {
    pub label: String,
    child: Child,
}

impl Proc {
    pub fn spawn(
        bin: &Path,
        args: &[&str],
        env: &[(String, String)],
        label: &str,
    ) -> anyhow::Result<Proc> {
        std::fs::create_dir_all(log_dir())?;
        let log = std::fs::File::create(log_dir().join(format!("{label}.log")))?;
        let child = Command::new(bin)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(log.try_clone()?)
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        Ok(Proc {
            label: label.to_owned(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has exited (it should run for the whole measurement).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => anyhow::bail!(
                "{} exited ({status}); see {}",
                self.label,
                log_dir().join(format!("{}.log", self.label)).display()
            ),
        }
    }

    /// Stops it now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}
