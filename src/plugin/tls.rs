//! AutoMTLS as go-plugin does it: a fresh server certificate per process,
//! and only the client certificate Terraform passed us accepted.
//!
//! Terraform's client certificate is ECDSA P-521 with `CA:true`. A stock
//! WebPKI verifier refuses a CA certificate as an end entity, and *ring*
//! cannot verify P-521, so the client is *pinned* instead: its certificate
//! must equal, byte for byte, the DER from `PLUGIN_CLIENT_CERT`, and its
//! handshake signature is checked with aws-lc-rs, which offers P-521.
//!
//! Everything else (key generation, the handshake's own cryptography) uses
//! *ring*: aws-lc seeds its random generator from CPU jitter on first use,
//! which costs about 60 ms per process, and Terraform starts a provider
//! process several times per command. Verifying a signature needs no
//! randomness, so aws-lc is never asked for any.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// go-plugin's certificates are valid for 30 years and backdated 30 s.
const VALIDITY_HOURS: i64 = 262_980;
const BACKDATE_SECONDS: i64 = 30;

/// What can go wrong setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate")]
    ClientCertificate,
    #[error("cannot generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The server side of one process's mutual TLS.
pub struct ServerTls {
    /// The certificate announced in the handshake line.
    pub certificate_der: Vec<u8>,
    pub config: Arc<rustls::ServerConfig>,
}

/// *ring* for everything but signature verification, which comes from
/// aws-lc-rs for its P-521 support.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    let verification = rustls::crypto::aws_lc_rs::default_provider();
    Arc::new(CryptoProvider {
        signature_verification_algorithms: verification.signature_verification_algorithms,
        ..rustls::crypto::ring::default_provider()
    })
}

/// Builds the server configuration that accepts only `client_cert_pem`.
pub fn server(client_cert_pem: &str) -> Result<ServerTls, TlsError> {
    let client = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|_| TlsError::ClientCertificate)?;
    let provider = crypto_provider();
    let (certificate, key) = server_certificate(&provider)?;

    let verifier = PinnedClient::new(client.to_vec(), &provider);
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![certificate.clone()], key)?;
    // gRPC clients insist on HTTP/2 being negotiated through ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];

    Ok(ServerTls {
        certificate_der: certificate.to_vec(),
        config: Arc::new(config),
    })
}

/// A self-signed certificate shaped like go-plugin's: CN and SAN
/// `localhost`, a CA, server and client auth.
fn server_certificate(
    provider: &CryptoProvider,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "terraform-provider-ci");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(BACKDATE_SECONDS);
    params.not_after = now + time::Duration::hours(VALIDITY_HOURS);
    params.serial_number = Some(random_serial(provider)?);

    let certificate = params.self_signed(&key)?;
    let key_der = PrivatePkcs8KeyDer::from(key.serialize_der());
    Ok((certificate.der().clone(), key_der.into()))
}

fn random_serial(provider: &CryptoProvider) -> Result<SerialNumber, TlsError> {
    let mut bytes = [0u8; 16];
    provider
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| TlsError::Config(rustls::Error::FailedToGetRandomBytes))?;
    // A positive serial: clear the top bit.
    bytes[0] &= 0x7f;
    Ok(SerialNumber::from_slice(&bytes))
}

/// Accepts exactly one client certificate.
#[derive(Debug)]
pub struct PinnedClient {
    der: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClient {
    pub fn new(der: Vec<u8>, provider: &CryptoProvider) -> Self {
        PinnedClient {
            der,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
