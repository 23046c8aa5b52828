//! Dependency order: which sub-objects can be worked on together.

use std::collections::{BTreeMap, BTreeSet};

use super::Desired;

/// Splits `desired` into levels: every sub-object's dependencies are in
/// earlier levels, so each level can run concurrently. Dependencies on ids
/// outside `desired` are ignored; a cycle (a provider bug) puts the rest in
/// one last level rather than looping.
pub fn levels(desired: &[Desired]) -> Vec<Vec<&Desired>> {
    let known: BTreeSet<&str> = desired.iter().map(|d| d.id.as_str()).collect();
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut levels: Vec<Vec<&Desired>> = Vec::new();
    let mut remaining: Vec<&Desired> = desired.iter().collect();

    while !remaining.is_empty() {
        let ready = |d: &&Desired| {
            let mut deps = d
                .depends_on
                .iter()
                .filter(|dep| known.contains(dep.as_str()));
            deps.all(|dep| placed.contains_key(dep.as_str()))
        };
        let (now, later): (Vec<&Desired>, Vec<&Desired>) = remaining.into_iter().partition(ready);
        if now.is_empty() {
            levels.push(later);
            break;
        }
        for d in &now {
            placed.insert(d.id.as_str(), levels.len());
        }
        levels.push(now);
        remaining = later;
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(levels: &[Vec<&Desired>]) -> Vec<Vec<String>> {
        levels
            .iter()
            .map(|l| l.iter().map(|d| d.id.clone()).collect())
            .collect()
    }

    #[test]
    fn dependencies_come_in_earlier_levels_and_siblings_share_one() {
        let desired = vec![
            Desired::new("attach/a", json!({})).after("role/r"),
            Desired::new("role/r", json!({})).after("oidc/o"),
            Desired::new("oidc/o", json!({})),
            Desired::new("attach/b", json!({})).after("role/r"),
        ];
        let expected = vec![vec!["oidc/o"], vec!["role/r"], vec!["attach/a", "attach/b"]];
        assert_eq!(ids(&levels(&desired)), expected);
    }

    #[test]
    fn a_dependency_outside_the_set_does_not_block() {
        let desired = vec![Desired::new("sa/x", json!({})).after("role/gone")];
        assert_eq!(ids(&levels(&desired)), vec![vec!["sa/x"]]);
    }

    #[test]
    fn a_cycle_ends_in_one_last_level_instead_of_looping() {
        let desired = vec![
            Desired::new("a/1", json!({})).after("b/1"),
            Desired::new("b/1", json!({})).after("a/1"),
        ];
        assert_eq!(ids(&levels(&desired)), vec![vec!["a/1", "b/1"]]);
    }
}
