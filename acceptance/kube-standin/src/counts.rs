//! Request counts, the stand-in's test hook.
//!
//! Every request outside `/__standin/` is counted under `METHOD path-kind`,
//! where the **path kind** is `version`, `discovery`, the qualified plural of
//! the resource (`configmaps`, `nodepools.karpenter.sh`), that plural with
//! `/status`, or `unknown`. Tests read the counts with
//! `GET /__standin/requests` (for example to check that a plan made no
//! Kubernetes calls) and clear them with `POST /__standin/reset-counts`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

/// Counters of requests by method and path kind.
#[derive(Debug, Default)]
pub struct RequestCounts(Mutex<BTreeMap<String, u64>>);

impl RequestCounts {
    /// Counts one request.
    pub fn record(&self, method: &str, path_kind: &str) {
        let mut counts = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        *counts.entry(format!("{method} {path_kind}")).or_default() += 1;
    }

    /// `{"total": N, "counts": {"GET configmaps": 2, ...}}`.
    pub fn snapshot(&self) -> Value {
        let counts = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        let total: u64 = counts.values().sum();
        json!({ "total": total, "counts": *counts })
    }

    /// Forgets every count.
    pub fn reset(&self) {
        self.0
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_reset_to_zero() {
        let counts = RequestCounts::default();
        counts.record("GET", "configmaps");
        counts.record("GET", "configmaps");
        counts.record("PATCH", "nodepools.karpenter.sh");
        let snapshot = counts.snapshot();
        assert_eq!(snapshot["total"], 3);
        assert_eq!(snapshot["counts"]["GET configmaps"], 2);
        counts.reset();
        assert_eq!(counts.snapshot()["total"], 0);
    }
}
