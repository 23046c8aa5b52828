//! Field paths and field errors, printed the way the real API server prints
//! them.
//!
//! A **field path** names one field of an object: `spec.limits.cpu`,
//! `spec.template.spec.requirements[0].operator`. A **field error** is one
//! problem at one path; a rejected request carries a list of them in its
//! `Status` (`details.causes`) and in its message.

use std::fmt;

use serde_json::Value;

/// Where a field sits inside an object. The root path is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPath(String);

impl FieldPath {
    /// The path of the object itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of a named field (or map key) below this one.
    pub fn child(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self(name.to_owned())
        } else {
            Self(format!("{}.{name}", self.0))
        }
    }

    /// The path of a list element below this one.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// The path as text; empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is wrong with a field. The variants follow the API server's
/// `field.ErrorType` values, which clients see as `causes[].reason`.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldErrorKind {
    /// A required field is missing; `detail` may say why it is needed.
    Required { detail: String },
    /// The value breaks a rule; `detail` says which.
    Invalid { value: Value, detail: String },
    /// The value is not one of an enumeration.
    NotSupported { value: Value, supported: Vec<Value> },
    /// A string is longer than allowed.
    TooLong { max: u64 },
    /// A list or map has more entries than allowed.
    TooMany { actual: usize, max: u64 },
    /// A list that must hold unique entries holds this one twice.
    Duplicate { value: Value },
}

/// One problem with one field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// Where the problem is.
    pub path: FieldPath,
    /// What the problem is.
    pub kind: FieldErrorKind,
}

impl FieldError {
    /// A required field is missing.
    pub fn required(path: FieldPath) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Required {
                detail: String::new(),
            },
        }
    }

    /// A required field is missing, for the reason given in `detail`.
    pub fn required_because(path: FieldPath, detail: impl Into<String>) -> Self {
        Self {
            path,
            kind: FieldErrorKind::Required {
                detail: detail.into(),
            },
        }
    }

    /// The value at `path` breaks a rule described by `detail`.
    pub fn invalid(path: FieldPath, value: Value, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self {
            path,
            kind: FieldErrorKind::Invalid { value, detail },
        }
    }

    /// The `causes[].reason` the API server reports for this error.
    pub fn reason(&self) -> &'static str {
        match self.kind {
            FieldErrorKind::Required { .. } => "FieldValueRequired",
            FieldErrorKind::Invalid { .. } => "FieldValueInvalid",
            FieldErrorKind::NotSupported { .. } => "FieldValueNotSupported",
            FieldErrorKind::TooLong { .. } => "FieldValueTooLong",
            FieldErrorKind::TooMany { .. } => "FieldValueTooMany",
            FieldErrorKind::Duplicate { .. } => "FieldValueDuplicate",
        }
    }

    /// The error without its path, as in `causes[].message`.
    pub fn message(&self) -> String {
        match &self.kind {
            FieldErrorKind::Required { detail } if detail.is_empty() => "Required value".to_owned(),
            FieldErrorKind::Required { detail } => format!("Required value: {detail}"),
            FieldErrorKind::Invalid { value, detail } => {
                format!("Invalid value: {}: {detail}", render(value))
            }
            FieldErrorKind::NotSupported { value, supported } => {
                let list: Vec<String> = supported.iter().map(render).collect();
                let list = list.join(", ");
                format!(
                    "Unsupported value: {}: supported values: {list}",
                    render(value)
                )
            }
            FieldErrorKind::TooLong { max } => {
                format!("Too long: may not be more than {max} bytes")
            }
            FieldErrorKind::TooMany { actual, max } => {
                format!("Too many: {actual}: must have at most {max} items")
            }
            FieldErrorKind::Duplicate { value } => format!("Duplicate value: {}", render(value)),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message())
    }
}

/// Renders a value inside an error message: strings quoted, other scalars
/// bare, objects and lists as compact JSON.
pub fn render(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    }
}

/// The JSON type name of a value, as used in "must be of type" messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_print_like_the_api_server() {
        let path = FieldPath::root()
            .child("spec")
            .child("requirements")
            .index(0);
        assert_eq!(
            path.child("operator").as_str(),
            "spec.requirements[0].operator"
        );
    }

    #[test]
    fn unsupported_values_list_the_choices() {
        let error = FieldError {
            path: FieldPath::root().child("policy"),
            kind: FieldErrorKind::NotSupported {
                value: json!("Sometimes"),
                supported: vec![json!("A"), json!("B")],
            },
        };
        let text = error.to_string();
        assert_eq!(
            text,
            r#"policy: Unsupported value: "Sometimes": supported values: "A", "B""#
        );
    }
}
