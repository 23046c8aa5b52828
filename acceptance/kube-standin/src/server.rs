//! The HTTP server: accepting connections on loopback and answering each
//! request from the catalog and store.
//!
//! Plain HTTP/1.1 only, bound to a loopback address: the stand-in holds no
//! secrets worth protecting but must never be reachable from elsewhere.
//! Paths under `/__standin/` are the test hooks (see [`crate::counts`]); they
//! are not counted.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE, USER_AGENT, WARNING};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::catalog::Catalog;
use crate::cli::Options;
use crate::counts::RequestCounts;
use crate::crd::{self, Crd, CrdError};
use crate::discovery::{self, AGGREGATED_CONTENT_TYPE, AGGREGATED_MARKER};
use crate::field_set::Scope;
use crate::managed_fields::Writer;
use crate::metadata;
use crate::request::{self, Query, Route};
use crate::status::ApiError;
use crate::store::Store;
use crate::verbs::{self, Call, Reply};
use crate::write::{self, Ownership, WriteRequest};

/// The namespaces a new cluster has.
const INITIAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("refusing to listen on {0}: only loopback addresses are allowed")]
    NotLoopback(SocketAddr),

    #[error(transparent)]
    Crds(#[from] CrdError),

    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },

    #[error("loading CRDs stopped unexpectedly: {0}")]
    Loader(#[from] tokio::task::JoinError),
}

/// The state every request reads: resource types, objects, request counts.
#[derive(Debug)]
pub struct ApiServer {
    catalog: Catalog,
    store: Mutex<Store>,
    counts: RequestCounts,
}

/// A started server. Dropping it stops accepting connections, as
/// [`RunningServer::stop`] does without waiting; open connections are served
/// until their clients close them or the runtime ends.
#[derive(Debug)]
pub struct RunningServer {
    /// The address bound, with the port chosen when asked for port 0.
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`, the URL clients use as `cluster_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// Loads the CRDs, binds the listener and starts serving in the background.
pub async fn start(options: &Options) -> Result<RunningServer, StartError> {
    if !options.listen.ip().is_loopback() {
        return Err(StartError::NotLoopback(options.listen));
    }
    let crds = match options.crd_dir.clone() {
        Some(dir) => {
            let without = options.without_crds.clone();
            tokio::task::spawn_blocking(move || crd::load_dir(&dir, &without)).await??
        }
        None => Vec::new(),
    };
    tracing::info!(crds = crds.len(), "loaded CRDs");
    start_with(options.listen, crds).await
}

/// Starts serving already loaded CRDs; tests use it to parse the CRD files
/// once for many servers.
pub async fn start_with(listen: SocketAddr, crds: Vec<Crd>) -> Result<RunningServer, StartError> {
    if !listen.ip().is_loopback() {
        return Err(StartError::NotLoopback(listen));
    }
    let api = Arc::new(ApiServer::new(Catalog::new(crds)));
    let bind_error = |source| StartError::Bind {
        addr: listen,
        source,
    };
    let listener = TcpListener::bind(listen).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let (shutdown, stopped) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, api, stopped));
    Ok(RunningServer {
        addr,
        shutdown,
        task,
    })
}

async fn accept_loop(
    listener: TcpListener,
    api: Arc<ApiServer>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
        };
        let api = api.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| api.clone().respond(request));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

impl ApiServer {
    /// A server over `catalog` with the initial namespaces created.
    pub fn new(catalog: Catalog) -> Self {
        let server = Self {
            catalog,
            store: Mutex::default(),
            counts: RequestCounts::default(),
        };
        server.create_initial_namespaces();
        server
    }

    fn create_initial_namespaces(&self) {
        let Some(namespaces) = self.catalog.find("", "v1", "namespaces") else {
            return;
        };
        let query = Query::default();
        let writer = Writer {
            manager: "kube-apiserver".to_owned(),
            api_version: "v1".to_owned(),
            time: metadata::now(),
        };
        let request = WriteRequest {
            resource: &namespaces,
            namespace: None,
            name: None,
            query: &query,
            writer,
            scope: Scope::WithoutStatus,
        };
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        for name in INITIAL_NAMESPACES {
            let body = json!({"metadata": {"name": name}});
            if let Err(error) = write::create(&mut store, &request, body, Ownership::Update) {
                tracing::error!(%error, namespace = name, "cannot create initial namespace");
            }
        }
    }

    async fn respond(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let response = match self.answer(request).await {
            Ok(reply) => reply_response(reply),
            Err(error) => error_response(&error),
        };
        tracing::debug!(http.method = %method, http.path = %path, http.status = response.status().as_u16());
        Ok(response)
    }

    async fn answer(&self, request: Request<Incoming>) -> Result<Reply, ApiError> {
        let (parts, body) = request.into_parts();
        let method = parts.method.as_str();
        let path = parts.uri.path();
        if let Some(hook) = path.strip_prefix("/__standin/") {
            return self.hook(method, hook);
        }
        let body = read_body(body).await?;
        let route = request::route(&self.catalog, path);
        self.counts.record(method, &path_kind(&route));
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        match route {
            Route::Object(target) => {
                let call = Call {
                    method,
                    target: &target,
                    query: &Query::parse(parts.uri.query()),
                    content_type: header(CONTENT_TYPE),
                    user_agent: header(USER_AGENT),
                    body: &body,
                };
                verbs::dispatch(&self.catalog, &self.store, &call)
            }
            route if method == "GET" => {
                let aggregated = header(ACCEPT).is_some_and(|a| a.contains(AGGREGATED_MARKER));
                self.discover(route, aggregated)
            }
            Route::Unknown => Err(ApiError::NoRoute),
            _ => Err(ApiError::MethodNotAllowed(format!(
                "{method} is not allowed on {path}"
            ))),
        }
    }

    /// The read-only endpoints: version, health and discovery.
    fn discover(&self, route: Route, aggregated: bool) -> Result<Reply, ApiError> {
        let body = match route {
            Route::Version => discovery::version(),
            Route::Health => json!("ok"),
            Route::CoreVersions if aggregated => discovery::aggregated(&self.catalog, true),
            Route::Groups if aggregated => discovery::aggregated(&self.catalog, false),
            Route::CoreVersions => discovery::core_versions(),
            Route::Groups => discovery::group_list(&self.catalog),
            Route::Group(name) => {
                discovery::group(&self.catalog, &name).ok_or(ApiError::NoRoute)?
            }
            Route::Resources { group, version } => {
                discovery::resource_list(&self.catalog, &group, &version)
                    .ok_or(ApiError::NoRoute)?
            }
            Route::Object(_) | Route::Unknown => return Err(ApiError::NoRoute),
        };
        Ok(Reply {
            code: 200,
            body,
            warnings: Vec::new(),
        })
    }

    /// `GET /__standin/requests` and `POST /__standin/reset-counts`.
    fn hook(&self, method: &str, hook: &str) -> Result<Reply, ApiError> {
        let body = match (method, hook) {
            ("GET", "requests") => self.counts.snapshot(),
            ("POST", "reset-counts") => {
                self.counts.reset();
                json!({"reset": true})
            }
            _ => return Err(ApiError::NoRoute),
        };
        Ok(Reply {
            code: 200,
            body,
            warnings: Vec::new(),
        })
    }
}

async fn read_body(body: Incoming) -> Result<Bytes, ApiError> {
    let collected = body
        .collect()
        .await
        .map_err(|error| ApiError::BadRequest(format!("cannot read the request body: {error}")))?;
    Ok(collected.to_bytes())
}

/// The path kind a request is counted under.
fn path_kind(route: &Route) -> String {
    match route {
        Route::Version => "version".to_owned(),
        Route::Health => "health".to_owned(),
        Route::Object(target) => target.path_kind(),
        Route::Unknown => "unknown".to_owned(),
        Route::CoreVersions | Route::Groups | Route::Group(_) | Route::Resources { .. } => {
            "discovery".to_owned()
        }
    }
}

fn reply_response(reply: Reply) -> Response<Full<Bytes>> {
    let content_type = if reply.body["kind"] == "APIGroupDiscoveryList" {
        AGGREGATED_CONTENT_TYPE
    } else {
        "application/json"
    };
    let mut builder = Response::builder()
        .status(reply.code)
        .header(CONTENT_TYPE, content_type);
    for warning in &reply.warnings {
        builder = builder.header(WARNING, format!("299 - {}", quoted(warning)));
    }
    builder
        .body(Full::new(Bytes::from(reply.body.to_string())))
        .unwrap_or_else(|_| internal_error())
}

fn error_response(error: &ApiError) -> Response<Full<Bytes>> {
    let body = error.to_status();
    Response::builder()
        .status(error.code())
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| internal_error())
}

fn internal_error() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(b"{}")));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// A warning text as an HTTP quoted-string.
fn quoted(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}
