//! API errors and the `Status` objects that carry them to clients.
//!
//! A real API server answers every failed request with a `meta/v1` `Status`
//! whose `code` repeats the HTTP status and whose `reason` names the failure
//! class. kube-rs turns such a body into `kube::Error::Api`, so clients match
//! on `code` and `reason`; the messages here follow the real server's wording
//! so that error text in diagnostics reads the same against the stand-in.

use serde_json::{Value, json};
use thiserror::Error;

use crate::field_error::FieldError;

/// A failed API request.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The named object does not exist.
    #[error("{resource} \"{name}\" not found")]
    NotFound {
        /// Qualified plural, e.g. `configmaps` or `nodepools.karpenter.sh`.
        resource: String,
        /// Object name.
        name: String,
    },

    /// The path names no resource type the stand-in serves.
    #[error("the server could not find the requested resource")]
    NoRoute,

    /// A create named an object that already exists.
    #[error("{resource} \"{name}\" already exists")]
    AlreadyExists { resource: String, name: String },

    /// A write lost an optimistic-concurrency race (stale resourceVersion).
    #[error("Operation cannot be fulfilled on {resource} \"{name}\": {detail}")]
    Conflict {
        resource: String,
        name: String,
        detail: String,
    },

    /// A server-side apply touched fields owned by other managers.
    #[error("{}", apply_conflict_message(.conflicts, .api_version))]
    ApplyConflict {
        /// `(manager, field)` pairs, the field written `.spec.replicas`.
        conflicts: Vec<(String, String)>,
        /// The apiVersion the conflicting managers used.
        api_version: String,
    },

    /// The object failed validation.
    #[error("{} \"{name}\" is invalid: {}", qualified_kind(.kind, .group), join(.errors))]
    Invalid {
        kind: String,
        group: String,
        name: String,
        errors: Vec<FieldError>,
    },

    /// The request is well-formed but cannot be carried out (for example a
    /// JSON patch whose `test` operation fails).
    #[error("{0}")]
    Unprocessable(String),

    /// The request itself is malformed.
    #[error("{0}")]
    BadRequest(String),

    /// The request is refused whoever makes it (deleting a system namespace).
    #[error("{0}")]
    Forbidden(String),

    /// The request body's content type is not accepted for this verb.
    #[error("{0}")]
    UnsupportedMediaType(String),

    /// The verb is not served for this resource type.
    #[error("{0}")]
    MethodNotAllowed(String),

    /// A bug in the stand-in.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status code, also written to `Status.code`.
    pub fn code(&self) -> u16 {
        match self {
            Self::NotFound { .. } | Self::NoRoute => 404,
            Self::AlreadyExists { .. } | Self::Conflict { .. } | Self::ApplyConflict { .. } => 409,
            Self::Invalid { .. } | Self::Unprocessable(_) => 422,
            Self::BadRequest(_) => 400,
            Self::Forbidden(_) => 403,
            Self::UnsupportedMediaType(_) => 415,
            Self::MethodNotAllowed(_) => 405,
            Self::Internal(_) => 500,
        }
    }

    /// The machine-readable `Status.reason`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound { .. } | Self::NoRoute => "NotFound",
            Self::AlreadyExists { .. } => "AlreadyExists",
            Self::Conflict { .. } | Self::ApplyConflict { .. } => "Conflict",
            Self::Invalid { .. } | Self::Unprocessable(_) => "Invalid",
            Self::BadRequest(_) => "BadRequest",
            Self::Forbidden(_) => "Forbidden",
            Self::UnsupportedMediaType(_) => "UnsupportedMediaType",
            Self::MethodNotAllowed(_) => "MethodNotAllowed",
            Self::Internal(_) => "InternalError",
        }
    }

    /// The `Status` object sent as the response body.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        if let Some(details) = self.details() {
            status["details"] = details;
        }
        status
    }

    fn details(&self) -> Option<Value> {
        match self {
            Self::NotFound { resource, name }
            | Self::AlreadyExists { resource, name }
            | Self::Conflict { resource, name, .. } => Some(resource_details(resource, name)),
            Self::ApplyConflict { conflicts, .. } => Some(apply_conflict_details(conflicts)),
            Self::Invalid {
                kind,
                group,
                name,
                errors,
            } => Some(invalid_details(kind, group, name, errors)),
            _ => None,
        }
    }
}

/// `details` naming a resource the way the server does: plural and group.
fn resource_details(resource: &str, name: &str) -> Value {
    let (plural, group) = resource.split_once('.').unwrap_or((resource, ""));
    let mut details = json!({ "name": name, "kind": plural });
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    details
}

fn apply_conflict_details(conflicts: &[(String, String)]) -> Value {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(manager, field)| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with \"{manager}\""),
                "field": field,
            })
        })
        .collect();
    json!({ "causes": causes })
}

fn invalid_details(kind: &str, group: &str, name: &str, errors: &[FieldError]) -> Value {
    let causes: Vec<Value> = errors
        .iter()
        .map(|error| {
            json!({
                "reason": error.reason(),
                "message": error.to_string(),
                "field": error.path.as_str(),
            })
        })
        .collect();
    json!({ "name": name, "group": group, "kind": kind, "causes": causes })
}

/// `Kind` for the core group, `Kind.group` otherwise, as in "is invalid"
/// messages.
fn qualified_kind(kind: &str, group: &str) -> String {
    if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    }
}

/// One error bare, several in brackets, as the server's aggregate prints.
fn join(errors: &[FieldError]) -> String {
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    match texts.as_slice() {
        [one] => one.clone(),
        _ => format!("[{}]", texts.join(", ")),
    }
}

/// The server's wording: one conflict inline, several grouped by manager.
fn apply_conflict_message(conflicts: &[(String, String)], api_version: &str) -> String {
    if let [(manager, field)] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with \"{manager}\" using {api_version}: {field}"
        );
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|(m, _)| m.as_str()).collect();
    managers.sort_unstable();
    managers.dedup();
    let mut lines = vec![format!("Apply failed with {} conflicts:", conflicts.len())];
    for manager in managers {
        lines.push(format!("conflicts with \"{manager}\" using {api_version}:"));
        let fields = conflicts.iter().filter(|(m, _)| m == manager);
        lines.extend(fields.map(|(_, field)| format!("- {field}")));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::field_error::{FieldErrorKind, FieldPath};

    #[test]
    fn not_found_status_names_plural_and_group() {
        let error = ApiError::NotFound {
            resource: "nodepools.karpenter.sh".into(),
            name: "default".into(),
        };
        let status = error.to_status();
        assert_eq!(status["code"], 404);
        assert_eq!(status["reason"], "NotFound");
        assert_eq!(
            status["message"],
            "nodepools.karpenter.sh \"default\" not found"
        );
        assert_eq!(
            status["details"],
            json!({"name": "default", "kind": "nodepools", "group": "karpenter.sh"})
        );
    }

    #[test]
    fn invalid_status_lists_each_field_as_a_cause() {
        let error = ApiError::Invalid {
            kind: "NodePool".into(),
            group: "karpenter.sh".into(),
            name: "default".into(),
            errors: vec![FieldError {
                path: FieldPath::root().child("spec").child("weight"),
                kind: FieldErrorKind::TooLong { max: 3 },
            }],
        };
        let status = error.to_status();
        assert_eq!(status["code"], 422);
        let message = status["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("NodePool.karpenter.sh \"default\" is invalid: spec.weight:"));
        assert_eq!(status["details"]["causes"][0]["field"], "spec.weight");
    }
}
