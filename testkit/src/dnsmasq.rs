//! A private dnsmasq on a free loopback port serving the given zone files and nothing else
//! (no upstream, no hosts file, no cache), logging every query it receives, so a test can
//! see which names were asked and a benchmark can count the queries.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::process::{Proc, free_port};

/// The dnsmasq binary, installed through `scripts/dns-fixture.sh install` when missing.
fn dnsmasq_binary() -> anyhow::Result<PathBuf> {
    fn find() -> Option<PathBuf> {
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("dnsmasq"))
                .find(|p| p.is_file())
        });
        on_path.or_else(|| {
            let sbin = PathBuf::from("/usr/sbin/dnsmasq");
            sbin.is_file().then_some(sbin)
        })
    }
    if let Some(path) = find() {
        return Ok(path);
    }
    let status = Command::new("bash")
        .arg(crate::workspace_root().join("scripts/dns-fixture.sh"))
        .arg("install")
        .status()
        .context("running scripts/dns-fixture.sh install")?;
    anyhow::ensure!(status.success(), "scripts/dns-fixture.sh install failed");
    find().context("dnsmasq installed but not found")
}

/// The user dnsmasq runs as (itself: it cannot switch users unprivileged).
fn current_user() -> String {
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

/// What to serve: zone files, and domains forwarded to other servers on loopback.
#[derive(Clone, Debug, Default)]
pub struct DnsmasqConfig<'a> {
    pub conf_files: Vec<&'a Path>,
    /// `(domain, port)`: queries under `domain` go to `127.0.0.1#port`.
    pub forwards: Vec<(&'a str, u16)>,
    /// A name it answers once it serves (any answer will do).
    pub probe: &'a str,
}

/// The running dnsmasq (in the foreground, its query log its output); killed on drop.
#[derive(Debug)]
pub struct Dnsmasq {
    pub addr: SocketAddr,
    process: Proc,
}

impl Dnsmasq {
    /// Starts dnsmasq with `config`, logging to `<log_dir>/dnsmasq-<port>.log`, and waits
    /// until it answers. The port is free when chosen but could be taken before dnsmasq
    /// binds it: a dnsmasq that exits at once is retried on another port.
    pub fn start(config: &DnsmasqConfig<'_>, log_dir: &Path) -> anyhow::Result<Dnsmasq> {
        let bin = dnsmasq_binary()?;
        let user = current_user();
        for _ in 0..5 {
            let port = free_port()?;
            let mut command = Command::new(&bin);
            command
                .arg("--keep-in-foreground")
                .args(
                    config
                        .conf_files
                        .iter()
                        .map(|p| format!("--conf-file={}", p.display())),
                )
                .arg(format!("--port={port}"))
                .args(["--listen-address=127.0.0.1", "--bind-interfaces"])
                .args(["--no-resolv", "--no-hosts", "--no-poll", "--cache-size=0"])
                .args(
                    config
                        .forwards
                        .iter()
                        .map(|(domain, port)| format!("--server=/{domain}/127.0.0.1#{port}")),
                )
                .args(["--pid-file=", "--log-facility=-", "--log-queries"])
                .arg(format!("--user={user}"));
            let mut server = Dnsmasq {
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
                process: Proc::start(command, log_dir, &format!("dnsmasq-{port}"))?,
            };
            if server.answers(config.probe)? {
                return Ok(server);
            }
        }
        anyhow::bail!(
            "dnsmasq did not start; see {}",
            log_dir.join("dnsmasq-*.log").display()
        )
    }

    /// Sends `probe` until an answer comes (true), dnsmasq exits or 10 s pass (false).
    fn answers(&mut self, probe: &str) -> anyhow::Result<bool> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let start = Instant::now();
        let mut buf = [0u8; 512];
        while start.elapsed() < Duration::from_secs(10) {
            if self.process.check_alive().is_err() {
                return Ok(false);
            }
            socket.send_to(&mx_query(probe), self.addr)?;
            if socket.recv_from(&mut buf).is_ok() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Its log, with a `query[TYPE] name from ...` line for every query received.
    pub fn log(&self) -> &Path {
        &self.process.log
    }

    /// `(type, name)` of every query logged so far, in order.
    pub fn queries(&self) -> anyhow::Result<Vec<(String, String)>> {
        let text = std::fs::read_to_string(self.log())
            .with_context(|| format!("reading {}", self.log().display()))?;
        Ok(text
            .lines()
            .filter_map(|line| line.split_once("query[")?.1.split_once("] "))
            .filter_map(|(kind, rest)| {
                let name = rest.split_whitespace().next()?;
                Some((kind.to_owned(), name.to_owned()))
            })
            .collect())
    }
}
