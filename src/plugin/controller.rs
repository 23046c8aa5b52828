//! go-plugin's controller service and its stdio service.
//!
//! Terraform calls `GRPCController/Shutdown` every time it is done with a
//! provider and then waits two seconds before killing it, so a prompt exit
//! here saves two seconds per provider process.

use std::pin::Pin;

use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::proto::plugin::grpc_controller_server::GrpcController;
use crate::proto::plugin::grpc_stdio_server::GrpcStdio;
use crate::proto::plugin::{Empty, StdioData};

/// Serves `plugin.GRPCController`.
pub struct Controller {
    shutdown: CancellationToken,
}

impl Controller {
    /// A controller that cancels `shutdown` when Terraform asks us to exit.
    pub fn new(shutdown: CancellationToken) -> Self {
        Controller { shutdown }
    }
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Terraform asked the provider to shut down");
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}

/// Serves `plugin.GRPCStdio`.
///
/// The provider never writes to stdout or stderr through this channel (logs
/// go to stderr directly), so the stream stays open and silent until the
/// process shuts down.
pub struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    pub fn new(shutdown: CancellationToken) -> Self {
        Stdio { shutdown }
    }
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<StdioStream>, Status> {
        // The sender is held, unused, until shutdown; dropping it ends the
        // stream cleanly.
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            drop(sender);
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}
