//! The plugin host: the process Terraform launches.
//!
//! It checks that Terraform started it, opens a private Unix socket, prints
//! the handshake line and serves, over mutual TLS, the protocol service plus
//! go-plugin's health, controller and stdio services until Terraform says
//! to shut down.

pub mod controller;
pub mod handshake;
pub mod socket;
pub mod tls;

use std::io::{self, Write as _};
use std::time::Duration;

use tokio::net::UnixListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;

use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::server::ProviderServer;
use handshake::HandshakeError;

/// Shown when someone runs the binary by hand.
pub const NOT_A_COMMAND: &str = "\
This binary is a plugin for Terraform and is not meant to be run directly.
Declare the provider in a configuration's required_providers block and run
`terraform init`; Terraform starts the plugin when it needs it.";

/// Terraform accepts messages far above gRPC's 4 MiB default (schemas alone
/// may reach 64 MiB), so ours must too.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// After Shutdown, how long in-flight responses get before the process exits.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// Why the plugin could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("not launched by Terraform")]
    NotLaunchedByTerraform,
    #[error(transparent)]
    Handshake(HandshakeError),
    #[error("cannot set up mutual TLS")]
    Tls(#[from] tls::TlsError),
    #[error("cannot open the plugin socket")]
    Io(#[from] io::Error),
    #[error("the gRPC server failed")]
    Serve(#[from] tonic::transport::Error),
}

impl From<HandshakeError> for RunError {
    fn from(error: HandshakeError) -> Self {
        match error {
            HandshakeError::MissingCookie => RunError::NotLaunchedByTerraform,
            other => RunError::Handshake(other),
        }
    }
}

/// Runs the plugin until Terraform shuts it down.
pub fn run() -> Result<(), RunError> {
    handshake::negotiate(|key| std::env::var(key).ok())?;
    crate::logging::init_from_env();
    install_panic_hook();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(serve(std::env::var("PLUGIN_CLIENT_CERT").ok()));
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// Serves on a fresh socket; `client_cert_pem` is Terraform's certificate,
/// `None` when Terraform disabled TLS.
pub async fn serve(client_cert_pem: Option<String>) -> Result<(), RunError> {
    ignore_interrupts()?;
    let tls = client_cert_pem.as_deref().map(tls::server).transpose()?;
    let dir = socket::SocketDir::create()?;
    let listener = UnixListener::bind(dir.socket_path())?;
    let shutdown = CancellationToken::new();
    shut_down_on_terminate(shutdown.clone())?;

    let router = services(shutdown.clone()).await;
    let certificate = tls.as_ref().map(|tls| tls.certificate_der.as_slice());
    announce(&handshake::line(
        &dir.socket_path().to_string_lossy(),
        certificate,
    ))?;

    let incoming = socket::incoming(listener, tls.map(|tls| tls.config));
    let serving = router.serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    tokio::select! {
        result = serving => result?,
        () = exit_soon_after(shutdown) => {}
    }
    tracing::debug!(socket_dir = %dir.path().display(), "provider stopped");
    Ok(())
}

async fn services(shutdown: CancellationToken) -> tonic::transport::server::Router {
    let (health, health_service) = tonic_health::server::health_reporter();
    // go-plugin pings the service named "plugin".
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider =
        crate::proto::tfplugin6::provider_server::ProviderServer::new(ProviderServer::new())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);

    Server::builder()
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(controller::Controller::new(
            shutdown.clone(),
        )))
        .add_service(GrpcStdioServer::new(controller::Stdio::new(shutdown)))
        .add_service(provider)
}

/// Prints the handshake line: the first and only thing on stdout.
fn announce(line: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(line.as_bytes())?;
    stdout.flush()
}

/// Graceful shutdown waits for Terraform to hang up, which it does only
/// after we exit; so give in-flight responses a moment and then go.
async fn exit_soon_after(shutdown: CancellationToken) {
    shutdown.cancelled().await;
    tokio::time::sleep(SHUTDOWN_GRACE).await;
}

/// On Ctrl-C Terraform calls `StopProvider`; dying on SIGINT instead would
/// lose the state of whatever an apply had created.
fn ignore_interrupts() -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};

    // tokio never uninstalls a handler once registered, so the stream can be
    // dropped: SIGINT stays caught and ignored for the process's lifetime.
    signal(SignalKind::interrupt()).map(drop)
}

/// SIGTERM (a CI runner stopping a job, a process supervisor) ends the
/// process the way `Shutdown` does, so the private socket directory is
/// removed rather than left behind.
fn shut_down_on_terminate(shutdown: CancellationToken) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut terminate = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        if terminate.recv().await.is_some() {
            tracing::info!("SIGTERM received; shutting down");
            shutdown.cancel();
        }
    });
    Ok(())
}

/// Terraform turns stderr lines starting with `panic: ` into a crash report.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        eprintln!("panic: {message}\n\nat {location}\n");
    }));
}
