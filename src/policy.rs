//! The URL policy for targets that may come from untrusted hands (a chat user's dispatch):
//! which hosts (and ports) the HTTP checks may contact, and that they never reach
//! loopback, private, link-local or otherwise internal addresses, nor ever a cloud
//! metadata endpoint. It is checked on the URL before the request, on every redirect,
//! and on every address DNS returns, so a public name that resolves to an internal
//! address is refused too. An IPv6 address is judged by the IPv4 address it leads to
//! wherever it embeds one (IPv4-mapped, -compatible, SIIT, 6to4, NAT64, Teredo).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// The hosts a run may contact. An empty allowlist means no policy: every http(s) URL
/// given on the command line is contacted (the operator typed it). The configuration
/// never builds an empty allowlist from a value that was given: that is an error there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// The allowlist entries.
    pub allowed_hosts: Vec<HostPattern>,
    /// Whether internal addresses (loopback, private, link-local…) may be contacted.
    /// Cloud metadata endpoints stay refused whatever this says.
    pub allow_private: bool,
}

/// One allowlist entry: a host, and the one port it is allowed on (any port when `None`;
/// a URL without a port has its scheme's default port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    pub host: HostMatch,
    pub port: Option<u16>,
}

/// The host part of an allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMatch {
    /// Exactly this name (lower-case, without a trailing dot).
    Name(String),
    /// Any name below this domain (`*.example.com`), not the domain itself.
    Below(String),
    /// This address (an IPv6 address is compared as an address, not as text).
    Ip(IpAddr),
}

impl HostPattern {
    /// `host`, `host:port`, `*.domain`, `*.domain:port`, an IPv4 address with an optional
    /// `:port`, a bare IPv6 address, or `[IPv6]` with an optional `:port`.
    fn parse(entry: &str) -> Option<HostPattern> {
        let entry = entry.to_ascii_lowercase();
        let (host, port) = split_port(&entry)?;
        let host = host.trim_end_matches('.');
        let host = match host.parse::<IpAddr>() {
            Ok(ip) => HostMatch::Ip(ip),
            Err(_) => match host.strip_prefix("*.") {
                // A pattern covers the subdomains of a domain, never of a top-level domain.
                Some(domain) if is_host_name(domain) && domain.contains('.') => {
                    HostMatch::Below(domain.to_string())
                }
                Some(_) => return None,
                None if is_host_name(host) => HostMatch::Name(host.to_string()),
                None => return None,
            },
        };
        Some(HostPattern { host, port })
    }
}

impl HostMatch {
    fn matches(&self, host: &Host<&str>) -> bool {
        match (self, host) {
            (HostMatch::Name(name), Host::Domain(d)) => *name == without_root(d),
            (HostMatch::Below(domain), Host::Domain(d)) => without_root(d)
                .strip_suffix(domain.as_str())
                .and_then(|rest| rest.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty()),
            (HostMatch::Ip(ip), Host::Ipv4(a)) => *ip == IpAddr::V4(*a),
            (HostMatch::Ip(ip), Host::Ipv6(a)) => *ip == IpAddr::V6(*a),
            _ => false,
        }
    }
}

/// A domain as the allowlist spells it: lower-case, without the root's trailing dot.
fn without_root(domain: &str) -> String {
    domain.trim_end_matches('.').to_ascii_lowercase()
}

/// Splits `host[:port]` or `[v6][:port]`; a bare IPv6 address has no port.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        inside.parse::<Ipv6Addr>().ok()?;
        return match after {
            "" => Some((inside, None)),
            _ => Some((inside, Some(parse_port(after.strip_prefix(':')?)?))),
        };
    }
    match entry.split_once(':') {
        Some((host, port)) if !port.contains(':') => Some((host, Some(parse_port(port)?))),
        _ => Some((entry, None)),
    }
}

/// A port number in decimal digits, 1 to 65535.
fn parse_port(port: &str) -> Option<u16> {
    match port.parse::<u16>() {
        Ok(n) if n > 0 && port.bytes().all(|b| b.is_ascii_digit()) => Some(n),
        _ => None,
    }
}

/// A DNS host name: at most 253 characters, labels of 1 to 63 letters, digits and inner
/// hyphens, and a last label that is not a number (a URL reads such a host as IPv4).
fn is_host_name(name: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let numeric = |label: &str| label.bytes().all(|b| b.is_ascii_digit());
    name.len() <= 253
        && name.split('.').all(label_ok)
        && !name.rsplit('.').next().is_some_and(numeric)
}

impl UrlPolicy {
    pub fn is_active(&self) -> bool {
        !self.allowed_hosts.is_empty()
    }

    /// Parses a comma- or whitespace-separated allowlist (case does not matter). Errors
    /// name the offending entry. A list of separators only parses to nothing: whether
    /// that is acceptable is the caller's decision.
    pub fn parse_hosts(list: &str) -> Result<Vec<HostPattern>, String> {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                HostPattern::parse(entry).ok_or_else(|| {
                    format!(
                        "'{}' is not a host name, an IP address or a '*.domain' pattern, \
                         each with an optional ':port' ('[::1]:8080' for IPv6)",
                        crate::text::cap(&crate::text::one_line(entry), 80)
                    )
                })
            })
            .collect()
    }

    /// Whether the run may send a request to `url`; the error says why not.
    pub fn check_url(&self, url: &Url) -> Result<(), String> {
        if !self.is_active() {
            return Ok(());
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme '{}' is not http or https", url.scheme()));
        }
        let (Some(host), Some(port)) = (url.host(), url.port_or_known_default()) else {
            return Err("the URL has no host".into());
        };
        let listed: Vec<&HostPattern> = self
            .allowed_hosts
            .iter()
            .filter(|p| p.host.matches(&host))
            .collect();
        if listed.is_empty() {
            return Err(format!(
                "host {host} is not on the allowlist (--allowed-hosts)"
            ));
        }
        if !listed
            .iter()
            .any(|p| p.port.is_none() || p.port == Some(port))
        {
            return Err(format!(
                "host {host} is on the allowlist for other ports, not port {port} (--allowed-hosts)"
            ));
        }
        match host {
            Host::Ipv4(a) => self.check_ip(IpAddr::V4(a)),
            Host::Ipv6(a) => self.check_ip(IpAddr::V6(a)),
            Host::Domain(_) => Ok(()),
        }
    }

    /// Whether the run may connect to `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if !self.is_active() {
            return Ok(());
        }
        if is_metadata(ip) {
            return Err(format!(
                "address {ip} is a cloud metadata endpoint, which no flag unlocks"
            ));
        }
        if !self.allow_private && is_internal(ip) {
            return Err(format!(
                "address {ip} is internal (loopback, private, link-local or reserved); \
                 --allow-private-addresses permits it"
            ));
        }
        Ok(())
    }
}

/// A network: its first address and its prefix length.
type Net4 = (Ipv4Addr, u32);
type Net6 = (Ipv6Addr, u32);

fn in_v4(a: Ipv4Addr, (net, len): Net4) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(a) & mask == u32::from(net)
}

fn in_v6(a: Ipv6Addr, (net, len): Net6) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    u128::from(a) & mask == u128::from(net)
}

/// The IPv4 networks no check may reach: every special-purpose block that is not
/// globally reachable (RFC 6890 and its updates), plus multicast and the reserved rest.
const INTERNAL_V4: [Net4; 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", incl. 0.0.0.0
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, where most metadata endpoints live
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // the deprecated 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, incl. broadcast 255.255.255.255
];

/// Global unicast, the only IPv6 space the Internet routes. Everything outside it is
/// internal: loopback `::1`, unspecified `::`, NAT64 `64:ff9b::/96` and the local-use
/// `64:ff9b:1::/48`, discard-only `100::/64`, SRv6 `5f00::/16`, unique local `fc00::/7`
/// (AWS's `fd00:ec2::254` among them), link-local `fe80::/10`, the deprecated site-local
/// `fec0::/10`, multicast `ff00::/8` and the unassigned rest. The exceptions are the
/// IPv4 embeddings of [`CARRYING_V4_AT_END`], judged by the IPv4 address they carry.
const GLOBAL_UNICAST: Net6 = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// The internal networks inside global unicast.
const INTERNAL_V6: [Net6; 3] = [
    // IETF protocol assignments, refused whole: Teredo 2001::/32 (a deprecated tunnel
    // whose addresses name a relay and an obfuscated client, not a site), benchmarking
    // 2001:2::/48, ORCHID and the anycast service addresses; no web site lives there.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),     // documentation (RFC 9637)
];

/// The IPv6 forms the host's stack delivers to the IPv4 address in their last 32 bits:
/// IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d` (deprecated; `::` and
/// `::1` read as 0.0.0.0 and 0.0.0.1, both internal) and SIIT `::ffff:0:a.b.c.d`.
const CARRYING_V4_AT_END: [Net6; 3] = [
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
    (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96),
];

/// 6to4 (RFC 3056): the site's IPv4 address is in bits 16..48. A 6to4 address is judged
/// by that address: one of a public site is public, one wrapping 10.0.0.1 is not.
const SIX_TO_FOUR: Net6 = (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16);
const SIX_TO_FOUR_AT: [usize; 4] = [2, 3, 4, 5];

/// Teredo (RFC 4380): the server's IPv4 address is in bits 32..64, the client's in the
/// last 32 bits, each bit inverted.
const TEREDO: Net6 = (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32);
const TEREDO_SERVER_AT: [usize; 4] = [4, 5, 6, 7];

/// NAT64 (RFC 6052, RFC 8215): a translator reaches the IPv4 address embedded after
/// its prefix. The well-known prefix is a /96; a local-use prefix is any /48, /56, /64
/// or /96 inside `64:ff9b:1::/48`, so every position is read (bits 64..72 are skipped).
const NAT64_WELL_KNOWN: Net6 = (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);
const NAT64_LOCAL_USE: Net6 = (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48);
const NAT64_LOCAL_AT: [[usize; 4]; 4] = [[6, 7, 9, 10], [7, 9, 10, 11], [9, 10, 11, 12], LAST_32];

const LAST_32: [usize; 4] = [12, 13, 14, 15];

/// Cloud metadata and credential endpoints: refused even with --allow-private-addresses.
const METADATA_V4: [Ipv4Addr; 8] = [
    Ipv4Addr::new(169, 254, 169, 254), // instance metadata: AWS, GCP, Azure, Oracle, OpenStack…
    Ipv4Addr::new(169, 254, 169, 253), // AWS VPC DNS resolver
    Ipv4Addr::new(169, 254, 170, 2),   // AWS ECS task metadata and credentials
    Ipv4Addr::new(169, 254, 170, 23),  // AWS EKS Pod Identity agent (credentials)
    Ipv4Addr::new(169, 254, 42, 42),   // Scaleway instance metadata
    Ipv4Addr::new(100, 100, 100, 200), // Alibaba Cloud instance metadata
    Ipv4Addr::new(192, 0, 0, 192),     // Oracle Cloud Classic instance metadata
    Ipv4Addr::new(168, 63, 129, 16),   // Azure WireServer (public, reachable only inside Azure)
];

const METADATA_V6: [Ipv6Addr; 6] = [
    Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254), // AWS instance metadata
    Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253), // AWS VPC DNS resolver
    Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23),  // AWS EKS Pod Identity agent
    Ipv6Addr::new(0xfd20, 0xce, 0, 0, 0, 0, 0, 0x254),  // GCP metadata server
    Ipv6Addr::new(0xfd00, 0x42, 0, 0, 0, 0, 0, 0x42),   // Scaleway instance metadata
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0xa9fe, 0xa9fe), // OpenStack metadata
];

/// The IPv4 address in the octets at `at`.
fn v4_at(octets: &[u8; 16], at: [usize; 4]) -> Ipv4Addr {
    Ipv4Addr::new(octets[at[0]], octets[at[1]], octets[at[2]], octets[at[3]])
}

/// The IPv4 address an IPv6 address stands for, so that it is judged by the IPv4 rules:
/// the forms of [`CARRYING_V4_AT_END`] and 6to4.
fn carried_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let octets = a.octets();
    if CARRYING_V4_AT_END.iter().any(|&net| in_v6(a, net)) {
        Some(v4_at(&octets, LAST_32))
    } else if in_v6(a, SIX_TO_FOUR) {
        Some(v4_at(&octets, SIX_TO_FOUR_AT))
    } else {
        None
    }
}

/// Every IPv4 address an IPv6 address may lead to: the one it carries, the one a NAT64
/// translator reaches, and a Teredo address's server and client.
fn reachable_v4s(a: Ipv6Addr) -> Vec<Ipv4Addr> {
    let octets = a.octets();
    let mut found: Vec<Ipv4Addr> = carried_v4(a).into_iter().collect();
    if in_v6(a, NAT64_WELL_KNOWN) {
        found.push(v4_at(&octets, LAST_32));
    }
    if in_v6(a, NAT64_LOCAL_USE) {
        found.extend(NAT64_LOCAL_AT.iter().map(|&at| v4_at(&octets, at)));
    }
    if in_v6(a, TEREDO) {
        found.push(v4_at(&octets, TEREDO_SERVER_AT));
        found.push(!v4_at(&octets, LAST_32));
    }
    found
}

/// A cloud metadata or credential endpoint, in any IPv4 or IPv6 spelling.
pub fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => METADATA_V4.contains(&a),
        IpAddr::V6(a) => {
            METADATA_V6.contains(&a) || reachable_v4s(a).iter().any(|v4| METADATA_V4.contains(v4))
        }
    }
}

/// Loopback, private, link-local (incl. the metadata endpoints), CGNAT, unspecified,
/// multicast, broadcast, documentation and other special-purpose ranges; an IPv6 address
/// that carries an IPv4 address is judged by that address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_internal_v4(a),
        IpAddr::V6(a) => match carried_v4(a) {
            Some(v4) => is_internal_v4(v4),
            None => !in_v6(a, GLOBAL_UNICAST) || INTERNAL_V6.iter().any(|&net| in_v6(a, net)),
        },
    }
}

fn is_internal_v4(a: Ipv4Addr) -> bool {
    INTERNAL_V4.iter().any(|&net| in_v4(a, net))
}

impl UrlPolicy {
    /// The addresses `host` resolved to that the policy lets through: every one is checked
    /// (no DNS-rebinding way around the allowlist). None left is a refusal, in words.
    pub fn allowed_addrs(
        &self,
        host: &str,
        addrs: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, String> {
        let mut refused = None;
        let allowed: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.check_ip(a.ip()) {
                Ok(()) => true,
                Err(e) => {
                    refused.get_or_insert(e);
                    false
                }
            })
            .collect();
        if allowed.is_empty() {
            let why = refused.unwrap_or_else(|| "no address".into());
            return Err(format!(
                "refused by the URL policy: {host} resolves to {why}"
            ));
        }
        Ok(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: &str, allow_private: bool) -> UrlPolicy {
        UrlPolicy {
            allowed_hosts: UrlPolicy::parse_hosts(hosts).unwrap(),
            allow_private,
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn no_allowlist_means_no_policy() {
        let p = UrlPolicy::default();
        assert!(!p.is_active());
        assert!(p.check_url(&url("http://127.0.0.1/")).is_ok());
        assert!(p.check_url(&url("ftp://example.com/")).is_ok());
        assert!(p.check_ip("169.254.169.254".parse().unwrap()).is_ok());
        assert!(p.check_ip(ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn hosts_match_exactly_or_as_subdomains() {
        let p = policy("api.example.com, *.cdn.example.net", false);
        assert!(p.is_active());
        assert!(p.check_url(&url("https://api.example.com/x")).is_ok());
        assert!(p.check_url(&url("https://API.Example.com./x")).is_ok());
        assert!(p.check_url(&url("https://a.cdn.example.net/")).is_ok());
        assert!(p.check_url(&url("https://a.b.cdn.example.net./")).is_ok());
        assert!(p.check_url(&url("https://cdn.example.net/")).is_err());
        assert!(p.check_url(&url("https://evilcdn.example.net/")).is_err());
        assert!(
            p.check_url(&url("https://api.example.com.evil.io/"))
                .is_err()
        );
        let err = p.check_url(&url("https://evil.io/")).unwrap_err();
        assert!(err.contains("evil.io is not on the allowlist"), "{err}");
        let err = p.check_url(&url("ftp://api.example.com/")).unwrap_err();
        assert!(err.contains("scheme 'ftp'"), "{err}");
    }

    /// Each arm of the host comparison, including names no URL parser hands over.
    #[test]
    fn host_patterns_compare_names_domains_and_addresses() {
        let name = HostMatch::Name("api.example.com".into());
        let below = HostMatch::Below("cdn.example.net".into());
        let ip4 = HostMatch::Ip(ip("192.0.2.1"));
        let ip6 = HostMatch::Ip(ip("2001:db8::1"));
        let cases: &[(&HostMatch, Host<&str>, bool)] = &[
            (&name, Host::Domain("api.example.com"), true),
            (&name, Host::Domain("API.example.com."), true),
            (&name, Host::Domain("www.api.example.com"), false),
            (&name, Host::Domain("example.com"), false),
            (&name, Host::Ipv4(v4("192.0.2.1")), false),
            (&below, Host::Domain("a.cdn.example.net"), true),
            (&below, Host::Domain("x.y.cdn.example.net."), true),
            (&below, Host::Domain("cdn.example.net"), false),
            (&below, Host::Domain(".cdn.example.net"), false),
            (&below, Host::Domain("acdn.example.net"), false),
            (&below, Host::Domain("a.cdn.example.net.evil.io"), false),
            (&ip4, Host::Ipv4(v4("192.0.2.1")), true),
            (&ip4, Host::Ipv4(v4("192.0.2.2")), false),
            (&ip4, Host::Ipv6(v6("::ffff:192.0.2.1")), false),
            (&ip4, Host::Domain("192.0.2.1"), false),
            (&ip6, Host::Ipv6(v6("2001:db8:0:0:0:0:0:1")), true),
            (&ip6, Host::Ipv6(v6("2001:db8::2")), false),
        ];
        for (pattern, host, expected) in cases {
            assert_eq!(pattern.matches(host), *expected, "{pattern:?} vs {host:?}");
        }
    }

    #[test]
    fn internal_addresses_are_refused_even_when_listed() {
        let p = policy("127.0.0.1 169.254.169.254 10.1.2.3 ::1", false);
        for u in [
            "http://127.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://[::1]/",
        ] {
            let err = p.check_url(&url(u)).unwrap_err();
            assert!(
                err.contains("is internal") || err.contains("metadata"),
                "{u}: {err}"
            );
        }
        let open = policy("127.0.0.1", true);
        assert!(open.check_url(&url("http://127.0.0.1:8080/")).is_ok());
    }

    #[test]
    fn address_classes() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip} is internal");
        }
        for ip in [
            "93.184.216.34",
            "13.32.0.1",
            "2600:9000::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn bad_entries_are_named() {
        let err = UrlPolicy::parse_hosts("ok.example, bad_host!").unwrap_err();
        assert!(err.contains("'bad_host!'"), "{err}");
        assert!(UrlPolicy::parse_hosts("*.").is_err());
        assert!(UrlPolicy::parse_hosts(" , ").unwrap().is_empty());
        let err = UrlPolicy::parse_hosts("a.example bad\u{1b}[31m").unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err:?}");
    }

    /// The rule of each internal IPv4 network: addresses inside it (its first, one
    /// between, its last) are internal; the addresses just outside it are public
    /// (where the neighbour is not itself internal).
    const V4_RULES: [(&str, &[&str], &[&str]); 15] = [
        (
            "this network 0.0.0.0/8",
            &["0.0.0.0", "0.1.2.3", "0.255.255.255"],
            &["1.0.0.0"],
        ),
        (
            "private 10.0.0.0/8",
            &["10.0.0.0", "10.1.2.3", "10.255.255.255"],
            &["9.255.255.255", "11.0.0.0"],
        ),
        (
            "carrier-grade NAT 100.64.0.0/10",
            &["100.64.0.0", "100.100.1.2", "100.127.255.255"],
            &["100.63.255.255", "100.128.0.0"],
        ),
        (
            "loopback 127.0.0.0/8",
            &["127.0.0.0", "127.0.0.1", "127.255.255.255"],
            &["126.255.255.255", "128.0.0.0"],
        ),
        (
            "link-local 169.254.0.0/16",
            &["169.254.0.0", "169.254.1.2", "169.254.255.255"],
            &["169.253.255.255", "169.255.0.0"],
        ),
        (
            "private 172.16.0.0/12",
            &["172.16.0.0", "172.20.1.2", "172.31.255.255"],
            &["172.15.255.255", "172.32.0.0"],
        ),
        (
            "IETF protocol assignments 192.0.0.0/24",
            &["192.0.0.0", "192.0.0.9", "192.0.0.255"],
            &["191.255.255.255", "192.0.1.0"],
        ),
        (
            "documentation 192.0.2.0/24",
            &["192.0.2.0", "192.0.2.45", "192.0.2.255"],
            &["192.0.1.255", "192.0.3.0"],
        ),
        (
            "6to4 relay anycast 192.88.99.0/24",
            &["192.88.99.0", "192.88.99.1", "192.88.99.255"],
            &["192.88.98.255", "192.88.100.0"],
        ),
        (
            "private 192.168.0.0/16",
            &["192.168.0.0", "192.168.1.1", "192.168.255.255"],
            &["192.167.255.255", "192.169.0.0"],
        ),
        (
            "benchmarking 198.18.0.0/15",
            &["198.18.0.0", "198.19.1.2", "198.19.255.255"],
            &["198.17.255.255", "198.20.0.0"],
        ),
        (
            "documentation 198.51.100.0/24",
            &["198.51.100.0", "198.51.100.7", "198.51.100.255"],
            &["198.51.99.255", "198.51.101.0"],
        ),
        (
            "documentation 203.0.113.0/24",
            &["203.0.113.0", "203.0.113.9", "203.0.113.255"],
            &["203.0.112.255", "203.0.114.0"],
        ),
        (
            "multicast 224.0.0.0/4",
            &["224.0.0.0", "232.1.2.3", "239.255.255.255"],
            &["223.255.255.255"],
        ),
        (
            "reserved 240.0.0.0/4, incl. broadcast",
            &[
                "240.0.0.0",
                "250.1.2.3",
                "255.255.255.254",
                "255.255.255.255",
            ],
            &[],
        ),
    ];

    #[test]
    fn every_internal_ipv4_network_is_pinned_at_its_edges() {
        assert_eq!(V4_RULES.len(), INTERNAL_V4.len(), "a rule without a row");
        for (rule, inside, outside) in V4_RULES {
            for a in inside {
                assert!(is_internal(ip(a)), "{rule}: {a} is internal");
                // The same address as IPv4-mapped IPv6 is judged the same.
                assert!(
                    is_internal(ip(&format!("::ffff:{a}"))),
                    "{rule}: mapped {a}"
                );
            }
            for a in outside {
                assert!(!is_internal(ip(a)), "{rule}: {a} is public");
                assert!(
                    !is_internal(ip(&format!("::ffff:{a}"))),
                    "{rule}: mapped {a}"
                );
            }
        }
        for a in ["1.1.1.1", "8.8.8.8", "93.184.216.34", "168.63.129.16"] {
            assert!(!is_internal(ip(a)), "{a} is public");
        }
    }

    /// The IPv6 rules: outside global unicast everything is internal; inside it, the
    /// three networks of `INTERNAL_V6`. Same shape as the IPv4 table.
    const V6_RULES: [(&str, &[&str], &[&str]); 4] = [
        (
            "outside global unicast 2000::/3",
            &[
                "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "4000::",
                "::1:0:0:0",
                "64:ff9b::808:808",
                "64:ff9b:1::808:808",
                "100::1",
                "5f00::1",
                "fc00::",
                "fd12:3456::1",
                "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "fe80::1",
                "febf:ffff::1",
                "fec0::1",
                "ff02::1",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ],
            &["2000::", "2600:9000::1", "2a00:1450:4001::200e"],
        ),
        (
            "IETF protocol assignments 2001::/23, incl. Teredo",
            &[
                "2001::",
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                "2001:2::1",
                "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
            ],
            &["2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:200::"],
        ),
        (
            "documentation 2001:db8::/32",
            &[
                "2001:db8::",
                "2001:db8:1::1",
                "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            ],
            &["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"],
        ),
        (
            "documentation 3fff::/20",
            &[
                "3fff::",
                "3fff:123::1",
                "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
            ],
            &["3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::"],
        ),
    ];

    #[test]
    fn every_internal_ipv6_network_is_pinned_at_its_edges() {
        assert_eq!(
            V6_RULES.len(),
            INTERNAL_V6.len() + 1,
            "a rule without a row"
        );
        for (rule, inside, outside) in V6_RULES {
            for a in inside {
                assert!(is_internal(ip(a)), "{rule}: {a} is internal");
            }
            for a in outside {
                assert!(!is_internal(ip(a)), "{rule}: {a} is public");
            }
        }
    }

    /// The IPv6 forms that carry an IPv4 address, each at its edges: the exact address
    /// read, and just outside the form nothing is read.
    #[test]
    fn ipv6_forms_that_carry_ipv4_are_read_exactly() {
        let cases: &[(&str, Option<&str>)] = &[
            // IPv4-mapped ::ffff:0:0/96
            ("::ffff:1.2.3.4", Some("1.2.3.4")),
            ("::ffff:0.0.0.0", Some("0.0.0.0")),
            ("::ffff:255.255.255.255", Some("255.255.255.255")),
            ("::fffe:102:304", None),
            ("::1:ffff:102:304", None),
            // IPv4-compatible ::/96
            ("::1.2.3.4", Some("1.2.3.4")),
            ("::", Some("0.0.0.0")),
            ("::1", Some("0.0.0.1")),
            ("::255.255.255.255", Some("255.255.255.255")),
            ("::1:0:0", None),
            // SIIT ::ffff:0:0:0/96
            ("::ffff:0:1.2.3.4", Some("1.2.3.4")),
            ("::ffff:0:255.255.255.255", Some("255.255.255.255")),
            ("::ffff:1:102:304", None),
            ("::fffe:0:102:304", None),
            // 6to4 2002::/16, the IPv4 address in bits 16..48
            ("2002:102:304::", Some("1.2.3.4")),
            ("2002:102:304:5:6:7:8:9", Some("1.2.3.4")),
            (
                "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                Some("255.255.255.255"),
            ),
            ("2001:ffff:102:304::", None),
            ("2003:102:304::", None),
            // Neither: NAT64 and Teredo are not read as carried addresses.
            ("64:ff9b::102:304", None),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", None),
            ("2600:9000::1", None),
        ];
        for (a, expected) in cases {
            assert_eq!(carried_v4(v6(a)), expected.map(v4), "{a}");
        }
    }

    #[test]
    fn ipv6_forms_that_carry_ipv4_are_judged_by_it() {
        for a in [
            "::10.1.2.3",
            "::ffff:0:10.1.2.3",
            "::ffff:0:127.0.0.1",
            "::192.168.0.1",
            "2002:a01:203::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2002:6440:1::",
            "2002::",
        ] {
            assert!(is_internal(ip(a)), "{a} is internal");
        }
        for a in ["::8.8.4.4", "::ffff:0:8.8.4.4", "2002:808:404::1"] {
            assert!(!is_internal(ip(a)), "{a} is public");
        }
    }

    /// Where a NAT64 translator or a Teredo tunnel takes an address: RFC 6052's
    /// positions for each prefix length, and RFC 4380's own example.
    #[test]
    fn ipv6_addresses_lead_to_the_ipv4_addresses_they_embed() {
        let cases: &[(&str, &[&str])] = &[
            ("64:ff9b::102:304", &["1.2.3.4"]),
            ("64:ff9b::ffff:ffff", &["255.255.255.255"]),
            (
                // 64:ff9b:1::/48 cut at /48, /56, /64 and /96: every position is read.
                "64:ff9b:1:203:405:607:809:a0b",
                &["2.3.5.6", "3.5.6.7", "5.6.7.8", "8.9.10.11"],
            ),
            (
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                &["65.54.227.120", "192.0.2.45"],
            ),
            ("::ffff:102:304", &["1.2.3.4"]),
            ("2002:102:304::1", &["1.2.3.4"]),
            ("64:ff9b:2::102:304", &[]),
            ("64:ff9a:ffff:ffff:ffff:ffff:102:304", &[]),
            ("2001:1::102:304", &[]),
            ("2600:9000::1", &[]),
        ];
        for (a, expected) in cases {
            let expected: Vec<Ipv4Addr> = expected.iter().map(|s| v4(s)).collect();
            assert_eq!(reachable_v4s(v6(a)), expected, "{a}");
        }
    }

    /// Every spelling of 169.254.169.254 by hand, then every metadata address in every
    /// form by construction.
    #[test]
    fn metadata_endpoints_are_recognised_in_every_spelling() {
        for a in [
            "169.254.169.254",
            "::ffff:a9fe:a9fe",
            "::a9fe:a9fe",
            "::ffff:0:a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a9fe:a9fe",
            "64:ff9b:1:0:a9:fea9:fe00:0",
            "64:ff9b:1:a9:fe:a9fe::",
            "64:ff9b:1:a9fe:a9:fe00::",
            "2001:0:a9fe:a9fe::1",
            "2001:0:4136:e378:8000:63bf:5601:5601",
            "fd00:ec2::254",
            "fd00:ec2::253",
            "fd00:ec2::23",
            "fd20:ce::254",
            "fd00:42::42",
            "fe80::a9fe:a9fe",
            "168.63.129.16",
            "::ffff:168.63.129.16",
        ] {
            assert!(is_metadata(ip(a)), "{a} is a metadata endpoint");
        }
        let forms: [fn(Ipv4Addr) -> Ipv6Addr; 5] = [
            |a| a.to_ipv6_mapped(),
            |a| a.to_ipv6_compatible(),
            |a| {
                let [b0, b1, b2, b3] = a.octets();
                Ipv6Addr::from([0x20, 0x02, b0, b1, b2, b3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
            },
            |a| {
                let [b0, b1, b2, b3] = a.octets();
                Ipv6Addr::from([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, b0, b1, b2, b3])
            },
            |a| {
                let [b0, b1, b2, b3] = (!a).octets();
                Ipv6Addr::from([0x20, 1, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, b0, b1, b2, b3])
            },
        ];
        for a in METADATA_V4 {
            assert!(is_metadata(IpAddr::V4(a)), "{a}");
            for form in forms {
                assert!(is_metadata(IpAddr::V6(form(a))), "{a} as {}", form(a));
            }
        }
        for a in [
            "169.254.169.252",
            "169.254.169.255",
            "169.254.170.3",
            "100.100.100.201",
            "192.0.0.193",
            "168.63.129.17",
            "::ffff:a9fe:a9fa",
            "2002:a9fe:a9fa::1",
            "fd00:ec2::255",
            "fd20:ce::253",
            "fe80::a9fe:a9fd",
            "2001:0:4136:e378:8000:63bf:5601:5605",
            "8.8.8.8",
        ] {
            assert!(!is_metadata(ip(a)), "{a} is no metadata endpoint");
        }
    }

    #[test]
    fn no_flag_unlocks_a_metadata_endpoint() {
        let open = policy(
            "169.254.169.254 ::ffff:169.254.169.254 fd00:ec2::254 168.63.129.16 2002:a9fe:a9fe::1",
            true,
        );
        for u in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fd00:ec2::254]/",
            "http://168.63.129.16/",
            "http://[2002:a9fe:a9fe::1]/",
        ] {
            let err = open.check_url(&url(u)).unwrap_err();
            assert!(err.contains("is a cloud metadata endpoint"), "{u}: {err}");
            assert!(err.contains("no flag unlocks"), "{u}: {err}");
        }
        // The neighbours are merely internal, which the flag does unlock.
        assert!(open.check_ip(ip("169.254.169.253")).is_err());
        assert!(open.check_ip(ip("169.254.169.1")).is_ok());
        assert!(open.check_ip(ip("fd00:ec2::1")).is_ok());
        assert!(open.check_ip(ip("8.8.8.8")).is_ok());
        let closed = policy("example.com", false);
        let err = closed.check_ip(ip("169.254.169.1")).unwrap_err();
        assert!(err.contains("is internal"), "{err}");
        assert!(err.contains("--allow-private-addresses"), "{err}");
        assert!(closed.check_ip(ip("8.8.8.8")).is_ok());
        assert!(closed.check_ip(ip("2600:9000::1")).is_ok());
    }

    /// Allowlist entries as they parse: the host, and the port when one is pinned.
    #[test]
    fn allowlist_entries_parse_with_an_optional_port() {
        let name = |n: &str, port| HostPattern {
            host: HostMatch::Name(n.into()),
            port,
        };
        let below = |n: &str, port| HostPattern {
            host: HostMatch::Below(n.into()),
            port,
        };
        let at = |a: &str, port| HostPattern {
            host: HostMatch::Ip(ip(a)),
            port,
        };
        let label63 = "a".repeat(63);
        let name253 = format!("{label63}.{label63}.{label63}.{}", "d".repeat(61));
        let cases: Vec<(&str, HostPattern)> = vec![
            ("api.example.com", name("api.example.com", None)),
            ("API.Example.COM.", name("api.example.com", None)),
            ("localhost", name("localhost", None)),
            ("1password.example", name("1password.example", None)),
            ("a-b.example", name("a-b.example", None)),
            ("api.example.com:8443", name("api.example.com", Some(8443))),
            ("api.example.com.:8443", name("api.example.com", Some(8443))),
            ("api.example.com:1", name("api.example.com", Some(1))),
            (
                "api.example.com:65535",
                name("api.example.com", Some(65535)),
            ),
            ("api.example.com:080", name("api.example.com", Some(80))),
            ("*.example.com", below("example.com", None)),
            ("*.Example.com:443", below("example.com", Some(443))),
            ("127.0.0.1", at("127.0.0.1", None)),
            ("127.0.0.1:8080", at("127.0.0.1", Some(8080))),
            ("::1", at("::1", None)),
            // A bare IPv6 address never carries a port: its last group is the address.
            ("2001:db8::1:80", at("2001:db8::1:80", None)),
            ("[::1]", at("::1", None)),
            ("[2001:DB8::1]:8443", at("2001:db8::1", Some(8443))),
            (&label63, name(&label63, None)),
            (&name253, name(&name253, None)),
        ];
        for (entry, expected) in cases {
            assert_eq!(UrlPolicy::parse_hosts(entry), Ok(vec![expected]), "{entry}");
        }
        let label64 = "a".repeat(64);
        let name254 = format!("{label63}.{label63}.{label63}.{}", "d".repeat(62));
        for bad in [
            "bad_host!",
            "a.example/path",
            "*",
            "*.",
            "*.com",
            "*.bad_host.com",
            "a.*.example.com",
            "-a.example.com",
            "a-.example.com",
            "a..example.com",
            ".a.example.com",
            "1.2.3",
            "example.123",
            "api.example.com:",
            "api.example.com:0",
            "api.example.com:65536",
            "api.example.com:+80",
            "api.example.com:8o",
            "api.example.com:80:90",
            "[::1",
            "[::1]80",
            "[::1]:",
            "[::1]:0",
            "[127.0.0.1]",
            "[example.com]:80",
            "::1::2",
            &label64,
            &name254,
        ] {
            let err = UrlPolicy::parse_hosts(bad).unwrap_err();
            assert!(err.contains("is not a host name"), "{bad}: {err}");
        }
    }

    #[test]
    fn entries_split_on_commas_and_whitespace() {
        let hosts =
            UrlPolicy::parse_hosts(" a.example,b.example\tc.example ,\n d.example ").unwrap();
        let names: Vec<&HostMatch> = hosts.iter().map(|p| &p.host).collect();
        assert_eq!(
            names,
            [
                &HostMatch::Name("a.example".into()),
                &HostMatch::Name("b.example".into()),
                &HostMatch::Name("c.example".into()),
                &HostMatch::Name("d.example".into()),
            ]
        );
        assert!(UrlPolicy::parse_hosts("").unwrap().is_empty());
        assert!(UrlPolicy::parse_hosts(",\t ,").unwrap().is_empty());
    }

    /// An entry with a port allows that port only (the URL's, or its scheme's default);
    /// an entry without one allows every port.
    #[test]
    fn ports_pin_an_entry() {
        let cases: &[(&str, &str, Result<(), &str>)] = &[
            ("api.example.com", "https://api.example.com:8443/", Ok(())),
            ("api.example.com", "http://api.example.com/", Ok(())),
            (
                "api.example.com:8443",
                "https://api.example.com:8443/",
                Ok(()),
            ),
            (
                "api.example.com:8443",
                "http://api.example.com:8443/",
                Ok(()),
            ),
            (
                "api.example.com:8443",
                "https://api.example.com/",
                Err("not port 443"),
            ),
            ("api.example.com:443", "https://api.example.com/", Ok(())),
            (
                "api.example.com:443",
                "http://api.example.com/",
                Err("not port 80"),
            ),
            ("api.example.com:80", "http://api.example.com/", Ok(())),
            (
                "a.example:1 api.example.com:8443 api.example.com:9443",
                "https://api.example.com:9443/",
                Ok(()),
            ),
            (
                "api.example.com:8443, *.example.com",
                "https://api.example.com/",
                Ok(()),
            ),
            (
                "*.example.com:8443",
                "https://www.example.com:8443/",
                Ok(()),
            ),
            (
                "*.example.com:8443",
                "https://www.example.com/",
                Err("not port 443"),
            ),
            ("[2600:9000::1]:8080", "http://[2600:9000::1]:8080/", Ok(())),
            (
                "[2600:9000::1]:8080",
                "http://[2600:9000::1]:8081/",
                Err("host [2600:9000::1] is on the allowlist for other ports, not port 8081"),
            ),
            ("93.184.216.34:8080", "http://93.184.216.34:8080/", Ok(())),
            (
                "93.184.216.34:8080",
                "http://93.184.216.34/",
                Err("not port 80"),
            ),
            (
                "api.example.com:8443",
                "https://www.example.com:8443/",
                Err("host www.example.com is not on the allowlist"),
            ),
        ];
        for (list, u, expected) in cases {
            let got = policy(list, false).check_url(&url(u));
            match expected {
                Ok(()) => assert_eq!(got, Ok(()), "{list} / {u}"),
                Err(says) => {
                    let err = got.unwrap_err();
                    assert!(err.contains(says), "{list} / {u}: {err}");
                }
            }
        }
    }

    #[tokio::test]
    async fn resolved_addresses_pass_the_policy_too() {
        let found = || -> Vec<SocketAddr> {
            vec!["127.0.0.1:80".parse().unwrap(), "[::1]:80".parse().unwrap()]
        };
        let err = policy("localhost", false)
            .allowed_addrs("localhost", found())
            .expect_err("refused");
        assert!(err.contains("localhost resolves to address"), "{err}");
        assert!(err.contains("is internal"), "{err}");
        let addrs = policy("localhost", true)
            .allowed_addrs("localhost", found())
            .unwrap();
        assert_eq!(addrs, found());
        // The metadata endpoint is refused even where private addresses are allowed.
        let metadata: SocketAddr = "169.254.169.254:80".parse().unwrap();
        let err = policy("localhost", true)
            .allowed_addrs("localhost", vec![metadata])
            .expect_err("metadata refused");
        assert!(err.contains("169.254.169.254"), "{err}");
    }
}
