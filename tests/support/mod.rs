//! Starting the provider binary the way Terraform does, and a gRPC client
//! that talks to it over mutual TLS on its Unix socket.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use terraform_provider_ci::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use terraform_provider_ci::proto::tfplugin6::provider_client::ProviderClient;
use tonic::transport::{Channel, Endpoint, Uri};

/// A client identity made like Terraform's: ECDSA P-521, SHA-512, CA:true.
pub struct ClientIdentity {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub key: PrivatePkcs8KeyDer<'static>,
}

impl ClientIdentity {
    pub fn like_terraform() -> Self {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let certificate = params.self_signed(&key).expect("self-signed certificate");
        ClientIdentity {
            pem: certificate.pem(),
            der: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

/// A provider process started as Terraform starts it.
pub struct Plugin {
    pub child: Child,
    pub socket: PathBuf,
    pub server_cert: Option<Vec<u8>>,
    pub handshake: String,
}

/// Stops the provider with SIGTERM, so that it removes its socket
/// directory, and kills it if it is still running a second later.
impl Drop for Plugin {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The provider binary: `PROVIDER_BIN` if set (the benchmark measures a
/// binary built without test-only crate features), else Cargo's build.
pub fn binary() -> String {
    std::env::var("PROVIDER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_terraform-provider-ci").to_string())
}

/// Launches the binary with Terraform's environment and reads its handshake.
pub fn launch(client: Option<&ClientIdentity>) -> Plugin {
    let mut command = Command::new(binary());
    command
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(client) = client {
        command.env("PLUGIN_CLIENT_CERT", &client.pem);
    }
    let mut child = command.spawn().expect("provider binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut handshake = String::new();
    BufReader::new(stdout)
        .read_line(&mut handshake)
        .expect("handshake line");

    let fields: Vec<&str> = handshake.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line {handshake:?}");
    let server_cert = (!fields[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("base64 cert")
    });
    let socket = PathBuf::from(fields[3]);
    Plugin {
        child,
        socket,
        server_cert,
        handshake,
    }
}

/// Connects over mutual TLS presenting `identity`, trusting only the
/// server certificate from the handshake.
pub async fn connect(
    plugin: &Plugin,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let socket = plugin.socket.clone();
    let tls = plugin
        .server_cert
        .clone()
        .map(|cert| tls_config(cert, identity));
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            let tls = tls.clone();
            async move { dial(socket, tls).await }
        }))
        .await
}

type Io = TokioIo<Box<dyn AsyncStream>>;

pub trait AsyncStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> AsyncStream for T {}

async fn dial(socket: PathBuf, tls: Option<Arc<rustls::ClientConfig>>) -> std::io::Result<Io> {
    let stream = tokio::net::UnixStream::connect(socket).await?;
    let Some(tls) = tls else {
        return Ok(TokioIo::new(Box::new(stream)));
    };
    let name = ServerName::try_from("localhost").expect("server name");
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, stream)
        .await?;
    Ok(TokioIo::new(Box::new(stream)))
}

pub fn provider_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel).max_decoding_message_size(256 << 20)
}

fn tls_config(
    server_cert: Vec<u8>,
    identity: Option<&ClientIdentity>,
) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer {
        der: server_cert,
        provider: provider.clone(),
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.der.clone()],
                PrivateKeyDer::Pkcs8(identity.key.clone_key()),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// Trusts exactly the server certificate announced in the handshake, as
/// go-plugin's client does.
#[derive(Debug)]
struct PinnedServer {
    der: Vec<u8>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
