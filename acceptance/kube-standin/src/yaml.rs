//! YAML decoding for CRD files and apply bodies.
//!
//! Server-side apply bodies are YAML by content type (kube-rs sends JSON,
//! which is YAML too), and CRD files are multi-document YAML. JSON bodies are
//! tried with `serde_json` first because it is an order of magnitude faster
//! than any YAML parser in a debug build.

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

/// A YAML document that could not be decoded.
#[derive(Debug, Error)]
#[error("invalid YAML: {0}")]
pub struct YamlError(#[from] serde_norway::Error);

/// Decodes every non-empty document of a multi-document YAML text.
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut values = Vec::new();
    for document in serde_norway::Deserializer::from_str(text) {
        let value = Value::deserialize(document)?;
        if !value.is_null() {
            values.push(value);
        }
    }
    Ok(values)
}

/// Decodes one document, JSON or YAML.
pub fn document(bytes: &[u8]) -> Result<Value, YamlError> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    Ok(serde_norway::from_slice(bytes)?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_documents_are_skipped() {
        let values = documents("---\na: 1\n---\n---\nb: [x]\n").expect("valid YAML");
        assert_eq!(values, vec![json!({"a": 1}), json!({"b": ["x"]})]);
    }

    #[test]
    fn a_body_may_be_json_or_yaml() {
        assert_eq!(document(br#"{"a": 1}"#).ok(), Some(json!({"a": 1})));
        assert_eq!(document(b"a: 1\n").ok(), Some(json!({"a": 1})));
    }
}
