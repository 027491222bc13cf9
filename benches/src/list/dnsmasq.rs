//! The bench's own dnsmasq on a free loopback port, serving the generated zone only, with
//! every query logged to a file: the workers do not export how many DNS queries they sent,
//! so the bench counts the `query[...]` lines dnsmasq logged.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// The child process (in the foreground); killed on drop.
#[derive(Debug)]
pub struct Dnsmasq {
    pub port: u16,
    pub log: PathBuf,
    child: Child,
}

fn find() -> anyhow::Result<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("dnsmasq"))
            .find(|p| p.is_file())
    });
    on_path
        .or_else(|| {
            let sbin = PathBuf::from("/usr/sbin/dnsmasq");
            sbin.is_file().then_some(sbin)
        })
        .context("dnsmasq not found (scripts/dns-fixture.sh install installs it)")
}

fn user() -> String {
    Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "root".into())
}

/// A DNS query for `name` (type MX, recursion desired).
fn mx_query(name: &str) -> Vec<u8> {
    let mut q = vec![0x4c, 0x42, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 15, 0, 1]);
    q
}

/// Counts of logged queries.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct QueryCount {
    pub total: u64,
    pub mx: u64,
    pub a: u64,
    pub aaaa: u64,
}

impl Dnsmasq {
    /// Starts dnsmasq with `zone` as its only configuration and waits until it answers.
    pub fn start(zone: &Path, dir: &Path) -> anyhow::Result<Dnsmasq> {
        let port = crate::process::free_port()?;
        let log = dir.join("dnsmasq.log");
        let _ = std::fs::remove_file(&log);
        let child = Command::new(find()?)
            .arg(format!("--conf-file={}", zone.display()))
            .arg(format!("--port={port}"))
            .args(["--listen-address=127.0.0.1", "--bind-interfaces"])
            .args([
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--keep-in-foreground",
            ])
            .arg("--log-queries")
            .arg(format!("--log-facility={}", log.display()))
            .arg(format!("--pid-file={}", dir.join("dnsmasq.pid").display()))
            .arg(format!("--user={}", user()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting dnsmasq")?;
        let mut server = Dnsmasq { port, log, child };
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.set_read_timeout(Some(Duration::from_millis(200)))?;
        let start = Instant::now();
        let mut buf = [0u8; 512];
        loop {
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!("dnsmasq exited ({status})");
            }
            socket.send_to(&mx_query("warmup.test"), ("127.0.0.1", port))?;
            if socket.recv_from(&mut buf).is_ok() {
                return Ok(server);
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(10),
                "dnsmasq on port {port} did not answer in 10s"
            );
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Queries logged so far.
    pub fn queries(&self) -> anyhow::Result<QueryCount> {
        let text = std::fs::read_to_string(&self.log)
            .with_context(|| format!("reading {}", self.log.display()))?;
        let mut n = QueryCount::default();
        for line in text.lines() {
            let Some((_, rest)) = line.split_once("query[") else {
                continue;
            };
            n.total += 1;
            match rest.split(']').next() {
                Some("MX") => n.mx += 1,
                Some("A") => n.a += 1,
                Some("AAAA") => n.aaaa += 1,
                _ => {}
            }
        }
        Ok(n)
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
