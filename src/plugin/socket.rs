//! The Unix socket Terraform connects to, in a directory only we can read.
//!
//! Every accepted connection goes through the TLS handshake before gRPC
//! sees it; a client that fails it (wrong certificate, none at all) is
//! dropped and never reaches a handler.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

/// A private directory holding the socket, removed when dropped.
pub struct SocketDir {
    dir: PathBuf,
}

impl SocketDir {
    /// Creates a fresh directory with mode 0700 under the temp directory.
    pub fn create() -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;

        let base = std::env::temp_dir();
        for _ in 0..16 {
            let dir = base.join(format!("tf-provider-ci-{}", random_suffix()?));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(SocketDir { dir }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free socket directory name",
        ))
    }

    pub fn socket_path(&self) -> PathBuf {
        self.dir.join("plugin.sock")
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sixteen random hex digits, so the directory name cannot be guessed.
fn random_suffix() -> io::Result<String> {
    let mut bytes = [0u8; 8];
    super::tls::crypto_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| io::Error::other("no random bytes for the socket directory name"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// One accepted connection, plain or TLS.
pub enum Connection {
    Plain(UnixStream),
    Tls(Box<TlsStream<UnixStream>>),
}

/// Accepts connections, completes TLS handshakes concurrently and yields
/// only the connections that passed.
pub fn incoming(
    listener: UnixListener,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> ReceiverStream<io::Result<Connection>> {
    let (sender, receiver) = mpsc::channel(16);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    continue;
                }
            };
            tokio::spawn(admit(stream, acceptor.clone(), sender.clone()));
        }
    });
    ReceiverStream::new(receiver)
}

async fn admit(
    stream: UnixStream,
    acceptor: Option<TlsAcceptor>,
    sender: mpsc::Sender<io::Result<Connection>>,
) {
    let connection = match acceptor {
        None => Connection::Plain(stream),
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(tls) => Connection::Tls(Box::new(tls)),
            // A bad or missing certificate is worth a warning; a client
            // hanging up mid-handshake (gRPC redialling while we exit) is not.
            Err(error) if error.kind() == io::ErrorKind::InvalidData => {
                tracing::warn!(%error, "refused a connection that failed mutual TLS");
                return;
            }
            Err(error) => {
                tracing::debug!(%error, "a connection closed during the TLS handshake");
                return;
            }
        },
    };
    let _ = sender.send(Ok(connection)).await;
}

impl Connected for Connection {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Connection::Tls(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Connection::Tls(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Connection::Tls(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Connection::Tls(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }
}
