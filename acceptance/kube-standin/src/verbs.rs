//! The Kubernetes verbs on objects and collections: get, list, create,
//! update (PUT), patch, delete and deletecollection.
//!
//! Each verb has the same shape: check the request, lock the store, read or
//! write through [`crate::write`], and return a [`Reply`]. Watches are not
//! served (405): the provider does not use them.

use std::sync::Mutex;

use serde_json::{Value, json};

use crate::apply::{self, Apply};
use crate::catalog::{Catalog, ResourceType};
use crate::field_error::{FieldError, FieldPath};
use crate::field_set::Scope;
use crate::labels::Selector;
use crate::managed_fields::Writer;
use crate::metadata;
use crate::patch::{self, PatchKind};
use crate::request::{Query, Target};
use crate::status::ApiError;
use crate::store::Store;
use crate::write::{self, Ownership, WriteRequest};
use crate::yaml;

/// Namespaces the real server refuses to delete.
const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// A successful answer: HTTP status, JSON body, `Warning` header texts.
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub body: Value,
    pub warnings: Vec<String>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            code: 200,
            body,
            warnings: Vec::new(),
        }
    }
}

/// One request for an object or collection.
pub struct Call<'a> {
    pub method: &'a str,
    pub target: &'a Target,
    pub query: &'a Query,
    pub content_type: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub body: &'a [u8],
}

/// Carries out a call against the catalog and store.
pub fn dispatch(
    catalog: &Catalog,
    store: &Mutex<Store>,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    let resource = &call.target.resource;
    let named = call.target.name.is_some();
    if resource.read_only {
        return read_only(catalog, call);
    }
    let mut store = store.lock().unwrap_or_else(|poison| poison.into_inner());
    match (call.method, named) {
        ("GET", true) => get(&store, call),
        ("GET", false) if call.query.watch => Err(not_served("watch", resource)),
        ("GET", false) => list(&store, call),
        ("POST", false) => create(&mut store, call),
        ("PUT", true) => replace(&mut store, call),
        ("PATCH", true) => patch(&mut store, call),
        ("DELETE", true) => delete(&mut store, call),
        ("DELETE", false) => delete_collection(&mut store, call),
        (method, _) => Err(not_served(method, resource)),
    }
}

fn not_served(verb: &str, resource: &ResourceType) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{verb} is not supported on {} by kube-standin",
        resource.qualified()
    ))
}

/// CustomResourceDefinitions: get and list of the loaded CRDs.
fn read_only(catalog: &Catalog, call: &Call<'_>) -> Result<Reply, ApiError> {
    let resource = &call.target.resource;
    if call.method != "GET" || call.query.watch {
        return Err(not_served(call.method, resource));
    }
    let crds: Vec<&Value> = catalog
        .crds()
        .iter()
        .map(|crd| crd.object.as_ref())
        .collect();
    let Some(name) = &call.target.name else {
        let items = filter(crds, call.query)?;
        return Ok(Reply::ok(list_body(resource, items, 1)));
    };
    let found = crds
        .into_iter()
        .find(|crd| crd["metadata"]["name"] == name.as_str());
    let not_found = || ApiError::NotFound {
        resource: resource.qualified(),
        name: name.clone(),
    };
    found
        .map(|crd| Reply::ok(crd.clone()))
        .ok_or_else(not_found)
}

/// The object as served at the requested version.
fn served(resource: &ResourceType, object: &Value) -> Value {
    let mut object = object.clone();
    object["apiVersion"] = json!(resource.api_version());
    object
}

fn get(store: &Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let target = call.target;
    let name = target.name.as_deref().unwrap_or_default();
    let namespace = target.namespace.as_deref().unwrap_or_default();
    let object = write::find(store, &target.resource, namespace, name)?;
    Ok(Reply::ok(served(&target.resource, &object)))
}

fn list(store: &Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let resource = &call.target.resource;
    let items = store.list(&resource.store_key(), call.target.namespace.as_deref());
    let items = filter(items, call.query)?;
    Ok(Reply::ok(list_body(resource, items, store.revision())))
}

/// Applies the label and field selectors of a list request.
fn filter<'a>(items: Vec<&'a Value>, query: &Query) -> Result<Vec<&'a Value>, ApiError> {
    let labels = Selector::parse(query.label_selector.as_deref().unwrap_or_default())?;
    let fields = field_selector(query.field_selector.as_deref().unwrap_or_default())?;
    let matches_fields = |item: &Value| {
        fields
            .iter()
            .all(|(path, value)| item["metadata"][path] == value.as_str())
    };
    Ok(items
        .into_iter()
        .filter(|item| labels.matches(item) && matches_fields(item))
        .collect())
}

/// Parses `metadata.name=x,metadata.namespace=y`, the field selectors every
/// resource supports.
fn field_selector(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let parts = text.split(',').filter(|part| !part.trim().is_empty());
    parts
        .map(|part| {
            let (field, value) = part
                .split_once("==")
                .or_else(|| part.split_once('='))
                .unwrap_or((part, ""));
            match field.trim().strip_prefix("metadata.") {
                Some(name @ ("name" | "namespace")) => {
                    Ok((name.to_owned(), value.trim().to_owned()))
                }
                _ => Err(ApiError::BadRequest(format!(
                    "field label not supported: {}",
                    field.trim()
                ))),
            }
        })
        .collect()
}

fn list_body(resource: &ResourceType, items: Vec<&Value>, revision: u64) -> Value {
    let items: Vec<Value> = items
        .into_iter()
        .map(|item| served(resource, item))
        .collect();
    json!({
        "apiVersion": resource.api_version(),
        "kind": format!("{}List", resource.kind),
        "metadata": {"resourceVersion": revision.to_string()},
        "items": items,
    })
}

/// The write request a call makes.
fn write_request<'a>(call: &'a Call<'_>) -> WriteRequest<'a> {
    let target = call.target;
    let resource = target.resource.as_ref();
    let scope = match (target.status, resource.status_subresource) {
        (true, _) => Scope::StatusOnly,
        (false, true) => Scope::WithoutStatus,
        (false, false) => Scope::Whole,
    };
    WriteRequest {
        resource,
        namespace: target.namespace.as_deref(),
        name: target.name.as_deref(),
        query: call.query,
        writer: writer(call, resource),
        scope,
    }
}

/// The manager: `fieldManager`, else the user agent's product name, as the
/// real server derives it.
fn writer(call: &Call<'_>, resource: &ResourceType) -> Writer {
    let from_agent = call.user_agent.and_then(|agent| agent.split('/').next());
    let manager = call
        .query
        .field_manager
        .as_deref()
        .filter(|m| !m.is_empty())
        .or(from_agent);
    Writer {
        manager: manager.unwrap_or("unknown").to_owned(),
        api_version: resource.api_version(),
        time: metadata::now(),
    }
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError::BadRequest(format!("the request body is not valid JSON: {error}"))
    })
}

fn create(store: &mut Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let request = write_request(call);
    let written = write::create(store, &request, json_body(call.body)?, Ownership::Update)?;
    let body = served(request.resource, &written.object);
    Ok(Reply {
        code: 201,
        body,
        warnings: written.warnings,
    })
}

fn replace(store: &mut Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let request = write_request(call);
    let old = write::existing(store, &request)?;
    let written = write::update(
        store,
        &request,
        &old,
        json_body(call.body)?,
        Ownership::Update,
    )?;
    let body = served(request.resource, &written.object);
    Ok(Reply {
        code: 200,
        body,
        warnings: written.warnings,
    })
}

fn patch(store: &mut Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let request = write_request(call);
    let written = match PatchKind::from_content_type(call.content_type)? {
        PatchKind::Apply => return server_side_apply(store, call, &request),
        PatchKind::Merge => {
            let old = write::existing(store, &request)?;
            let mut new = old.clone();
            patch::merge(&mut new, &json_body(call.body)?);
            write::update(store, &request, &old, new, Ownership::Update)?
        }
        PatchKind::Json => {
            let old = write::existing(store, &request)?;
            let mut new = old.clone();
            patch::json_patch(&mut new, &json_body(call.body)?)?;
            write::update(store, &request, &old, new, Ownership::Update)?
        }
    };
    let body = served(request.resource, &written.object);
    Ok(Reply {
        code: 200,
        body,
        warnings: written.warnings,
    })
}

fn server_side_apply(
    store: &mut Store,
    call: &Call<'_>,
    request: &WriteRequest<'_>,
) -> Result<Reply, ApiError> {
    require_field_manager(call.query)?;
    let config = applied_configuration(call.body, request.resource)?;
    let old = write::existing(store, request).ok();
    let live = old.clone().unwrap_or_else(|| skeleton(request));
    let apply = Apply {
        config: &config,
        writer: &request.writer,
        force: call.query.force,
        scope: request.scope,
    };
    let (object, entries) = apply::apply(&live, &apply)?;
    let ownership = Ownership::Applied(entries);
    let (code, written) = match &old {
        Some(old) => (200, write::update(store, request, old, object, ownership)?),
        None if call.target.status => {
            let name = request.name.unwrap_or_default().to_owned();
            return Err(ApiError::NotFound {
                resource: request.resource.qualified(),
                name,
            });
        }
        None => (201, write::create(store, request, object, ownership)?),
    };
    let body = served(request.resource, &written.object);
    Ok(Reply {
        code,
        body,
        warnings: written.warnings,
    })
}

fn require_field_manager(query: &Query) -> Result<(), ApiError> {
    if query
        .field_manager
        .as_deref()
        .is_some_and(|m| !m.is_empty())
    {
        return Ok(());
    }
    let error = FieldError::required_because(
        FieldPath::root().child("fieldManager"),
        "is required for apply patch",
    );
    Err(ApiError::Invalid {
        kind: "PatchOptions".to_owned(),
        group: "meta.k8s.io".to_owned(),
        name: String::new(),
        errors: vec![error],
    })
}

/// Decodes an apply body, which must name its apiVersion and kind.
fn applied_configuration(body: &[u8], resource: &ResourceType) -> Result<Value, ApiError> {
    let config = yaml::document(body).map_err(|error| ApiError::BadRequest(error.to_string()))?;
    let declared = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
    };
    if !config.is_object() || !declared("apiVersion") || !declared("kind") {
        return Err(ApiError::BadRequest(format!(
            "an applied configuration must be an object that sets apiVersion and kind ({} {})",
            resource.api_version(),
            resource.kind
        )));
    }
    Ok(config)
}

/// The object an apply starts from when nothing is stored yet.
fn skeleton(request: &WriteRequest<'_>) -> Value {
    let mut object = json!({
        "apiVersion": request.resource.api_version(),
        "kind": request.resource.kind,
        "metadata": {"name": request.name.unwrap_or_default()},
    });
    if let Some(namespace) = request.namespace {
        object["metadata"]["namespace"] = json!(namespace);
    }
    object
}

fn delete(store: &mut Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let request = write_request(call);
    let namespace = request.namespace.unwrap_or_default();
    let removed = remove(store, &request, namespace, request.name.unwrap_or_default())?;
    Ok(Reply::ok(deleted_status(request.resource, &removed)))
}

/// Removes one object; deleting a namespace removes its contents too.
fn remove(
    store: &mut Store,
    request: &WriteRequest<'_>,
    namespace: &str,
    name: &str,
) -> Result<Value, ApiError> {
    let existing = write::find(store, request.resource, namespace, name)?;
    let is_namespace = request.resource.group.is_empty() && request.resource.kind == "Namespace";
    if is_namespace && SYSTEM_NAMESPACES.contains(&name) {
        return Err(ApiError::Forbidden(format!(
            "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
        )));
    }
    if request.query.dry_run {
        return Ok(existing);
    }
    store.remove(&request.key(), namespace, name);
    if is_namespace {
        store.remove_namespace(name);
    }
    Ok(existing)
}

/// The `Status` a delete returns: success, naming what was deleted.
fn deleted_status(resource: &ResourceType, object: &Value) -> Value {
    let mut details = json!({
        "name": object["metadata"]["name"],
        "kind": resource.plural,
        "uid": object["metadata"]["uid"],
    });
    if !resource.group.is_empty() {
        details["group"] = json!(resource.group);
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

fn delete_collection(store: &mut Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let request = write_request(call);
    let identities: Vec<(String, String)> = {
        let items = store.list(&request.key(), request.namespace);
        let text = |item: &Value, field: &str| {
            item["metadata"][field]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let items = filter(items, call.query)?;
        items
            .iter()
            .map(|item| (text(item, "namespace"), text(item, "name")))
            .collect()
    };
    for (namespace, name) in &identities {
        remove(store, &request, namespace, name)?;
    }
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"});
    Ok(Reply::ok(status))
}
