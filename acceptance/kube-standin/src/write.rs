//! The write path shared by create, replace, patch and apply.
//!
//! Every write goes through the same steps as in a real API server:
//!
//! 1. **admit**: check the object's kind, name and namespace against the
//!    request; for custom resources prune unknown fields, apply defaults and
//!    validate against the CRD schema; convert built-in quirks (a Secret's
//!    `stringData`);
//! 2. **stamp**: write server-owned metadata (`uid`, `creationTimestamp`,
//!    `generation`, `resourceVersion`) and keep what the client may not
//!    change;
//! 3. **record** which manager owns which fields (`managedFields`);
//! 4. **store**, unless the request is a dry run or changes nothing.
//!
//! Unknown fields are handled per the `fieldValidation` parameter: `Warn`
//! (the real server's default) prunes them and says so in a `Warning` header,
//! `Ignore` prunes silently, `Strict` rejects the request with 400.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::catalog::ResourceType;
use crate::defaults::default_object;
use crate::field_error::{FieldError, FieldPath};
use crate::field_set::Scope;
use crate::managed_fields::{self, Entry, Writer};
use crate::metadata;
use crate::prune::prune_object;
use crate::request::Query;
use crate::status::ApiError;
use crate::store::{ResourceKey, Store};
use crate::validate::validate_object;

/// Everything a write needs to know about its request.
pub struct WriteRequest<'a> {
    pub resource: &'a ResourceType,
    /// The namespace in the URL.
    pub namespace: Option<&'a str>,
    /// The name in the URL (absent for create).
    pub name: Option<&'a str>,
    pub query: &'a Query,
    pub writer: Writer,
    /// Which part of the object the request writes.
    pub scope: Scope,
}

/// How ownership is recorded for a write.
pub enum Ownership {
    /// An update: the writer takes the fields it changed.
    Update,
    /// A server-side apply that already computed the entries.
    Applied(Vec<Entry>),
}

/// A stored (or, for a dry run, would-be stored) object and the warnings to
/// send with it.
pub struct Written {
    pub object: Value,
    pub warnings: Vec<String>,
}

impl WriteRequest<'_> {
    /// Where objects of this request's resource are stored.
    pub fn key(&self) -> ResourceKey {
        self.resource.store_key()
    }

    fn namespace_key(&self) -> String {
        self.namespace.unwrap_or_default().to_owned()
    }
}

/// Creates a new object.
pub fn create(
    store: &mut Store,
    request: &WriteRequest<'_>,
    body: Value,
    ownership: Ownership,
) -> Result<Written, ApiError> {
    let mut object = body;
    generate_name(&mut object);
    let warnings = admit(request, &mut object)?;
    let name = object_name(&object);
    check_namespace_exists(store, request)?;
    if store
        .get(&request.key(), &request.namespace_key(), &name)
        .is_some()
    {
        let resource = request.resource.qualified();
        return Err(ApiError::AlreadyExists { resource, name });
    }
    stamp_new(request, &mut object)?;
    let mut entries = entries_after(ownership, None, &object, request);
    finish_ownership(&mut object, &mut entries);
    let object = commit(store, request, &name, object);
    Ok(Written { object, warnings })
}

/// Replaces `old` with `new`: the common end of PUT, PATCH and apply.
pub fn update(
    store: &mut Store,
    request: &WriteRequest<'_>,
    old: &Value,
    new: Value,
    ownership: Ownership,
) -> Result<Written, ApiError> {
    let mut object = scoped(request, old, new);
    let warnings = admit(request, &mut object)?;
    check_resource_version(request, old, &object)?;
    carry_over(request.resource, old, &mut object);
    let mut entries = entries_after(ownership, Some(old), &object, request);
    finish_ownership(&mut object, &mut entries);
    if unchanged(old, &object) {
        return Ok(Written {
            object: old.clone(),
            warnings,
        });
    }
    let name = object_name(&object);
    let object = commit(store, request, &name, object);
    Ok(Written { object, warnings })
}

/// Reads the object named in a request, or fails with NotFound.
pub fn existing(store: &Store, request: &WriteRequest<'_>) -> Result<Value, ApiError> {
    let name = request.name.unwrap_or_default();
    find(
        store,
        request.resource,
        request.namespace.unwrap_or_default(),
        name,
    )
}

/// Reads one object, or fails with NotFound.
pub fn find(
    store: &Store,
    resource: &ResourceType,
    namespace: &str,
    name: &str,
) -> Result<Value, ApiError> {
    let found = store.get(&resource.store_key(), namespace, name).cloned();
    found.ok_or_else(|| ApiError::NotFound {
        resource: resource.qualified(),
        name: name.to_owned(),
    })
}

fn commit(store: &mut Store, request: &WriteRequest<'_>, name: &str, object: Value) -> Value {
    if request.query.dry_run {
        return object;
    }
    let key = (request.namespace_key(), name.to_owned());
    store.put(&request.key(), key, object)
}

/// The object a write proposes, limited to the part its scope may change:
/// main-resource writes keep the stored status, status writes keep the rest.
fn scoped(request: &WriteRequest<'_>, old: &Value, mut new: Value) -> Value {
    match request.scope {
        Scope::Whole => new,
        Scope::WithoutStatus => {
            set_or_remove(&mut new, "status", old.get("status").cloned());
            new
        }
        Scope::StatusOnly => {
            let mut object = old.clone();
            set_or_remove(&mut object, "status", new.get("status").cloned());
            if let Some(version) = new.pointer("/metadata/resourceVersion").cloned() {
                object["metadata"]["resourceVersion"] = version;
            }
            object
        }
    }
}

fn set_or_remove(object: &mut Value, key: &str, value: Option<Value>) {
    let Some(fields) = object.as_object_mut() else {
        return;
    };
    match value {
        Some(value) => fields.insert(key.to_owned(), value),
        None => fields.remove(key),
    };
}

/// Checks and normalises a proposed object; returns the warnings to send.
fn admit(request: &WriteRequest<'_>, object: &mut Value) -> Result<Vec<String>, ApiError> {
    if !object.is_object() {
        return Err(ApiError::BadRequest(
            "the request body must be a JSON object".to_owned(),
        ));
    }
    check_type(request.resource, object)?;
    check_identity(request, object)?;
    let warnings = prune_and_default(request, object)?;
    convert_built_in(request.resource, object);
    let errors = validation_errors(request.resource, object);
    if !errors.is_empty() {
        return Err(invalid(request.resource, object, errors));
    }
    Ok(warnings)
}

fn check_type(resource: &ResourceType, object: &mut Value) -> Result<(), ApiError> {
    let expected = resource.api_version();
    let api_version = object["apiVersion"]
        .as_str()
        .unwrap_or(&expected)
        .to_owned();
    let kind = object["kind"].as_str().unwrap_or(&resource.kind).to_owned();
    if api_version != expected {
        return Err(ApiError::BadRequest(format!(
            "the API version in the data ({api_version}) does not match the expected API \
             version ({expected})"
        )));
    }
    if kind != resource.kind {
        return Err(ApiError::BadRequest(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            resource.kind
        )));
    }
    object["apiVersion"] = json!(expected);
    object["kind"] = json!(resource.kind);
    Ok(())
}

/// Makes the object's name and namespace agree with the URL.
fn check_identity(request: &WriteRequest<'_>, object: &mut Value) -> Result<(), ApiError> {
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    let metadata = &mut object["metadata"];
    let body_name = metadata["name"].as_str().unwrap_or_default().to_owned();
    match request.name {
        Some(name) if !body_name.is_empty() && body_name != name => {
            return Err(ApiError::BadRequest(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        Some(name) => metadata["name"] = json!(name),
        None => {}
    }
    let body_namespace = metadata["namespace"].as_str().map(str::to_owned);
    match (
        request.resource.namespaced,
        request.namespace,
        body_namespace,
    ) {
        (true, Some(url), Some(body)) if !body.is_empty() && body != url => {
            Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the \
                 request"
                    .to_owned(),
            ))
        }
        (true, Some(url), _) => {
            metadata["namespace"] = json!(url);
            Ok(())
        }
        _ => {
            metadata.as_object_mut().map(|m| m.remove("namespace"));
            Ok(())
        }
    }
}

fn prune_and_default(
    request: &WriteRequest<'_>,
    object: &mut Value,
) -> Result<Vec<String>, ApiError> {
    let Some(schema) = &request.resource.schema else {
        return Ok(Vec::new());
    };
    let schema = schema.get();
    let unknown = prune_object(object, schema);
    default_object(object, schema);
    let texts: Vec<String> = unknown
        .iter()
        .map(|path| format!("unknown field \"{path}\""))
        .collect();
    match request.query.field_validation.as_deref() {
        Some("Strict") if !texts.is_empty() => Err(ApiError::BadRequest(format!(
            "strict decoding error: {}",
            texts.join(", ")
        ))),
        Some("Ignore") => Ok(Vec::new()),
        _ => Ok(texts),
    }
}

/// Built-in conversions the real server makes on decode or create.
fn convert_built_in(resource: &ResourceType, object: &mut Value) {
    match (resource.group.as_str(), resource.kind.as_str()) {
        ("", "Secret") => merge_string_data(object),
        ("", "Namespace") => {
            object["spec"]["finalizers"] = json!(["kubernetes"]);
            object["status"] = json!({"phase": "Active"});
        }
        _ => {}
    }
}

/// Moves a Secret's `stringData` into `data`, base64-encoded; `stringData`
/// wins over `data` for the same key and is never stored.
fn merge_string_data(object: &mut Value) {
    let Some(Value::Object(plain)) = object.as_object_mut().and_then(|o| o.remove("stringData"))
    else {
        return;
    };
    if !object["data"].is_object() {
        object["data"] = Value::Object(Map::new());
    }
    for (key, value) in plain {
        let text = value.as_str().unwrap_or_default();
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        object["data"][key] = json!(encoded);
    }
    if object.get("type").is_none_or(Value::is_null) {
        object["type"] = json!("Opaque");
    }
}

fn validation_errors(resource: &ResourceType, object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    if name.is_empty() {
        let path = FieldPath::root().child("metadata").child("name");
        errors.push(FieldError::required_because(
            path,
            "name or generateName is required",
        ));
    } else if let Some(error) = resource.name_rule.check(name) {
        errors.push(error);
    }
    errors.extend(metadata::check_labels_and_annotations(&object["metadata"]));
    if let Some(schema) = &resource.schema {
        errors.extend(validate_object(object, schema.get()));
    }
    errors
}

fn invalid(resource: &ResourceType, object: &Value, errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid {
        kind: resource.kind.clone(),
        group: resource.group.clone(),
        name: object_name(object),
        errors,
    }
}

fn object_name(object: &Value) -> String {
    object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `generateName: runner-` becomes `name: runner-x7k2q` when no name is set.
fn generate_name(object: &mut Value) {
    let metadata = &mut object["metadata"];
    let has_name = metadata["name"]
        .as_str()
        .is_some_and(|name| !name.is_empty());
    if let (false, Some(prefix)) = (has_name, metadata["generateName"].as_str()) {
        metadata["name"] = json!(format!("{prefix}{}", metadata::name_suffix()));
    }
}

fn check_namespace_exists(store: &Store, request: &WriteRequest<'_>) -> Result<(), ApiError> {
    let Some(namespace) = request.namespace.filter(|_| request.resource.namespaced) else {
        return Ok(());
    };
    let namespaces = ResourceKey {
        group: String::new(),
        plural: "namespaces".to_owned(),
    };
    match store.get(&namespaces, "", namespace) {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound {
            resource: "namespaces".into(),
            name: namespace.into(),
        }),
    }
}

/// Server-owned metadata of a new object.
fn stamp_new(request: &WriteRequest<'_>, object: &mut Value) -> Result<(), ApiError> {
    let resource = request.resource;
    let metadata = &mut object["metadata"];
    if metadata["resourceVersion"]
        .as_str()
        .is_some_and(|rv| !rv.is_empty())
    {
        let message = "resourceVersion should not be set on objects to be created";
        return Err(ApiError::BadRequest(message.to_owned()));
    }
    if let Some(fields) = metadata.as_object_mut() {
        for key in [
            "uid",
            "generation",
            "deletionTimestamp",
            "selfLink",
            "managedFields",
        ] {
            fields.remove(key);
        }
    }
    metadata["uid"] = json!(metadata::new_uid());
    metadata["creationTimestamp"] = json!(request.writer.time);
    if resource.tracks_generation {
        metadata["generation"] = json!(1);
    }
    if resource.status_subresource && resource.kind != "Namespace" {
        set_or_remove(object, "status", None);
    }
    Ok(())
}

/// Optimistic concurrency: a resourceVersion in the body must be current.
fn check_resource_version(
    request: &WriteRequest<'_>,
    old: &Value,
    new: &Value,
) -> Result<(), ApiError> {
    let sent = new["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    let current = old["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    if sent.is_empty() || sent == current {
        return Ok(());
    }
    Err(ApiError::Conflict {
        resource: request.resource.qualified(),
        name: object_name(old),
        detail: "the object has been modified; please apply your changes to the latest version \
                 and try again"
            .to_owned(),
    })
}

/// Keeps what a client may not change and bumps `generation` when the
/// object's spec (anything but metadata and status) changed.
fn carry_over(resource: &ResourceType, old: &Value, new: &mut Value) {
    let old_metadata = &old["metadata"];
    for key in [
        "uid",
        "creationTimestamp",
        "resourceVersion",
        "deletionTimestamp",
    ] {
        match old_metadata.get(key) {
            Some(value) => new["metadata"][key] = value.clone(),
            None => {
                new["metadata"].as_object_mut().map(|m| m.remove(key));
            }
        }
    }
    if resource.tracks_generation {
        let generation = old_metadata["generation"].as_i64().unwrap_or(1);
        let bump = i64::from(spec_part(old) != spec_part(new));
        new["metadata"]["generation"] = json!(generation + bump);
    }
}

fn spec_part(object: &Value) -> Map<String, Value> {
    let mut fields = object.as_object().cloned().unwrap_or_default();
    fields.remove("metadata");
    fields.remove("status");
    fields
}

/// The `managedFields` entries after a write from `old` (absent on create)
/// to `object`.
fn entries_after(
    ownership: Ownership,
    old: Option<&Value>,
    object: &Value,
    request: &WriteRequest<'_>,
) -> Vec<Entry> {
    if let Ownership::Applied(entries) = ownership {
        return entries;
    }
    let mut entries = old.map(managed_fields::read).unwrap_or_default();
    let writer = &request.writer;
    managed_fields::record_update(&mut entries, old, object, writer, request.scope);
    entries
}

fn finish_ownership(object: &mut Value, entries: &mut [Entry]) {
    managed_fields::retain_existing(entries, object);
    managed_fields::write(object, entries);
}

/// Whether a write changes nothing but ownership timestamps: the real
/// server then keeps the stored object and its resourceVersion.
fn unchanged(old: &Value, new: &Value) -> bool {
    let without_times = |object: &Value| {
        let mut copy = object.clone();
        let entries = copy
            .pointer_mut("/metadata/managedFields")
            .and_then(Value::as_array_mut);
        for entry in entries.into_iter().flatten() {
            entry.as_object_mut().map(|e| e.remove("time"));
        }
        copy
    };
    without_times(old) == without_times(new)
}
