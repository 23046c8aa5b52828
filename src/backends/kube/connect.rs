//! Building a `kube` client from the provider's `kubernetes` block.

use std::time::Duration;

use kube::{Client, Config};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use secrecy::SecretString;

use super::KubeError;
use crate::provider::config::KubernetesOverride;

/// How long one call may wait for an answer. `kube` sets no limit by
/// default, for the sake of watches, which the provider never makes.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A client for `cluster` from the override settings, which must name a
/// host. Makes no call; needs a Tokio runtime (the client spawns a task).
pub(super) fn client(cluster: &str, settings: &KubernetesOverride) -> Result<Client, KubeError> {
    let config = config(cluster, settings)?;
    Client::try_from(config).map_err(|error| client_error(cluster, error.to_string()))
}

fn config(cluster: &str, settings: &KubernetesOverride) -> Result<Config, KubeError> {
    let host = settings.host.as_deref().unwrap_or_default();
    let url = host
        .parse()
        .map_err(|error| client_error(cluster, format!("host {host:?} is not a URL: {error}")))?;
    let mut config = Config::new(url);
    config.read_timeout = Some(READ_TIMEOUT);
    config.accept_invalid_certs = settings.insecure;
    if let Some(pem) = &settings.cluster_ca_certificate {
        config.root_cert = Some(certificates(cluster, pem)?);
    }
    if let Some(token) = &settings.token {
        config.auth_info.token = Some(SecretString::from(token.clone()));
    }
    Ok(config)
}

/// The DER certificates of a PEM bundle; at least one is required.
fn certificates(cluster: &str, pem: &str) -> Result<Vec<Vec<u8>>, KubeError> {
    let invalid = |problem: String| {
        client_error(
            cluster,
            format!("cluster_ca_certificate is not a PEM certificate: {problem}"),
        )
    };
    let mut certificates = Vec::new();
    for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let certificate = certificate.map_err(|error| invalid(error.to_string()))?;
        certificates.push(certificate.to_vec());
    }
    if certificates.is_empty() {
        return Err(invalid("no CERTIFICATE block found".to_string()));
    }
    Ok(certificates)
}

fn client_error(cluster: &str, reason: String) -> KubeError {
    KubeError::Client {
        cluster: cluster.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str) -> KubernetesOverride {
        KubernetesOverride {
            host: Some(host.to_string()),
            ..KubernetesOverride::default()
        }
    }

    fn self_signed_pem() -> String {
        let names = vec!["kubernetes.default".to_string()];
        let certified = rcgen::generate_simple_self_signed(names).expect("a certificate");
        certified.cert.pem()
    }

    #[test]
    fn config_carries_host_ca_token_and_insecure() {
        let pem = self_signed_pem();
        let settings = KubernetesOverride {
            cluster_ca_certificate: Some(pem),
            token: Some("not-logged".to_string()),
            insecure: false,
            ..settings("https://abc.gr7.eu-west-1.eks.amazonaws.com")
        };
        let config = config("ci", &settings).unwrap();
        assert_eq!(
            config.cluster_url.host(),
            Some("abc.gr7.eu-west-1.eks.amazonaws.com")
        );
        assert_eq!(config.root_cert.map(|certs| certs.len()), Some(1));
        assert!(config.auth_info.token.is_some());
        assert!(!config.accept_invalid_certs);
    }

    #[test]
    fn insecure_skips_certificate_verification() {
        let settings = KubernetesOverride {
            insecure: true,
            ..settings("https://127.0.0.1:6443")
        };
        assert!(config("ci", &settings).unwrap().accept_invalid_certs);
    }

    #[test]
    fn a_ca_that_is_not_pem_is_an_error_naming_the_setting() {
        let settings = KubernetesOverride {
            cluster_ca_certificate: Some("LS0tLS1CRUdJTi...".to_string()),
            ..settings("https://127.0.0.1:6443")
        };
        let error = config("ci", &settings).unwrap_err().to_string();
        assert!(error.contains("cluster ci"), "{error}");
        assert!(error.contains("cluster_ca_certificate"), "{error}");
    }

    #[test]
    fn a_host_that_is_not_a_url_is_an_error() {
        let error = config("ci", &settings("http://exa mple")).unwrap_err();
        assert!(error.to_string().contains("is not a URL"), "{error}");
    }
}
