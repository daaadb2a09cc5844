//! The URL policy for targets that may come from untrusted hands (a chat user's dispatch):
//! which hosts the HTTP checks may contact, and that they never reach loopback, private,
//! link-local (the cloud metadata endpoint) or otherwise internal addresses. It is checked
//! on the URL before the request, on every redirect, and on every address DNS returns, so
//! a public name that resolves to an internal address is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// The hosts a run may contact. An empty allowlist means no policy: every http(s) URL
/// given on the command line is contacted (the operator typed it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Exact host names or IP literals, or `*.example.com` for any subdomain.
    pub allowed_hosts: Vec<String>,
    /// Whether internal addresses (loopback, private, link-local…) may be contacted.
    pub allow_private: bool,
}

impl UrlPolicy {
    pub fn is_active(&self) -> bool {
        !self.allowed_hosts.is_empty()
    }

    /// Parses a comma- or whitespace-separated allowlist, lower-cased. Errors name the
    /// offending entry.
    pub fn parse_hosts(list: &str) -> Result<Vec<String>, String> {
        let mut hosts = Vec::new();
        for entry in list.split(|c: char| c == ',' || c.is_whitespace()) {
            let entry = entry.trim().trim_end_matches('.').to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            let name = entry.strip_prefix("*.").unwrap_or(&entry);
            let valid = !name.is_empty()
                && name.len() <= 253
                && (name.parse::<IpAddr>().is_ok()
                    || name.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            && !label.starts_with('-')
                            && !label.ends_with('-')
                    }));
            if !valid {
                return Err(format!(
                    "'{entry}' is not a host name, an IP address or a '*.domain' pattern"
                ));
            }
            hosts.push(entry);
        }
        Ok(hosts)
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed_hosts
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(suffix) => host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
                None => *pattern == host,
            })
    }

    /// Whether the run may send a request to `url`; the error says why not.
    pub fn check_url(&self, url: &Url) -> Result<(), String> {
        if !self.is_active() {
            return Ok(());
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme '{}' is not http or https", url.scheme()));
        }
        let (name, ip) = match url.host() {
            Some(Host::Domain(d)) => (d.to_string(), None),
            Some(Host::Ipv4(a)) => (a.to_string(), Some(IpAddr::V4(a))),
            Some(Host::Ipv6(a)) => (a.to_string(), Some(IpAddr::V6(a))),
            None => return Err("the URL has no host".into()),
        };
        if !self.host_allowed(&name) {
            return Err(format!(
                "host {name} is not on the allowlist (--allowed-hosts)"
            ));
        }
        if let Some(ip) = ip {
            self.check_ip(ip)?;
        }
        Ok(())
    }

    /// Whether the run may connect to `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if self.is_active() && !self.allow_private && is_internal(ip) {
            return Err(format!(
                "address {ip} is internal (loopback, private, link-local or reserved); \
                 --allow-private-addresses permits it"
            ));
        }
        Ok(())
    }
}

/// Loopback, private, link-local (incl. the metadata endpoint), CGNAT, unspecified,
/// multicast, broadcast, documentation and other special-purpose ranges.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_internal_v4(a),
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let first = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local, incl. AWS's fd00:ec2::254
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || first == 0x2001 && a.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && a.segments()[1] == 0xff9b // NAT64 to anything
                || a == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1)
        }
    }
}

fn is_internal_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, ..] = a.octets();
    a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o0 == 0
        || (o0 == 100 && (64..128).contains(&o1)) // carrier-grade NAT
        || (o0 == 192 && o1 == 0 && a.octets()[2] == 0) // IETF protocol assignments
        || (o0 == 198 && (18..20).contains(&o1)) // benchmarking
        || o0 >= 240 // reserved
}

/// The DNS resolver used while a policy is active: the system's resolver, then every
/// address it returns must pass the policy (no DNS-rebinding way around the allowlist).
pub struct PolicyResolver(pub Arc<UrlPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match policy.check_ip(a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refused.get_or_insert(e);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let why = refused.unwrap_or_else(|| "no address".into());
                return Err(format!("refused by the URL policy: {host} resolves to {why}").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
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

    #[test]
    fn no_allowlist_means_no_policy() {
        let p = UrlPolicy::default();
        assert!(p.check_url(&url("http://127.0.0.1/")).is_ok());
        assert!(p.check_ip("169.254.169.254".parse().unwrap()).is_ok());
    }

    #[test]
    fn hosts_match_exactly_or_as_subdomains() {
        let p = policy("api.example.com, *.cdn.example.net", false);
        assert!(p.check_url(&url("https://api.example.com/x")).is_ok());
        assert!(p.check_url(&url("https://API.Example.com./x")).is_ok());
        assert!(p.check_url(&url("https://a.cdn.example.net/")).is_ok());
        assert!(p.check_url(&url("https://cdn.example.net/")).is_err());
        assert!(p.check_url(&url("https://evilcdn.example.net/")).is_err());
        assert!(
            p.check_url(&url("https://api.example.com.evil.io/"))
                .is_err()
        );
        let err = p.check_url(&url("https://evil.io/")).unwrap_err();
        assert!(err.contains("evil.io is not on the allowlist"), "{err}");
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
            assert!(err.contains("is internal"), "{u}: {err}");
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
        assert_eq!(UrlPolicy::parse_hosts(" , ").unwrap(), Vec::<String>::new());
    }
}
