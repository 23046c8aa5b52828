//! Patch bodies and their content types.
//!
//! A PATCH request says how to read its body with `Content-Type`:
//! `application/merge-patch+json` (RFC 7386), `application/json-patch+json`
//! (RFC 6902) or `application/apply-patch+yaml` (server-side apply, see
//! [`crate::apply`]). Strategic merge patch
//! (`application/strategic-merge-patch+json`) needs per-field merge keys from
//! the built-in Go types; the real server refuses it for custom resources with
//! 415, and the stand-in refuses it for every kind rather than guess.

use serde_json::Value;

use crate::status::ApiError;

/// The patch formats a PATCH body can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchKind {
    /// RFC 7386 JSON merge patch.
    Merge,
    /// RFC 6902 JSON patch.
    Json,
    /// Server-side apply.
    Apply,
}

const ACCEPTED: &str = "application/json-patch+json, application/merge-patch+json, \
                        application/apply-patch+yaml";

impl PatchKind {
    /// Reads the kind from a `Content-Type` header value.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, ApiError> {
        let media_type = content_type.unwrap_or_default();
        let media_type = media_type.split(';').next().unwrap_or_default().trim();
        match media_type {
            "application/merge-patch+json" => Ok(Self::Merge),
            "application/json-patch+json" => Ok(Self::Json),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(Self::Apply),
            other => Err(ApiError::UnsupportedMediaType(format!(
                "the body of the request was in an unknown format ({other:?}) - accepted media \
                 types include: {ACCEPTED}"
            ))),
        }
    }
}

/// Applies a JSON merge patch to `target`.
pub fn merge(target: &mut Value, patch: &Value) {
    json_patch::merge(target, patch);
}

/// Applies a JSON patch document to `target`; `target` is unchanged on error.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), ApiError> {
    let operations: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|error| ApiError::BadRequest(format!("invalid JSON patch: {error}")))?;
    json_patch::patch(target, &operations).map_err(|error| {
        ApiError::Unprocessable(format!("the JSON patch could not be applied: {error}"))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn content_types_choose_the_patch_kind() {
        let kind = PatchKind::from_content_type(Some("application/merge-patch+json"));
        assert_eq!(kind.ok(), Some(PatchKind::Merge));
        let apply =
            PatchKind::from_content_type(Some("application/apply-patch+yaml; charset=utf-8"));
        assert_eq!(apply.ok(), Some(PatchKind::Apply));
        let strategic =
            PatchKind::from_content_type(Some("application/strategic-merge-patch+json"));
        assert_eq!(strategic.err().map(|e| e.code()), Some(415));
    }

    #[test]
    fn a_failed_json_patch_test_is_unprocessable() {
        let mut target = json!({"data": {"a": "1"}});
        let patch = json!([{"op": "test", "path": "/data/a", "value": "2"}]);
        let error = json_patch(&mut target, &patch).expect_err("the test fails");
        assert_eq!(error.code(), 422);
    }
}
