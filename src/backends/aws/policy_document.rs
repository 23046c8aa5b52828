//! Policy documents as IAM returns them.
//!
//! IAM returns every policy document (a role's trust policy, an inline
//! policy) *URL-encoded* as RFC 3986 describes: each byte outside the
//! unreserved set is written `%XX`. `+` is not a space there, unlike in
//! HTML form encoding. Documents are sent as plain JSON.

use serde_json::Value;

/// Why a percent-encoded text could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PercentDecodeError {
    /// A `%` not followed by two hexadecimal digits, at this byte offset.
    #[error("`%` at byte {0} is not followed by two hexadecimal digits")]
    BadEscape(usize),
    /// The decoded bytes are not UTF-8.
    #[error("the decoded text is not UTF-8")]
    NotUtf8,
}

/// Decodes RFC 3986 percent-encoding: `%XX` becomes the byte `XX`, every
/// other character stands for itself.
pub fn percent_decode(text: &str) -> Result<String, PercentDecodeError> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            decoded.push(escaped_byte(bytes, at)?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| PercentDecodeError::NotUtf8)
}

/// The byte written by the escape `%XX` that starts at `at`.
fn escaped_byte(bytes: &[u8], at: usize) -> Result<u8, PercentDecodeError> {
    let digit = |offset: usize| {
        let byte = *bytes.get(at + offset)?;
        char::from(byte).to_digit(16)
    };
    match (digit(1), digit(2)) {
        (Some(high), Some(low)) => Ok((high * 16 + low) as u8),
        _ => Err(PercentDecodeError::BadEscape(at)),
    }
}

/// Why a policy document returned by AWS could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DocumentError(String);

/// Parses a policy document returned by IAM.
///
/// A document that already starts with `{` is taken as plain JSON: an
/// encoded one never does, since `{` is always escaped as `%7B`, and some
/// emulators return documents unencoded.
pub fn parse_policy_document(text: &str) -> Result<Value, DocumentError> {
    let plain = text.trim_start().starts_with('{');
    let json = if plain {
        text.to_string()
    } else {
        percent_decode(text).map_err(|error| DocumentError(error.to_string()))?
    };
    serde_json::from_str(&json)
        .map_err(|error| DocumentError(format!("the document is not valid JSON: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encoded_and_plain_documents_parse_alike() {
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%7D";
        let plain = r#"{"Version": "2012-10-17"}"#;
        let expected = json!({"Version": "2012-10-17"});
        assert_eq!(parse_policy_document(encoded).unwrap(), expected);
        assert_eq!(parse_policy_document(plain).unwrap(), expected);
    }

    #[test]
    fn a_document_that_is_not_json_is_an_error() {
        let error = parse_policy_document("%7Bnope").unwrap_err();
        assert!(error.to_string().contains("not valid JSON"), "{error}");
    }
}
