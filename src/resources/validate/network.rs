//! URLs and CIDR blocks.
//!
//! The URL grammar here is the subset the provider hands to HTTP clients:
//! `scheme://host[:port][/path][?query][#fragment]` with a DNS name, IPv4
//! address or bracketed IPv6 address as host. Credentials in a URL are
//! rejected: they would end up in plans and logs.

use super::{Problem, ensure};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The parts of a URL that checks look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<u16>,
    /// Everything from the first `/` after the host, up to `?` or `#`.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

/// Splits a URL into its parts, or says what is wrong with it.
pub fn parse_url(text: &str) -> Result<Url<'_>, String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains spaces or control characters".into());
    }
    let (scheme, rest) = text
        .split_once("://")
        .ok_or("it has no scheme such as https://")?;
    if !is_scheme(scheme) {
        return Err(format!("{scheme:?} is not a URL scheme"));
    }
    let (rest, fragment) = split_off(rest, '#');
    let (rest, query) = split_off(rest, '?');
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (host, port) = parse_authority(authority)?;
    Ok(Url {
        scheme,
        host,
        port,
        path,
        query,
        fragment,
    })
}

fn split_off(text: &str, separator: char) -> (&str, Option<&str>) {
    match text.split_once(separator) {
        Some((before, after)) => (before, Some(after)),
        None => (text, None),
    }
}

fn is_scheme(scheme: &str) -> bool {
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
}

fn parse_authority(authority: &str) -> Result<(&str, Option<u16>), String> {
    if authority.contains('@') {
        return Err("it contains credentials; pass secrets in their own attributes".into());
    }
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    };
    if !is_host(host) {
        return Err(format!("{host:?} is not a host name or IP address"));
    }
    let port = port.map(|p| p.parse::<u16>().map_err(|_| format!("{p:?} is not a port")));
    Ok((host, port.transpose()?))
}

fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok();
    }
    host.parse::<Ipv4Addr>().is_ok() || is_dns_name(host)
}

fn is_dns_name(host: &str) -> bool {
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    host.len() <= 253 && host.split('.').all(label_ok)
}

fn url_check(value: &str, schemes: &[&str]) -> Result<(), Problem> {
    let summary = "Invalid URL";
    let url = parse_url(value)
        .map_err(|why| Problem::new(summary, format!("{value:?} is not a valid URL: {why}.")))?;
    ensure(schemes.contains(&url.scheme), summary, || {
        format!("{value:?} must start with {}://.", schemes.join(":// or "))
    })
}

/// An `http` or `https` URL (service endpoints, GitLab).
pub fn http_url(value: &str) -> Result<(), Problem> {
    url_check(value, &["https", "http"])
}

/// An `https` URL.
pub fn https_url(value: &str) -> Result<(), Problem> {
    url_check(value, &["https"])
}

/// An OpenID Connect issuer URL as EKS reports it.
///
/// IAM keys trust-policy conditions on the issuer without its scheme
/// (`oidc.eks.REGION.amazonaws.com/id/ID:sub`), so a trailing slash, query
/// or fragment would make conditions that never match.
pub fn oidc_issuer_url(value: &str) -> Result<(), Problem> {
    https_url(value)?;
    let url = parse_url(value).map_err(|why| Problem::new("Invalid URL", why))?;
    let clean = url.query.is_none() && url.fragment.is_none() && !url.path.ends_with('/');
    ensure(clean, "Invalid OIDC issuer URL", || {
        format!(
            "{value:?} must be the issuer exactly as the cluster reports it, without a \
             trailing slash, query or fragment (e.g. \
             \"https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\")."
        )
    })
}

/// An IPv4 or IPv6 CIDR block with no host bits set.
pub fn cidr_block(value: &str) -> Result<(), Problem> {
    let summary = "Invalid CIDR block";
    let (address, prefix) = parse_cidr(value).ok_or_else(|| {
        let detail = format!("{value:?} is not a CIDR block; expected e.g. \"203.0.113.0/24\".");
        Problem::new(summary, detail)
    })?;
    let network = network_of(address, prefix);
    ensure(network == address, summary, || {
        format!("{value:?} has host bits set; did you mean \"{network}/{prefix}\"?")
    })
}

fn parse_cidr(value: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = value.split_once('/')?;
    let address: IpAddr = address.parse().ok()?;
    let digits_ok =
        !prefix.is_empty() && prefix.len() <= 3 && prefix.bytes().all(|b| b.is_ascii_digit());
    let prefix: u8 = prefix.parse().ok().filter(|_| digits_ok)?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((address, prefix))
}

fn network_of(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}
