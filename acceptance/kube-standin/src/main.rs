//! `kube-standin`: a Kubernetes API server stand-in for acceptance tests.
//!
//! Starts the server, prints `listening http://127.0.0.1:PORT` on stdout
//! once it accepts connections, and serves until SIGTERM or SIGINT.

#![forbid(unsafe_code)]

use std::io::Write as _;
use std::process::ExitCode;

use kube_standin::cli::{CliError, Options, USAGE};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    init_logging();
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(CliError::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("kube-standin: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kube-standin: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `KUBE_STANDIN_LOG` (default `warn`).
fn init_logging() {
    let filter =
        EnvFilter::try_from_env("KUBE_STANDIN_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let started = std::time::Instant::now();
        let server = kube_standin::start(&options).await?;
        // Handlers go in before the announcement: a test that reads the
        // line and sends SIGTERM at once must see a clean exit.
        let mut shutdown = Shutdown::install()?;
        let elapsed_ms = started.elapsed().as_millis();
        tracing::info!(elapsed_ms, url = %server.url(), "serving");
        announce(&server.url())?;
        shutdown.wait().await;
        server.stop().await;
        Ok(())
    })
}

/// Prints the one line tests wait for, and flushes it.
fn announce(url: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening {url}")?;
    stdout.flush()
}

/// SIGTERM and SIGINT handlers.
struct Shutdown {
    terminate: Signal,
    interrupt: Signal,
}

impl Shutdown {
    fn install() -> std::io::Result<Self> {
        let terminate = signal(SignalKind::terminate())?;
        let interrupt = signal(SignalKind::interrupt())?;
        Ok(Self {
            terminate,
            interrupt,
        })
    }

    /// Resolves on the first SIGTERM or SIGINT.
    async fn wait(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}
