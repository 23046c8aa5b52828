//! The go-plugin handshake: how Terraform knows it launched a plugin and
//! where to connect.
//!
//! Terraform sets a *magic cookie* in the environment, lists the protocol
//! versions it speaks, and reads one line from our stdout:
//! `CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// The environment variable holding go-plugin's magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";

/// The cookie value every Terraform and OpenTofu version sets.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own protocol version, the first handshake field.
const CORE_PROTOCOL_VERSION: u32 = 1;

/// The plugin protocol this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Why the handshake cannot start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error("not launched by Terraform: the magic cookie is missing")]
    MissingCookie,
    #[error(
        "Terraform offered plugin protocol versions {offered:?}, \
         but this provider speaks only version 6 (Terraform 1.0 or later)"
    )]
    UnsupportedProtocol { offered: String },
}

/// Checks that Terraform launched us and speaks protocol 6.
///
/// `lookup` reads one environment variable; tests pass their own.
pub fn negotiate(lookup: impl Fn(&str) -> Option<String>) -> Result<(), HandshakeError> {
    if lookup(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::MissingCookie);
    }

    // go-plugin lists the versions in no particular order ("5,6" or "6,5");
    // without the variable it assumes the plugin's own version.
    let Some(offered) = lookup("PLUGIN_PROTOCOL_VERSIONS") else {
        return Ok(());
    };
    let speaks_ours = offered
        .split(',')
        .any(|version| version.trim().parse() == Ok(PROTOCOL_VERSION));
    if speaks_ours {
        Ok(())
    } else {
        Err(HandshakeError::UnsupportedProtocol { offered })
    }
}

/// The line Terraform reads from stdout, newline included.
///
/// `server_cert_der` is `None` when TLS is disabled; the certificate is
/// base64 *without* padding, since go-plugin's decoder rejects `=`.
pub fn line(socket_path: &str, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{socket_path}|grpc|{cert}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn negotiation_needs_the_magic_cookie() {
        let result = negotiate(env(&[("PLUGIN_PROTOCOL_VERSIONS", "6")]));
        assert_eq!(result, Err(HandshakeError::MissingCookie));
    }

    #[test]
    fn negotiation_accepts_version_six_in_any_order() {
        for offered in ["6", "5,6", "6,5", " 5, 6 "] {
            let vars = [
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", offered),
            ];
            assert_eq!(negotiate(env(&vars)), Ok(()), "offered {offered}");
        }
    }

    #[test]
    fn negotiation_refuses_a_terraform_without_version_six() {
        let vars = [
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ];
        let error = negotiate(env(&vars)).unwrap_err();
        assert!(matches!(error, HandshakeError::UnsupportedProtocol { .. }));
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_certificate() {
        let line = line("/tmp/x/plugin.sock", Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|AQIDBA\n");
        assert_eq!(line.trim_end().split('|').count(), 6);
    }

    #[test]
    fn handshake_line_without_tls_leaves_the_certificate_empty() {
        assert_eq!(line("/s", None), "1|6|unix|/s|grpc|\n");
    }
}
