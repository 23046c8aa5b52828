//! Conversions between our types and the generated `tfplugin6` messages.
//!
//! Kept apart from the handlers so each handler reads as decode, call,
//! encode; and so the rest of the crate never sees a generated type.

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, AttributeKind, Block, NestedBlock, Nesting, Schema};
use crate::value::path::{Path, Step};
use crate::value::{Type, Value, msgpack};
use pb::attribute_path::step::Selector;

/// Decodes a `DynamicValue` in `ty`; an absent value is null.
pub fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if value.msgpack.is_empty() && !value.json.is_empty() {
        crate::value::json::decode(&value.json, ty).map_err(|e| (e.path().clone(), e.to_string()))
    } else {
        msgpack::decode(&value.msgpack, ty).map_err(|e| (e.path().clone(), e.to_string()))
    };
    decoded.map_err(|(path, message)| {
        Diagnostic::error("Cannot decode a value from Terraform", message)
            .at(path)
            .into()
    })
}

/// Encodes a value as msgpack for Terraform.
pub fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostics> {
    let bytes = msgpack::encode(value, ty).map_err(|error| {
        Diagnostics::from(Diagnostic::error(
            "Cannot encode a value for Terraform",
            format!("This is a bug in the provider: {error}"),
        ))
    })?;
    Ok(pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

/// Diagnostics as the protocol carries them.
pub fn diagnostics(diagnostics: Diagnostics) -> Vec<pb::Diagnostic> {
    diagnostics.0.into_iter().map(diagnostic).collect()
}

fn diagnostic(diagnostic: Diagnostic) -> pb::Diagnostic {
    // Severity 0 is silently dropped by Terraform; never send it.
    let severity = match diagnostic.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: diagnostic.summary,
        detail: diagnostic.detail,
        attribute: diagnostic.path.map(|path| attribute_path(&path)),
    }
}

/// A path as the protocol carries it.
pub fn attribute_path(path: &Path) -> pb::AttributePath {
    let steps = path.0.iter().map(|step| pb::attribute_path::Step {
        selector: Some(selector(step)),
    });
    pb::AttributePath {
        steps: steps.collect(),
    }
}

fn selector(step: &Step) -> Selector {
    match step {
        Step::Attribute(name) => Selector::AttributeName(name.clone()),
        Step::Key(key) => Selector::ElementKeyString(key.clone()),
        Step::Index(index) => Selector::ElementKeyInt(*index),
    }
}

/// A schema as the protocol carries it.
pub fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block, schema.version)),
    }
}

fn block(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
        ..Default::default()
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &attribute.kind {
        AttributeKind::Type(ty) => (ty.to_json_bytes(), None),
        AttributeKind::Nested(nested) => (Vec::new(), Some(nested_object(nested))),
    };
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: ty,
        nested_type,
        description: attribute.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        required: attribute.required,
        optional: attribute.optional,
        computed: attribute.computed,
        sensitive: attribute.sensitive,
        write_only: attribute.write_only,
        deprecated: attribute.deprecated,
        ..Default::default()
    }
}

fn nested_object(nested: &crate::schema::NestedAttributes) -> pb::schema::Object {
    use pb::schema::object::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single | Nesting::Group => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::Object {
        attributes: nested.attributes.iter().map(attribute).collect(),
        nesting: nesting as i32,
        ..Default::default()
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::Group => NestingMode::Group,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}
