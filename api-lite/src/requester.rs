//! Where a request came from, as the audit trail records it: the TCP peer's address (the
//! server is served with `ConnectInfo`), or the address a trusted proxy appended to
//! `X-Forwarded-For` when `REACHLY_TRUST_FORWARDED_FOR=1`, and the `User-Agent`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use reachly_jobs::audit::Requester;
use uuid::Uuid;

/// The requester of `parts`, authenticated as `user`. `X-Forwarded-For` is believed only if
/// `trust_forwarded_for`: otherwise any client could write the address of its choice.
pub fn requester(parts: &Parts, user: Uuid, trust_forwarded_for: bool) -> Requester {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let forwarded = trust_forwarded_for
        .then(|| forwarded_for(&parts.headers))
        .flatten();
    Requester {
        user: Some(user),
        ip: forwarded.or(peer).map(|ip| ip.to_canonical()),
        user_agent: parts
            .headers
            .get(USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    }
}

/// The last address of the last `X-Forwarded-For` header: the one our own proxy appended
/// (the ones before it are whatever the client claimed). `None` if it is not an address
/// (with or without a port), so the peer's address is kept.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let hop = last.to_str().ok()?.rsplit(',').next()?.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(peer: &str, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder();
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        let peer: SocketAddr = peer.parse().unwrap();
        parts.extensions.insert(ConnectInfo(peer));
        parts
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_peer_is_the_requester_unless_a_proxy_is_trusted() {
        let forwarded = [
            ("x-forwarded-for", "203.0.113.9, 198.51.100.4"),
            ("user-agent", "curl/8"),
        ];
        let request = parts("10.0.0.2:4000", &forwarded);
        let user = Uuid::nil();
        let untrusted = requester(&request, user, false);
        assert_eq!(untrusted.ip, ip("10.0.0.2"));
        assert_eq!(untrusted.user_agent.as_deref(), Some("curl/8"));
        assert_eq!(requester(&request, user, true).ip, ip("198.51.100.4"));
        let garbage = parts("10.0.0.2:4000", &[("x-forwarded-for", "unknown")]);
        assert_eq!(requester(&garbage, user, true).ip, ip("10.0.0.2"));
        let ported = parts("10.0.0.2:4000", &[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(requester(&ported, user, true).ip, ip("2001:db8::1"));
    }

    #[test]
    fn ipv4_mapped_peers_are_stored_as_ipv4() {
        let request = parts("[::ffff:127.0.0.1]:4000", &[]);
        let found = requester(&request, Uuid::nil(), false);
        assert_eq!(found.ip, ip("127.0.0.1"));
        assert_eq!(found.user_agent, None);
    }
}
