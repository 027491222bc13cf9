//! The workspace's binaries (and other servers) as child processes, each one's output kept in
//! `<log dir>/<label>.log`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `<dir>/<name>`, which must exist (built by `cargo build --bins`, with `--release` for
/// the benchmarks).
pub fn binary(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: run `cargo build{} --bins` first",
        path.display(),
        if dir.ends_with("release") {
            " --release"
        } else {
            ""
        }
    );
    Ok(path)
}

/// A log file `<dir>/<label>.log` (the directory is created), for a child's output.
pub fn log_file(dir: &Path, label: &str) -> anyhow::Result<(PathBuf, std::fs::File)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{label}.log"));
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    Ok((path, file))
}

/// A running child whose stdout and stderr go to its log file; killed (SIGKILL) on drop if
/// still alive, so a failed test or bench leaves nothing behind.
#[derive(Debug)]
pub struct Proc {
    pub label: String,
    pub log: PathBuf,
    child: Child,
}

impl Proc {
    /// Starts `bin` with `args` and exactly `env` added to this process' environment,
    /// logging to `<log_dir>/<label>.log`.
    pub fn spawn(
        bin: &Path,
        args: &[&str],
        env: &[(String, String)],
        log_dir: &Path,
        label: &str,
    ) -> anyhow::Result<Proc> {
        let mut command = Command::new(bin);
        command.args(args).envs(env.iter().map(|(k, v)| (k, v)));
        Proc::start(command, log_dir, label)
    }

    /// Starts `command` with its stdout and stderr in `<log_dir>/<label>.log`.
    pub fn start(mut command: Command, log_dir: &Path, label: &str) -> anyhow::Result<Proc> {
        let (log, file) = log_file(log_dir, label)?;
        let child = command
            .stdout(file.try_clone()?)
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("spawning {:?}", command.get_program()))?;
        Ok(Proc {
            label: label.to_owned(),
            log,
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has exited (it should still be serving).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => anyhow::bail!(
                "{} exited ({status}); see {}",
                self.label,
                self.log.display()
            ),
        }
    }

    /// SIGKILL: the process dies at once, mid-whatever.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (a graceful shutdown).
    pub fn sigterm(&self) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .context("running kill -TERM")?;
        anyhow::ensure!(status.success(), "kill -TERM {} failed", self.pid());
        Ok(())
    }

    /// Waits for the process to exit, up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            anyhow::ensure!(
                start.elapsed() < limit,
                "{} did not exit within {limit:?}",
                self.label
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill9();
        }
    }
}
