//! A private fixture DNS server per test: dnsmasq on a free loopback port serving
//! `scripts/dns/fixture.conf`, with `servfail.test` forwarded to an in-process responder that
//! answers SERVFAIL and `timeout.test` to a socket that never answers. Killed on drop.
//!
//! Same zones as `scripts/dns-fixture.sh` (the demo's server), but owned by the test process,
//! so tests never share or depend on a server started elsewhere.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use reachly_jobs::validate::DomainVerdict;
use reachly_jobs::validate::dns::{MailResolver, ResolverSettings};

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The dnsmasq binary, installed through `scripts/dns-fixture.sh install` when missing.
fn dnsmasq() -> PathBuf {
    fn find() -> Option<PathBuf> {
        let from_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("dnsmasq"))
                .find(|p| p.is_file())
        });
        from_path.or_else(|| {
            let sbin = PathBuf::from("/usr/sbin/dnsmasq");
            sbin.is_file().then_some(sbin)
        })
    }
    if let Some(path) = find() {
        return path;
    }
    let status = Command::new("bash")
        .arg(repo_root().join("scripts/dns-fixture.sh"))
        .arg("install")
        .status()
        .expect("running scripts/dns-fixture.sh install");
    assert!(status.success(), "scripts/dns-fixture.sh install failed");
    find().expect("dnsmasq installed but not found")
}

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

/// A UDP responder on a thread: answers SERVFAIL to every query, or (`silent`) nothing.
struct Responder {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    fn start(silent: bool) -> Responder {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("binding a responder socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                        continue;
                    };
                    if silent {
                        continue;
                    }
                    if let Some(answer) = servfail_answer(&buf[..n]) {
                        let _ = socket.send_to(&answer, peer);
                    }
                }
            })
        };
        Responder {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The SERVFAIL answer to a DNS query: same id, QR and RA set, RD copied, the question echoed.
fn servfail_answer(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 || query[2] & 0x80 != 0 {
        return None;
    }
    let qdcount = u16::from_be_bytes([query[4], query[5]]);
    let mut question: &[u8] = &[];
    if qdcount >= 1 {
        let mut i = 12;
        while i < query.len() && query[i] != 0 {
            i += 1 + usize::from(query[i]);
        }
        let end = i + 1 + 4;
        if end <= query.len() {
            question = &query[12..end];
        }
    }
    let mut out = Vec::with_capacity(12 + question.len());
    out.extend_from_slice(&query[..2]);
    out.push(0x80 | (query[2] & 0x79)); // QR, opcode, RD
    out.push(0x80 | 0x02); // RA, RCODE 2
    out.extend_from_slice(&u16::from(!question.is_empty()).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(question);
    Some(out)
}

/// A running fixture DNS server; everything it started stops on drop.
pub struct DnsServer {
    pub addr: SocketAddr,
    child: Child,
    /// dnsmasq's log, with every query it received (`--log-queries`).
    log: std::path::PathBuf,
    _servfail: Responder,
    _blackhole: Responder,
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl DnsServer {
    /// Starts dnsmasq with the fixture zones.
    pub async fn start() -> DnsServer {
        Self::start_with(&[]).await
    }

    /// Starts dnsmasq with the fixture zones plus more dnsmasq config files (e.g. a
    /// benchmark's generated zone).
    pub async fn start_with(extra_conf: &[&Path]) -> DnsServer {
        let bin = dnsmasq();
        let conf = repo_root().join("scripts/dns/fixture.conf");
        let servfail = Responder::start(false);
        let blackhole = Responder::start(true);
        let user = current_user();
        let log_dir = repo_root().join("target/test-logs");
        std::fs::create_dir_all(&log_dir).unwrap();
        // The port is free when chosen but could be taken before dnsmasq binds it: retry.
        for _ in 0..5 {
            let port = crate::process::free_port();
            let log_path = log_dir.join(format!("dnsmasq-{port}.log"));
            let log = std::fs::File::create(&log_path).unwrap();
            let mut cmd = Command::new(&bin);
            cmd.arg("--keep-in-foreground")
                .arg(format!("--conf-file={}", conf.display()))
                .args(
                    extra_conf
                        .iter()
                        .map(|p| format!("--conf-file={}", p.display())),
                )
                .arg(format!("--port={port}"))
                .args(["--listen-address=127.0.0.1", "--bind-interfaces"])
                .args(["--no-resolv", "--no-hosts", "--no-poll", "--cache-size=0"])
                .arg(format!(
                    "--server=/servfail.test/127.0.0.1#{}",
                    servfail.addr.port()
                ))
                .arg(format!(
                    "--server=/timeout.test/127.0.0.1#{}",
                    blackhole.addr.port()
                ))
                .args(["--pid-file=", "--log-facility=-", "--log-queries"])
                .arg(format!("--user={user}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log);
            let mut child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("spawning dnsmasq: {e}"));
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            let mut settings = ResolverSettings::new(vec![addr]);
            settings.timeout = Duration::from_millis(300);
            settings.attempts = 1;
            let resolver = MailResolver::new(settings).unwrap();
            let mut ready = false;
            for _ in 0..100 {
                if child.try_wait().unwrap().is_some() {
                    break; // exited: most likely the port was taken
                }
                if matches!(
                    resolver.lookup("mail-ok.test").await,
                    DomainVerdict::Mail { .. }
                ) {
                    ready = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if ready {
                return DnsServer {
                    addr,
                    child,
                    log: log_path,
                    _servfail: servfail,
                    _blackhole: blackhole,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("dnsmasq did not start; see target/test-logs/dnsmasq-*.log");
    }

    /// Every name this server was asked about so far (each query once, in order).
    pub fn queried_names(&self) -> Vec<String> {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines()
            .filter_map(|line| line.split_once("query[")?.1.split_once("] "))
            .filter_map(|(_, rest)| rest.split_whitespace().next().map(str::to_owned))
            .collect()
    }

    /// Resolver settings for this server with short timeouts, so failure tests are quick.
    pub fn quick_settings(&self) -> ResolverSettings {
        let mut s = ResolverSettings::new(vec![self.addr]);
        s.timeout = Duration::from_millis(300);
        s.attempts = 2;
        s.backoff = Duration::from_millis(20);
        s
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
