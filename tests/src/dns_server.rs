//! A private fixture DNS server per test: dnsmasq on a free loopback port serving
//! `scripts/dns/fixture.conf`, with `servfail.test` forwarded to an in-process responder that
//! answers SERVFAIL and `timeout.test` to a socket that never answers. Killed on drop.
//!
//! Same zones as `scripts/dns-fixture.sh` (the demo's server), but owned by the test process,
//! so tests never share or depend on a server started elsewhere.

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use reachly_jobs::validate::dns::ResolverSettings;
use reachly_testkit::dnsmasq::{Dnsmasq, DnsmasqConfig};

/// A UDP responder on a thread: answers SERVFAIL to every query, or (`silent`) nothing.
#[derive(Debug)]
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
#[derive(Debug)]
pub struct DnsServer {
    pub addr: SocketAddr,
    dnsmasq: Dnsmasq,
    _servfail: Responder,
    _blackhole: Responder,
}

impl DnsServer {
    /// Starts dnsmasq with the fixture zones.
    pub async fn start() -> DnsServer {
        Self::start_with(&[]).await
    }

    /// Starts dnsmasq with the fixture zones plus more dnsmasq config files (e.g. a
    /// benchmark's generated zone).
    pub async fn start_with(extra_conf: &[&Path]) -> DnsServer {
        let fixture = reachly_testkit::workspace_root().join("scripts/dns/fixture.conf");
        let servfail = Responder::start(false);
        let blackhole = Responder::start(true);
        let mut conf_files = vec![fixture.as_path()];
        conf_files.extend_from_slice(extra_conf);
        let config = DnsmasqConfig {
            conf_files,
            forwards: vec![
                ("servfail.test", servfail.addr.port()),
                ("timeout.test", blackhole.addr.port()),
            ],
            probe: "mail-ok.test",
        };
        // Blocks for as long as dnsmasq takes to answer: it runs in its own process, and the
        // responders on their own threads, so nothing waits on this task meanwhile.
        let dnsmasq = Dnsmasq::start(&config, &crate::process::logs()).expect("starting dnsmasq");
        DnsServer {
            addr: dnsmasq.addr,
            dnsmasq,
            _servfail: servfail,
            _blackhole: blackhole,
        }
    }

    /// Every name this server was asked about so far (each query once, in order).
    pub fn queried_names(&self) -> Vec<String> {
        self.dnsmasq
            .queries()
            .unwrap_or_default()
            .into_iter()
            .map(|(_, name)| name)
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
