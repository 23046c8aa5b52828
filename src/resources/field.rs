//! A value inside a configuration together with the path that leads to it.
//!
//! Validation reads configurations that may be partly unknown. A [`Field`]
//! answers "what is here, if it is known?" and carries its [`Path`], so
//! every diagnostic points at the attribute it is about. Absent attributes
//! read as null; null and unknown values read as "not known" and are
//! skipped by the checks.

use super::validate::Problem;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::value::path::Path;
use crate::value::{Number, Value};

static NULL: Value = Value::Null;

/// A value in a configuration and where it is.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    pub value: &'a Value,
    pub path: Path,
}

impl<'a> Field<'a> {
    /// The root of a configuration.
    pub fn root(value: &'a Value) -> Self {
        Field {
            value,
            path: Path::root(),
        }
    }

    /// The attribute or nested block `name`: null when absent, unknown
    /// when this whole value is unknown.
    pub fn attr(&self, name: &str) -> Field<'a> {
        let inherited = if self.is_unknown() { self.value } else { &NULL };
        let value = self.value.attr(name).unwrap_or(inherited);
        Field {
            value,
            path: self.path.attribute(name),
        }
    }

    /// Whether the value is null (absent in configuration).
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// Whether the value is unknown until apply.
    pub fn is_unknown(&self) -> bool {
        self.value.is_unknown()
    }

    /// The string, when known and not null.
    pub fn str(&self) -> Option<&'a str> {
        self.value.as_str()
    }

    /// The bool, when known and not null.
    pub fn bool(&self) -> Option<bool> {
        self.value.as_bool()
    }

    /// The number, when known and not null.
    pub fn number(&self) -> Option<&'a Number> {
        self.value.as_number()
    }

    /// The elements of a list, set or tuple with their paths, when known.
    ///
    /// Set elements keep the set's own path: Terraform cannot address
    /// an element of a set, so problems are reported at the set.
    pub fn elements(&self) -> Option<Vec<Field<'a>>> {
        let elements = self.value.elements()?;
        let is_set = matches!(self.value, Value::Set(_));
        let path = |i: usize| {
            if is_set {
                self.path.clone()
            } else {
                self.path.index(i)
            }
        };
        let field = |(i, value)| Field {
            value,
            path: path(i),
        };
        Some(elements.iter().enumerate().map(field).collect())
    }

    /// The known strings of a list or set (unknown elements left out).
    pub fn strings(&self) -> Vec<&'a str> {
        let elements = self.value.elements().unwrap_or_default();
        elements.iter().filter_map(Value::as_str).collect()
    }

    /// The entries of a map with their key paths, when known.
    pub fn entries(&self) -> Option<Vec<(&'a str, Field<'a>)>> {
        let entries = self.value.entries()?;
        let field = |(k, value): (&'a String, &'a Value)| {
            (
                k.as_str(),
                Field {
                    value,
                    path: self.path.key(k),
                },
            )
        };
        Some(entries.iter().map(field).collect())
    }

    /// An error diagnostic at this field.
    pub fn error(&self, summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic::error(summary, detail).at(self.path.clone())
    }

    /// Runs a string check when the value is a known string.
    pub fn check(&self, diags: &mut Diagnostics, check: impl Fn(&str) -> Result<(), Problem>) {
        if let Some(Err(problem)) = self.str().map(check) {
            diags.push(problem.at(self.path.clone()));
        }
    }

    /// Runs a string check on every known element of a list or set.
    pub fn check_each(&self, diags: &mut Diagnostics, check: impl Fn(&str) -> Result<(), Problem>) {
        for element in self.elements().unwrap_or_default() {
            element.check(diags, &check);
        }
    }
}
