//! Who the client is: its IP address and whether it reached us over HTTPS.
//!
//! The socket peer address is the truth unless the API runs behind a proxy that rewrites
//! headers (Fly.io's edge). Only then (`TRUST_PROXY_HEADERS=true`) are `Fly-Client-IP`,
//! `X-Forwarded-For` and `X-Forwarded-Proto` believed: anywhere else a client can write them
//! and pick its own rate-limit bucket.
//!
//! From `X-Forwarded-For` the right-most entry that is not one of our own hops (private,
//! loopback, link-local, CGNAT or IPv6 unique-local addresses) is the client: entries to its
//! left were written by the client and are not evidence of anything.

use std::net::IpAddr;

use poem::{FromRequest, Request, RequestBody, Result, http::uri::Scheme};

use crate::state::AppState;

/// Fly.io's header carrying the address its edge saw.
pub const FLY_CLIENT_IP: &str = "fly-client-ip";

/// The client's IP as a handler argument (`None` when the transport has no IP, as in poem's
/// in-process test client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl<'a> FromRequest<'a> for ClientIp {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> Result<Self> {
        let trust = req
            .data::<AppState>()
            .is_some_and(|state| state.settings.trust_proxy_headers);
        Ok(Self(resolve(req, trust)))
    }
}

/// The client IP of `req`; proxy headers are read only when `trust_proxy_headers`.
pub fn resolve(req: &Request, trust_proxy_headers: bool) -> Option<IpAddr> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let from_proxy = trust_proxy_headers
        .then(|| {
            header(FLY_CLIENT_IP)
                .and_then(parse_ip)
                .or_else(|| header("x-forwarded-for").and_then(from_forwarded_for))
        })
        .flatten();
    from_proxy.or_else(|| {
        req.remote_addr()
            .as_socket_addr()
            .map(|addr| addr.ip().to_canonical())
    })
}

/// Whether the client used HTTPS: the request's own scheme, or `X-Forwarded-Proto` when proxy
/// headers are trusted (Fly terminates TLS and forwards plain HTTP).
pub fn is_https(req: &Request, trust_proxy_headers: bool) -> bool {
    if *req.scheme() == Scheme::HTTPS {
        return true;
    }
    trust_proxy_headers
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("https")))
}

/// The right-most untrusted address of an `X-Forwarded-For` list; the left-most address when
/// every hop is internal.
pub fn from_forwarded_for(value: &str) -> Option<IpAddr> {
    let hops: Vec<IpAddr> = value.split(',').filter_map(parse_ip).collect();
    hops.iter()
        .rev()
        .find(|ip| !is_internal(ip))
        .or_else(|| hops.first())
        .copied()
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:80`.
fn parse_ip(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    value
        .parse::<IpAddr>()
        .or_else(|_| value.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Addresses of our own network: proxies, load balancers, Fly's private network.
fn is_internal(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (Fly's 6PN is fdaa::/16)
                || (first & 0xffc0) == 0xfe80 // link local fe80::/10
        }
    }
}

/// The rate-limit identity of an address: IPv4 as is, IPv6 by its /64 (one subscriber usually
/// holds a whole /64 and could rotate through it).
pub fn bucket_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_takes_the_right_most_address_that_is_not_ours() {
        assert_eq!(from_forwarded_for("203.0.113.7"), Some(ip("203.0.113.7")));
        // The client wrote the first entry itself; our proxy appended the real one.
        assert_eq!(
            from_forwarded_for("1.1.1.1, 203.0.113.7"),
            Some(ip("203.0.113.7"))
        );
        // Internal hops on the right are skipped.
        assert_eq!(
            from_forwarded_for("1.1.1.1, 203.0.113.7, 10.0.0.2, fdaa::3"),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            from_forwarded_for("10.0.0.9, 172.16.0.1"),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(
            from_forwarded_for("[2001:db8::1]:443, garbage"),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(from_forwarded_for("garbage"), None);
    }

    #[test]
    fn proxy_headers_are_ignored_unless_trusted() {
        let req = Request::builder()
            .header("x-forwarded-for", "203.0.113.7")
            .header(FLY_CLIENT_IP, "198.51.100.1")
            .header("x-forwarded-proto", "https")
            .finish();
        assert_eq!(resolve(&req, false), None);
        assert!(!is_https(&req, false));
        assert_eq!(resolve(&req, true), Some(ip("198.51.100.1")));
        assert!(is_https(&req, true));
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        assert_eq!(
            bucket_key(Some(ip("2001:db8:1:2:aaaa::1"))),
            "2001:db8:1:2::/64"
        );
        assert_eq!(bucket_key(Some(ip("203.0.113.7"))), "203.0.113.7");
        assert_eq!(
            bucket_key(Some(ip("::ffff:203.0.113.7").to_canonical())),
            "203.0.113.7"
        );
        assert_eq!(bucket_key(None), "unknown");
    }
}
