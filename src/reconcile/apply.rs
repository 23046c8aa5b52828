//! Apply and delete: bringing the record to the desired sub-objects.
//!
//! Creates and updates run level by level in dependency order, each level
//! concurrently; deletes of sub-objects no longer desired run afterwards,
//! lowest delete rank first. The record is updated after every operation,
//! so when something fails the caller still gets an exact account of what
//! exists.

use std::collections::BTreeMap;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::kind::{Kind, KindError, Kinds};
use super::{Desired, Record, Spec, order};

/// The outcome of an apply or delete.
#[derive(Debug, Default)]
pub struct Applied {
    /// What exists now.
    pub record: Record,
    /// The sub-objects that failed, with why.
    pub errors: Vec<(String, KindError)>,
}

impl Applied {
    pub fn succeeded(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Brings the sub-objects in `existing` to `desired`.
pub async fn apply(
    kinds: &Kinds,
    desired: &[Desired],
    existing: &Record,
    stop: &CancellationToken,
) -> Applied {
    let mut applied = Applied {
        record: existing.clone(),
        errors: Vec::new(),
    };
    for level in order::levels(desired) {
        if stop.is_cancelled() {
            let first = level.first().map(|d| d.id.clone()).unwrap_or_default();
            applied.errors.push((first, KindError::Stopped));
            return applied;
        }
        let results = join_all(level.iter().map(|d| ensure(kinds, d, existing.get(&d.id)))).await;
        for (d, result) in level.iter().zip(results) {
            match result {
                Ok(spec) => {
                    applied.record.insert(d.id.clone(), spec);
                }
                Err(error) => applied.errors.push((d.id.clone(), error)),
            }
        }
        if !applied.succeeded() {
            return applied;
        }
    }

    let unwanted: Record = existing
        .iter()
        .filter(|(id, _)| !desired.iter().any(|d| &d.id == *id))
        .map(|(id, spec)| (id.clone(), spec.clone()))
        .collect();
    let deleted = delete_all(kinds, &unwanted, stop).await;
    for id in unwanted
        .keys()
        .filter(|id| !deleted.record.contains_key(*id))
    {
        applied.record.remove(id);
    }
    applied.errors.extend(deleted.errors);
    applied
}

/// Makes one sub-object match its desired spec, creating it if missing.
///
/// An existing object is adopted only if it carries our ownership marks or
/// our record already lists it; anything else is refused.
async fn ensure(
    kinds: &Kinds,
    desired: &Desired,
    recorded: Option<&Spec>,
) -> Result<Spec, KindError> {
    let kind = kinds.of(&desired.id)?;
    let Some(observed) = kind.observe(&desired.id, &desired.spec).await? else {
        return create(kind.as_ref(), desired).await;
    };
    if !observed.owned && recorded.is_none() {
        return Err(KindError::NotOwned {
            id: desired.id.clone(),
        });
    }
    let changes = kind.diff(&desired.spec, &observed.spec);
    if changes.is_empty() {
        return Ok(desired.spec.clone());
    }
    if changes.iter().any(|change| change.forces_replacement) {
        kind.delete(&desired.id, &observed.spec).await?;
        return kind.create(&desired.id, &desired.spec).await;
    }
    kind.update(&desired.id, &desired.spec, &observed, &changes)
        .await
}

/// Creates a sub-object. When the create fails but the object exists
/// afterwards with our ownership marks, it was ours all along: a retried
/// request whose first answer was lost created it, and the retry was told
/// "already exists". It is then adopted and brought to the spec.
async fn create(kind: &dyn Kind, desired: &Desired) -> Result<Spec, KindError> {
    let error = match kind.create(&desired.id, &desired.spec).await {
        Ok(spec) => return Ok(spec),
        Err(error) => error,
    };
    let Ok(Some(observed)) = kind.observe(&desired.id, &desired.spec).await else {
        return Err(error);
    };
    if !observed.owned {
        return Err(error);
    }
    tracing::info!(id = desired.id, %error, "the create failed but the object exists with our marks; adopting it");
    let changes = kind.diff(&desired.spec, &observed.spec);
    if changes.is_empty() {
        return Ok(desired.spec.clone());
    }
    kind.update(&desired.id, &desired.spec, &observed, &changes)
        .await
}

/// Deletes every sub-object in `record`, lowest delete rank first, each
/// rank concurrently. Already-deleted objects are fine.
pub async fn delete_all(kinds: &Kinds, record: &Record, stop: &CancellationToken) -> Applied {
    let mut applied = Applied {
        record: record.clone(),
        errors: Vec::new(),
    };
    for (_, group) in by_delete_rank(kinds, record) {
        if stop.is_cancelled() {
            let first = group
                .first()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default();
            applied.errors.push((first, KindError::Stopped));
            return applied;
        }
        let deletes = group.iter().map(|(id, spec)| async move {
            let kind = kinds.of(id)?;
            kind.delete(id, spec).await
        });
        let results = join_all(deletes).await;
        for ((id, _), result) in group.iter().zip(results) {
            match result {
                Ok(_) => {
                    applied.record.remove(*id);
                }
                Err(error) => applied.errors.push((id.to_string(), error)),
            }
        }
        if !applied.succeeded() {
            return applied;
        }
    }
    applied
}

type RankGroups<'r> = BTreeMap<u8, Vec<(&'r str, &'r Spec)>>;

fn by_delete_rank<'r>(kinds: &Kinds, record: &'r Record) -> RankGroups<'r> {
    let mut groups = RankGroups::new();
    for (id, spec) in record {
        // An id without a kind fails in the delete itself, with its reason.
        let rank = kinds.of(id).map(|kind| kind.delete_rank()).unwrap_or(0);
        groups.entry(rank).or_default().push((id.as_str(), spec));
    }
    groups
}
