//! Server-side apply: merging an applied configuration into a live object.
//!
//! The **applied configuration** is the body of a PATCH with content type
//! `application/apply-patch+yaml`. Its manager ends up owning exactly the
//! fields in it:
//!
//! - a field owned by another manager with a different live value is a
//!   **conflict**: the request fails with 409 unless `force=true`, which
//!   takes the field over;
//! - a field the manager applied before but left out this time is removed,
//!   unless another manager also owns it;
//! - everything else in the configuration is merged into the object (maps
//!   key by key, lists and scalars replaced whole).

use serde_json::Value;

use crate::field_set::{FieldSet, LeafPath, Scope, dotted, leaf, remove_leaf};
use crate::managed_fields::{self, Entry, Operation, Writer, is_own};
use crate::status::ApiError;

/// One apply request, as seen by the merge.
pub struct Apply<'a> {
    /// The applied configuration.
    pub config: &'a Value,
    /// The manager and the time to record.
    pub writer: &'a Writer,
    /// `force=true`: take over conflicting fields.
    pub force: bool,
    /// Which part of the object the request may touch.
    pub scope: Scope,
}

/// Merges the configuration into `live` (a bare skeleton when the object is
/// new) and returns the new object with its ownership entries.
pub fn apply(live: &Value, request: &Apply<'_>) -> Result<(Value, Vec<Entry>), ApiError> {
    let applied = FieldSet::of_object(request.config, request.scope);
    let mut entries = managed_fields::read(live);
    let conflicts = find_conflicts(&entries, live, request, &applied);
    if !conflicts.is_empty() && !request.force {
        return Err(conflict_error(&conflicts, &request.writer.api_version));
    }
    take_over(&mut entries, &conflicts);

    let subresource = request.scope.subresource();
    let own = entries
        .iter()
        .position(|e| is_own(e, request.writer, Operation::Apply, subresource));
    let previous = own
        .map(|index| entries[index].fields.clone())
        .unwrap_or_default();
    let others: Vec<&Entry> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != own)
        .map(|(_, e)| e)
        .collect();

    let mut object = live.clone();
    remove_dropped(
        &mut object,
        &previous.difference(&applied),
        &others,
        subresource,
    );
    merge_scoped(&mut object, request.config, request.scope);
    let entry = request
        .writer
        .entry(Operation::Apply, request.scope, applied);
    match own {
        Some(index) => entries[index] = entry,
        None => entries.push(entry),
    }
    Ok((object, entries))
}

/// A field another manager owns, with the index of that manager's entry.
struct Conflict {
    entry: usize,
    manager: String,
    path: LeafPath,
}

fn find_conflicts(
    entries: &[Entry],
    live: &Value,
    request: &Apply<'_>,
    applied: &FieldSet,
) -> Vec<Conflict> {
    let subresource = request.scope.subresource();
    let mut conflicts = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let other = entry.manager != request.writer.manager && entry.subresource == subresource;
        if !other {
            continue;
        }
        for path in entry.fields.intersection(applied).iter() {
            if leaf(live, path) != leaf(request.config, path) {
                let manager = entry.manager.clone();
                conflicts.push(Conflict {
                    entry: index,
                    manager,
                    path: path.clone(),
                });
            }
        }
    }
    conflicts
}

fn conflict_error(conflicts: &[Conflict], api_version: &str) -> ApiError {
    let pairs = conflicts
        .iter()
        .map(|c| (c.manager.clone(), dotted(&c.path)))
        .collect();
    ApiError::ApplyConflict {
        conflicts: pairs,
        api_version: api_version.to_owned(),
    }
}

/// With `force`, the other managers lose the fields in conflict.
fn take_over(entries: &mut [Entry], conflicts: &[Conflict]) {
    for conflict in conflicts {
        let entry = &mut entries[conflict.entry];
        let lost: FieldSet = std::iter::once(conflict.path.clone()).collect();
        entry.fields = entry.fields.difference(&lost);
    }
}

/// Removes fields the manager no longer applies and nobody else owns.
fn remove_dropped(object: &mut Value, dropped: &FieldSet, others: &[&Entry], subresource: &str) {
    for path in dropped.iter() {
        let shared = others
            .iter()
            .any(|e| e.subresource == subresource && e.fields.contains(path));
        if !shared {
            remove_leaf(object, path);
        }
    }
}

/// Merges the top-level keys of `config` that `scope` allows.
fn merge_scoped(object: &mut Value, config: &Value, scope: Scope) {
    let Some(fields) = config.as_object() else {
        return;
    };
    for (key, value) in fields {
        let allowed = match scope {
            Scope::Whole => true,
            Scope::WithoutStatus => key != "status",
            Scope::StatusOnly => key == "status",
        };
        if allowed {
            merge_field(object, key, value);
        }
    }
}

fn merge_field(target: &mut Value, key: &str, value: &Value) {
    let Some(fields) = target.as_object_mut() else {
        return;
    };
    match (fields.get_mut(key), value) {
        (_, Value::Null) => {
            fields.remove(key);
        }
        (Some(existing @ Value::Object(_)), Value::Object(children)) => {
            for (child_key, child) in children {
                merge_field(existing, child_key, child);
            }
        }
        _ => {
            fields.insert(key.to_owned(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn writer(manager: &str) -> Writer {
        let time = "2024-01-01T00:00:00Z".to_owned();
        Writer {
            manager: manager.into(),
            api_version: "v1".into(),
            time,
        }
    }

    fn run(live: &Value, config: &Value, manager: &str, force: bool) -> Result<Value, ApiError> {
        let writer = writer(manager);
        let request = Apply {
            config,
            writer: &writer,
            force,
            scope: Scope::Whole,
        };
        let (mut object, entries) = apply(live, &request)?;
        managed_fields::write(&mut object, &entries);
        Ok(object)
    }

    #[test]
    fn fields_left_out_of_a_later_apply_are_removed() {
        let live = json!({"metadata": {"name": "a"}});
        let first = run(
            &live,
            &json!({"metadata": {"name": "a"}, "data": {"a": "1", "b": "2"}}),
            "tf",
            false,
        );
        let first = first.expect("first apply succeeds");
        let second = run(
            &first,
            &json!({"metadata": {"name": "a"}, "data": {"a": "1"}}),
            "tf",
            false,
        );
        assert_eq!(
            second.expect("second apply succeeds")["data"],
            json!({"a": "1"})
        );
    }

    #[test]
    fn a_different_value_owned_by_another_manager_conflicts_unless_forced() {
        let live = json!({"metadata": {"name": "a"}});
        let config = json!({"metadata": {"name": "a"}, "data": {"a": "1"}});
        let owned = run(&live, &config, "kubectl", false).expect("first apply succeeds");

        let change = json!({"metadata": {"name": "a"}, "data": {"a": "2"}});
        let error = run(&owned, &change, "tf", false).expect_err("a conflict");
        assert_eq!(error.code(), 409);
        assert!(
            error
                .to_string()
                .contains("conflict with \"kubectl\" using v1: .data.a")
        );

        let forced = run(&owned, &change, "tf", true).expect("forced apply succeeds");
        assert_eq!(forced["data"]["a"], "2");
    }

    #[test]
    fn an_equal_value_is_shared_without_conflict() {
        let live = json!({"metadata": {"name": "a"}});
        let config = json!({"metadata": {"name": "a"}, "data": {"a": "1"}});
        let owned = run(&live, &config, "kubectl", false).expect("first apply succeeds");
        let shared = run(&owned, &config, "tf", false).expect("same value does not conflict");
        assert_eq!(
            shared["metadata"]["managedFields"].as_array().map(Vec::len),
            Some(2)
        );
    }
}
