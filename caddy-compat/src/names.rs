//! Host names: which ones a public CA can certify, and Caddy's one-label
//! wildcard. One definition for the adapter, the serving routes and the
//! appliance's certificate resolver.

use std::net::IpAddr;

/// Whether a public CA can issue a certificate for `name`: not localhost,
/// not an address, not a local-network suffix, and not a single label
/// ("erp" resolves only on the local network).
pub fn is_public(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let private_suffix = [".localhost", ".local", ".internal", ".home.arpa", ".lan"]
        .iter()
        .any(|s| name.ends_with(s));
    name != "localhost"
        && !private_suffix
        && name.trim_matches(['[', ']']).parse::<IpAddr>().is_err()
        && name.contains('.')
}

/// `pattern` names `name`; `*.example.hn` stands for exactly one label.
/// Case does not matter.
pub fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(rest) => name
            .split_once('.')
            .is_some_and(|(label, tail)| !label.is_empty() && tail.eq_ignore_ascii_case(rest)),
        None => pattern.eq_ignore_ascii_case(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_dns_names_go_to_the_ca() {
        for public in ["erp.example.hn", "motos.example.com.", "A.B.C"] {
            assert!(is_public(public), "{public}");
        }
        for private in [
            "localhost",
            "erp.localhost",
            "127.0.0.1",
            "::1",
            "[::1]",
            "10.1.2.3",
            "erp.local",
            "erp.internal",
            "router.home.arpa",
            "erp",
        ] {
            assert!(!is_public(private), "{private}");
        }
    }

    #[test]
    fn a_wildcard_stands_for_one_label() {
        assert!(matches("*.example.hn", "erp.example.hn"));
        assert!(!matches("*.example.hn", "a.b.example.hn"));
        assert!(matches("erp.example.hn", "ERP.example.hn"));
    }
}
