//! The `tfplugin6.Provider` service: one handler per RPC.
//!
//! Every handler has the same shape: open a span naming the RPC, the
//! resource type and a request id; find the resource; decode; call; encode;
//! return diagnostics. Protocol semantics shared by all resources live in
//! [`plan`] and [`state`], conversions in [`convert`].

pub mod convert;
pub mod plan;
pub mod state;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tracing::Instrument as _;

use crate::backends::Backends;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider;
use crate::provider::config::ProviderConfig;
use crate::resources::{Context, Resource};
use crate::schema::Schema;
use crate::value::Type;

/// The provider as Terraform sees it: resources, schemas, configuration.
pub struct ProviderServer {
    inner: Arc<Inner>,
}

struct Inner {
    provider_schema: Schema,
    resources: BTreeMap<&'static str, Registered>,
    /// Built once: Terraform asks for schemas many times per run.
    schema_response: pb::get_provider_schema::Response,
    backends: RwLock<Option<Arc<Backends>>>,
    /// Cancelled by `StopProvider`; in-flight work watches it.
    stop: CancellationToken,
    next_request: AtomicU64,
}

/// A resource with its schema and the schema's value type, computed once.
pub struct Registered {
    pub resource: Box<dyn Resource>,
    pub schema: Schema,
    pub ty: Type,
}

impl Default for ProviderServer {
    fn default() -> Self {
        Self::new()
    }
}

impl ProviderServer {
    /// A server for every resource of this provider.
    pub fn new() -> Self {
        Self::with_resources(crate::resources::all())
    }

    /// A server for the given resources (tests use their own).
    pub fn with_resources(resources: Vec<Box<dyn Resource>>) -> Self {
        let provider_schema = crate::provider::config::schema();
        let resources: BTreeMap<_, _> = resources
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let ty = schema.block.value_type();
                (
                    resource.type_name(),
                    Registered {
                        resource,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let schema_response = schema_response(&provider_schema, &resources);
        let inner = Inner {
            provider_schema,
            resources,
            schema_response,
            backends: RwLock::new(None),
            stop: CancellationToken::new(),
            next_request: AtomicU64::new(1),
        };
        ProviderServer {
            inner: Arc::new(inner),
        }
    }

    /// A token cancelled when Terraform calls `StopProvider`.
    pub fn stop_token(&self) -> CancellationToken {
        self.inner.stop.clone()
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: true,
        generate_resource_config: false,
    }
}

fn schema_response(
    provider: &Schema,
    resources: &BTreeMap<&'static str, Registered>,
) -> pb::get_provider_schema::Response {
    let resource_schemas = resources
        .iter()
        .map(|(name, registered)| (name.to_string(), convert::schema(&registered.schema)))
        .collect();
    pb::get_provider_schema::Response {
        provider: Some(convert::schema(provider)),
        resource_schemas,
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

impl Inner {
    fn span(&self, rpc: &'static str, type_name: &str) -> tracing::Span {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        tracing::info_span!(
            "rpc",
            tf_rpc = rpc,
            tf_resource_type = type_name,
            tf_req_id = id
        )
    }

    fn resource(&self, type_name: &str) -> Result<&Registered, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type \"{type_name}\"."),
            )
            .into()
        })
    }

    fn context(&self) -> Context {
        let backends = self.backends.read().ok().and_then(|guard| guard.clone());
        Context {
            backends,
            stop: self.stop.clone(),
        }
    }
}

/// Turns a handler's result into its diagnostics, errors included.
fn all_diagnostics<T>(result: Result<(T, Diagnostics), Diagnostics>) -> (Option<T>, Diagnostics) {
    match result {
        Ok((value, diagnostics)) => (Some(value), diagnostics),
        Err(diagnostics) => (None, diagnostics),
    }
}

#[tonic::async_trait]
impl Provider for ProviderServer {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let _span = self.inner.span("GetMetadata", "").entered();
        let resources = self.inner.resources.keys();
        let resources = resources
            .map(|name| pb::get_metadata::ResourceMetadata {
                type_name: name.to_string(),
            })
            .collect();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources,
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let _span = self.inner.span("GetProviderSchema", "").entered();
        Ok(Response::new(self.inner.schema_response.clone()))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        let _span = self.inner.span("GetFunctions", "").entered();
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let name = request.into_inner().name;
        let _span = self.inner.span("CallFunction", "").entered();
        let error = pb::FunctionError {
            text: format!("This provider has no function \"{name}\"."),
            function_argument: None,
        };
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(error),
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        let _span = self.inner.span("ValidateProviderConfig", "").entered();
        let ty = self.inner.provider_schema.block.value_type();
        let diagnostics = match convert::decode(request.config.as_ref(), &ty) {
            Ok(config) => crate::provider::config::validate(&config),
            Err(diagnostics) => diagnostics,
        };
        let diagnostics = convert::diagnostics(diagnostics);
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics,
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        let _span = self
            .inner
            .span("ValidateResourceConfig", &request.type_name)
            .entered();
        let diagnostics = self
            .inner
            .resource(&request.type_name)
            .and_then(|registered| {
                let config = convert::decode(request.config.as_ref(), &registered.ty)?;
                Ok(registered.resource.validate(&config))
            });
        let diagnostics = convert::diagnostics(diagnostics.unwrap_or_else(|d| d));
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics,
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        let _span = self
            .inner
            .span("ValidateDataResourceConfig", &request.type_name)
            .entered();
        let diagnostics = convert::diagnostics(no_data_source(&request.type_name));
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics,
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        let _span = self.inner.span("ConfigureProvider", "").entered();
        tracing::debug!(terraform_version = %request.terraform_version, "configuring");
        let ty = self.inner.provider_schema.block.value_type();
        let diagnostics = convert::decode(request.config.as_ref(), &ty)
            .and_then(|config| ProviderConfig::from_value(&config))
            .map(|configuration| {
                let backends = Backends::new(Arc::new(configuration));
                if let Ok(mut slot) = self.inner.backends.write() {
                    *slot = Some(Arc::new(backends));
                }
                Diagnostics::default()
            });
        let diagnostics = convert::diagnostics(diagnostics.unwrap_or_else(|d| d));
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics,
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        let _span = self.inner.span("StopProvider", "").entered();
        tracing::info!("Terraform asked to stop; cancelling in-flight work");
        self.inner.stop.cancel();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let _span = self
            .inner
            .span("UpgradeResourceState", &request.type_name)
            .entered();
        let result = self
            .inner
            .resource(&request.type_name)
            .and_then(|registered| {
                let raw = request.raw_state.unwrap_or_default();
                if raw.json.is_empty() && !raw.flatmap.is_empty() {
                    return Err(state::flatmap_refused());
                }
                let state = state::upgrade(registered, request.version, &raw.json)?;
                convert::encode(&state, &registered.ty)
            });
        let (upgraded_state, diagnostics) = match result {
            Ok(state) => (Some(state), Vec::new()),
            Err(diagnostics) => (None, convert::diagnostics(diagnostics)),
        };
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics,
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        let span = self.inner.span("ReadResource", &request.type_name);
        let result = async {
            let registered = self.inner.resource(&request.type_name)?;
            let current = convert::decode(request.current_state.as_ref(), &registered.ty)?;
            let context = self.inner.context();
            let read = registered
                .resource
                .read(&context, current, request.private)
                .await?;
            let new_state = convert::encode(&read.state, &registered.ty)?;
            Ok((
                pb::read_resource::Response {
                    new_state: Some(new_state),
                    private: read.private,
                    ..Default::default()
                },
                read.diagnostics,
            ))
        }
        .instrument(span)
        .await;
        let (response, diagnostics) = all_diagnostics(result);
        let mut response = response.unwrap_or_default();
        response.diagnostics = convert::diagnostics(diagnostics);
        Ok(Response::new(response))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        let span = self.inner.span("PlanResourceChange", &request.type_name);
        let _entered = span.enter();
        let result = self
            .inner
            .resource(&request.type_name)
            .and_then(|registered| {
                let decode = |value| convert::decode(value, &registered.ty);
                let prior = decode(request.prior_state.as_ref())?;
                let proposed = decode(request.proposed_new_state.as_ref())?;
                let config = decode(request.config.as_ref())?;
                let planned = state::plan(
                    &self.inner.context(),
                    registered,
                    &prior,
                    &proposed,
                    &config,
                )?;
                let requires_replace = planned
                    .requires_replace
                    .iter()
                    .map(convert::attribute_path)
                    .collect();
                Ok((
                    pb::plan_resource_change::Response {
                        planned_state: Some(convert::encode(&planned.state, &registered.ty)?),
                        requires_replace,
                        planned_private: request.prior_private,
                        ..Default::default()
                    },
                    planned.diagnostics,
                ))
            });
        let (response, diagnostics) = all_diagnostics(result);
        let mut response = response.unwrap_or_default();
        response.diagnostics = convert::diagnostics(diagnostics);
        Ok(Response::new(response))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        let span = self.inner.span("ApplyResourceChange", &request.type_name);
        let result = async {
            let registered = self.inner.resource(&request.type_name)?;
            let decode = |value| convert::decode(value, &registered.ty);
            let prior = decode(request.prior_state.as_ref())?;
            let planned = decode(request.planned_state.as_ref())?;
            let config = decode(request.config.as_ref())?;
            let context = self.inner.context();
            let applied = registered
                .resource
                .apply(&context, prior, planned, config, request.planned_private)
                .await;
            let new_state = convert::encode(&applied.state, &registered.ty)?;
            Ok((
                pb::apply_resource_change::Response {
                    new_state: Some(new_state),
                    private: applied.private,
                    ..Default::default()
                },
                applied.diagnostics,
            ))
        }
        .instrument(span)
        .await;
        let (response, diagnostics) = all_diagnostics(result);
        let mut response = response.unwrap_or_default();
        response.diagnostics = convert::diagnostics(diagnostics);
        Ok(Response::new(response))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        let span = self.inner.span("ImportResourceState", &request.type_name);
        let result = async {
            let registered = self.inner.resource(&request.type_name)?;
            let context = self.inner.context();
            let imported = registered.resource.import(&context, &request.id).await?;
            let state = convert::encode(&imported.state, &registered.ty)?;
            let resource = pb::import_resource_state::ImportedResource {
                // Terraform drops an imported object without its type name.
                type_name: request.type_name.clone(),
                state: Some(state),
                private: imported.private,
                identity: None,
            };
            Ok((vec![resource], imported.diagnostics))
        }
        .instrument(span)
        .await;
        let (imported, diagnostics) = all_diagnostics(result);
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported.unwrap_or_default(),
            diagnostics: convert::diagnostics(diagnostics),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        let _span = self
            .inner
            .span("MoveResourceState", &request.target_type_name)
            .entered();
        let diagnostics = Diagnostic::error(
            "Cannot move state into this resource type",
            format!(
                "No resource of this provider accepts state moved from \"{}\" ({}). \
                 Import the object instead.",
                request.source_type_name, request.source_provider_address
            ),
        );
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: convert::diagnostics(diagnostics.into()),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let _span = self
            .inner
            .span("ReadDataSource", &request.type_name)
            .entered();
        let diagnostics = convert::diagnostics(no_data_source(&request.type_name));
        Ok(Response::new(pb::read_data_source::Response {
            diagnostics,
            ..Default::default()
        }))
    }
}

fn no_data_source(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unknown data source",
        format!("This provider has no data source \"{type_name}\"."),
    )
    .into()
}
