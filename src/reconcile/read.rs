//! Read: observing every recorded sub-object, one call each, concurrently.

use futures::future::join_all;

use super::Record;
use super::kind::{KindError, Kinds};

/// What a read found.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// The record with every spec as observed; missing objects removed.
    pub record: Record,
    /// Recorded sub-objects that no longer exist.
    pub missing: Vec<String>,
}

/// Observes every sub-object in `record`.
pub async fn read(kinds: &Kinds, record: &Record) -> Result<Refreshed, Vec<(String, KindError)>> {
    let observations = record.iter().map(|(id, spec)| async move {
        let kind = kinds.of(id)?;
        kind.observe(id, spec).await
    });
    let results = join_all(observations).await;

    let mut refreshed = Refreshed::default();
    let mut errors = Vec::new();
    for ((id, _), result) in record.iter().zip(results) {
        match result {
            Ok(Some(observed)) => {
                refreshed.record.insert(id.clone(), observed.spec);
            }
            Ok(None) => refreshed.missing.push(id.clone()),
            Err(error) => errors.push((id.clone(), error)),
        }
    }
    if errors.is_empty() {
        Ok(refreshed)
    } else {
        Err(errors)
    }
}
