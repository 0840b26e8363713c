//! The client address of a request, for the login throttle.
//!
//! The socket peer (axum's `ConnectInfo`, set by
//! `into_make_service_with_connect_info`) is the client unless it is one of
//! the configured reverse proxies (`wangge serve --trusted-proxy`). From a
//! trusted proxy, `X-Forwarded-For` is read from the right: each proxy
//! appends the address it got the request from, so the right-most address
//! that is not itself a trusted proxy is the client; anything left of it was
//! written by the client and may be forged. From any other peer the header
//! is ignored. Without `ConnectInfo` (a router called without a socket, as
//! in tests) the address is unknown and only user names are throttled.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use ipnet::IpNet;

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedProxies(networks)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client address of a request (see the module text).
    pub fn client_address<B>(&self, request: &Request<B>) -> Option<IpAddr> {
        let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
        Some(self.client_behind(peer.ip(), request.headers()))
    }

    /// The client behind `peer`, given the request's headers.
    pub fn client_behind(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // A server listening on `[::]` sees IPv4 clients as `::ffff:a.b.c.d`.
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        // Several X-Forwarded-For headers read as one list, in order.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop that does not parse ends the walk: what is left of it
            // cannot be trusted, the last good hop is the client.
            let Some(address) = parse_hop(hop) else { break };
            client = address;
            if !self.contains(address) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, maybe with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// `--trusted-proxy`: an address (`10.0.0.5`, `::1`) or a network in CIDR
/// notation (`10.0.0.0/8`).
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!("{text:?} is neither an IP address (10.0.0.5) nor a network (10.0.0.0/8)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            list.iter()
                .map(|p| parse_trusted_proxy(p).unwrap())
                .collect(),
        )
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_from_an_untrusted_peer() {
        let p = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            p.client_behind(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
        assert_eq!(
            TrustedProxies::default().client_behind(ip("10.0.0.1"), &headers),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "192.0.2.7"]);
        // The client forged the first entry; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.1.1.1"]);
        assert_eq!(
            p.client_behind(ip("192.0.2.7"), &headers),
            ip("203.0.113.9")
        );
        // With a port, and IPv4-mapped IPv6.
        let headers = forwarded(&["203.0.113.9:4711"]);
        assert_eq!(
            p.client_behind(ip("::ffff:10.0.0.1"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            p.client_behind(ip("::ffff:192.0.2.8"), &headers),
            ip("192.0.2.8")
        );
        let headers = forwarded(&["[2001:db8::1]:4711"]);
        assert_eq!(p.client_behind(ip("10.0.0.1"), &headers), ip("2001:db8::1"));
    }

    #[test]
    fn missing_or_broken_hops_stop_at_the_last_good_one() {
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            p.client_behind(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        let headers = forwarded(&["203.0.113.9, garbage, 10.2.2.2"]);
        assert_eq!(p.client_behind(ip("10.0.0.1"), &headers), ip("10.2.2.2"));
        // Only proxies: the left-most of them.
        let headers = forwarded(&["10.3.3.3, 10.2.2.2"]);
        assert_eq!(p.client_behind(ip("10.0.0.1"), &headers), ip("10.3.3.3"));
    }

    #[test]
    fn proxies_parse_as_addresses_or_networks() {
        assert_eq!(
            parse_trusted_proxy("10.0.0.5").map(|n| n.prefix_len()),
            Ok(32)
        );
        assert_eq!(
            parse_trusted_proxy(" ::1 ").map(|n| n.prefix_len()),
            Ok(128)
        );
        assert_eq!(
            parse_trusted_proxy("10.0.0.0/8").map(|n| n.prefix_len()),
            Ok(8)
        );
        let e = parse_trusted_proxy("10.0.0.0/33").unwrap_err();
        assert!(e.contains("10.0.0.0/33"), "{e}");
        assert!(parse_trusted_proxy("proxy.local").is_err());
    }
}
