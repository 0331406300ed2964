//! The entries of a manifest's `allowed_hosts` and what they admit.
//!
//! An entry is a host with an optional scheme and port: `api.example.com`,
//! `api.example.com:8443`, `https://api.example.com`, `http://127.0.0.1:9090`, `[::1]:8080`,
//! or a leading wildcard for subdomains, `*.example.com` (which does not admit
//! `example.com` itself). Without a scheme, or with `https://`, an entry admits https only:
//! a plugin holding a secret cannot send it over plain http to a host that was allowed for
//! https. Plain `http://` is admitted only where an entry says `http://` (it admits https to
//! that host too). Anything else (`*`, `0.0.0.0/0`, `""`, a path, another scheme) is refused
//! when the manifest is read, with the reason.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The scheme of an outbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// The port a URL of this scheme means when it names none.
    pub(crate) fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    /// This host only (lower case; IPv6 without brackets).
    Exact(String),
    /// Any subdomain of this domain (lower case), not the domain itself.
    Subdomains(String),
}

/// One parsed entry of `allowed_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllowedHost {
    /// The entry says `http://`: plain http is admitted.
    plain_http: bool,
    host: Host,
    /// None: any port.
    port: Option<u16>,
}

/// Whether `name` is a DNS host name: dot-separated labels of ASCII letters, digits and `-`,
/// none empty or longer than 63, none starting or ending with `-`.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl AllowedHost {
    /// Parses an entry; the error says what is wrong with it.
    pub(crate) fn parse(entry: &str) -> Result<Self, String> {
        const FORMS: &str = "expected a host, host:port, http://host[:port], \
                             https://host[:port] or *.domain";
        if entry.trim().is_empty() {
            return Err(format!("an empty entry allows nothing ({FORMS})"));
        }
        let lower = entry.to_ascii_lowercase();
        let (plain_http, rest) = if let Some(rest) = lower.strip_prefix("http://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("https://") {
            (false, rest)
        } else if let Some((scheme, _)) = lower.split_once("://") {
            return Err(format!(
                "the scheme {scheme}:// is not http:// or https:// ({FORMS})"
            ));
        } else {
            (false, lower.as_str())
        };
        if rest.contains(['/', '?', '#', '@']) || rest.chars().any(char::is_whitespace) {
            return Err(format!(
                "only a host and a port, no path, address range or spaces ({FORMS})"
            ));
        }
        let (host, port) = if let Some(inside) = rest.strip_prefix('[') {
            let Some((address, after)) = inside.split_once(']') else {
                return Err(format!("an IPv6 address without its closing ] ({FORMS})"));
            };
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return Err(format!("text after the IPv6 address ({FORMS})")),
                },
            };
            (address, port)
        } else if rest.matches(':').count() > 1 {
            (rest, None) // a bare IPv6 address
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        let port = match port {
            None => None,
            Some(port) => match port.parse::<u16>() {
                Ok(port) if port > 0 => Some(port),
                _ => return Err(format!("the port {port:?} is not 1 to 65535 ({FORMS})")),
            },
        };
        let host = if let Some(domain) = host.strip_prefix("*.") {
            if !is_host_name(domain) || domain.parse::<Ipv4Addr>().is_ok() {
                return Err(format!(
                    "a wildcard must be followed by a domain, as in *.example.com ({FORMS})"
                ));
            }
            Host::Subdomains(domain.to_owned())
        } else if host.contains('*') {
            return Err(format!(
                "a wildcard is only a leading *. before a domain, as in *.example.com; \
                 `*` alone allows nothing ({FORMS})"
            ));
        } else if let Ok(ip) = host.parse::<IpAddr>() {
            if ip.is_unspecified() {
                return Err(format!(
                    "{host} is no one host: name the host to allow ({FORMS})"
                ));
            }
            Host::Exact(host.to_owned())
        } else if host.contains(':') {
            return Err(format!("{host:?} is not an IPv6 address ({FORMS})"));
        } else if is_host_name(host) {
            Host::Exact(host.to_owned())
        } else {
            return Err(format!("{host:?} is not a host name ({FORMS})"));
        };
        Ok(AllowedHost {
            plain_http,
            host,
            port,
        })
    }

    /// Whether this entry admits a request over `scheme` to `host` (brackets of an IPv6
    /// address allowed) on `port`.
    pub(crate) fn admits(&self, scheme: Scheme, host: &str, port: u16) -> bool {
        if scheme == Scheme::Http && !self.plain_http {
            return false;
        }
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match &self.host {
            Host::Exact(exact) => {
                exact.eq_ignore_ascii_case(host)
                    // The same IPv6 address written differently.
                    || matches!(
                        (exact.parse::<Ipv6Addr>(), host.parse::<Ipv6Addr>()),
                        (Ok(a), Ok(b)) if a == b
                    )
            }
            Host::Subdomains(domain) => {
                host.len() > domain.len() + 1
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
                    && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
            }
        }
    }
}

/// Checks every entry; the first bad one is named with its reason.
pub(crate) fn check(entries: &[String]) -> Result<(), String> {
    for entry in entries {
        AllowedHost::parse(entry)
            .map_err(|reason| format!("allowed_hosts entry {entry:?}: {reason}"))?;
    }
    Ok(())
}

/// Whether some entry of `allowed` admits the request (entries that do not parse admit
/// nothing; the manifest check refuses them before a plugin runs).
pub(crate) fn admitted(allowed: &[String], scheme: Scheme, host: &str, port: u16) -> bool {
    allowed.iter().any(|entry| {
        AllowedHost::parse(entry).is_ok_and(|allowed| allowed.admits(scheme, host, port))
    })
}

/// Whether some entry would admit the request over https: a plain-http request refused only
/// for its scheme gets a log line that says so.
pub(crate) fn admitted_over_https(allowed: &[String], host: &str, port: u16) -> bool {
    admitted(allowed, Scheme::Https, host, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(list: &[&str]) -> Vec<String> {
        list.iter().map(|e| (*e).to_owned()).collect()
    }

    #[test]
    fn a_host_entry_admits_every_port_over_https_and_a_host_port_entry_one() {
        let allowed = entries(&["api.example.com", "127.0.0.1:8080", "[::1]:9000"]);
        let https = |host, port| admitted(&allowed, Scheme::Https, host, port);
        assert!(https("api.example.com", 443));
        assert!(https("API.Example.com", 8443));
        assert!(https("127.0.0.1", 8080));
        assert!(!https("127.0.0.1", 8081));
        assert!(https("[::1]", 9000));
        assert!(https("::1", 9000));
        assert!(!https("::1", 9001));
        assert!(!https("evil.example.com", 443));
        assert!(!https("example.com", 443));
        assert!(!admitted(&[], Scheme::Https, "api.example.com", 443));
    }

    #[test]
    fn plain_http_is_admitted_only_by_an_entry_that_says_http() {
        let allowed = entries(&[
            "api.example.com",
            "https://pay.example.com",
            "127.0.0.1:9090",
        ]);
        assert!(!admitted(&allowed, Scheme::Http, "api.example.com", 80));
        assert!(!admitted(&allowed, Scheme::Http, "pay.example.com", 80));
        assert!(!admitted(&allowed, Scheme::Http, "127.0.0.1", 9090));
        assert!(admitted(&allowed, Scheme::Https, "pay.example.com", 443));

        let allowed = entries(&["http://127.0.0.1:9090", "HTTP://Sink.Example.com"]);
        assert!(admitted(&allowed, Scheme::Http, "127.0.0.1", 9090));
        assert!(!admitted(&allowed, Scheme::Http, "127.0.0.1", 9091));
        assert!(
            admitted(&allowed, Scheme::Https, "127.0.0.1", 9090),
            "https too"
        );
        assert!(admitted(&allowed, Scheme::Http, "sink.example.com", 80));
        assert!(admitted(&allowed, Scheme::Http, "sink.example.com", 8080));
        assert!(admitted_over_https(
            &entries(&["a.example.com"]),
            "a.example.com",
            443
        ));
    }

    #[test]
    fn a_leading_wildcard_admits_subdomains_only() {
        let allowed = entries(&["*.twilio.com", "http://*.local.test:8080"]);
        let https = |host| admitted(&allowed, Scheme::Https, host, 443);
        assert!(https("api.twilio.com"));
        assert!(https("a.b.Twilio.com"));
        assert!(!https("twilio.com"));
        assert!(!https("eviltwilio.com"));
        assert!(!https("twilio.com.evil.net"));
        assert!(admitted(&allowed, Scheme::Http, "x.local.test", 8080));
        assert!(!admitted(&allowed, Scheme::Http, "x.local.test", 80));
        assert!(!admitted(&allowed, Scheme::Http, "api.twilio.com", 80));
    }

    #[test]
    fn entries_that_are_not_a_host_are_refused_with_the_reason() {
        for (entry, reason) in [
            ("*", "`*` alone allows nothing"),
            ("0.0.0.0/0", "no path, address range or spaces"),
            ("", "an empty entry allows nothing"),
            ("  ", "an empty entry allows nothing"),
            ("0.0.0.0", "0.0.0.0 is no one host"),
            (
                "ftp://files.example.com",
                "the scheme ftp:// is not http:// or https://",
            ),
            ("https://api.example.com/v1", "no path"),
            (
                "api.example.com:http",
                "the port \"http\" is not 1 to 65535",
            ),
            ("api.example.com:0", "is not 1 to 65535"),
            ("api.*.com", "a wildcard is only a leading *."),
            ("*.", "a wildcard must be followed by a domain"),
            ("*.1.2.3.4", "a wildcard must be followed by a domain"),
            ("exa mple.com", "no path, address range or spaces"),
            ("under_score.com", "is not a host name"),
            ("[::1", "without its closing ]"),
            ("user@example.com", "no path"),
        ] {
            let err = AllowedHost::parse(entry).unwrap_err();
            assert!(err.contains(reason), "{entry:?}: {err}");
            let err = check(&entries(&["fine.example.com", entry])).unwrap_err();
            assert!(
                err.starts_with(&format!("allowed_hosts entry {entry:?}: ")),
                "{err}"
            );
        }
        for entry in [
            "api.example.com",
            "api.example.com:8443",
            "https://api.example.com",
            "http://127.0.0.1:9090",
            "*.twilio.com",
            "[::1]:8080",
            "::1",
            "localhost",
        ] {
            assert!(AllowedHost::parse(entry).is_ok(), "{entry}");
        }
    }
}
