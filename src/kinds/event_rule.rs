//! EventBridge rules on the default bus, each with one target.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse, render};
use crate::backends::aws::Events;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleFields {
    pub account: String,
    pub name: String,
    pub event_pattern: serde_json::Value,
    pub target_id: String,
    pub target_arn: String,
    pub tags: BTreeMap<String, String>,
}

/// The EventBridge rule kind.
pub struct EventRule(pub Reach);

impl EventRule {
    async fn events(&self, account: &str) -> Result<Events, KindError> {
        Ok(self.0.account(account).await?.events())
    }

    async fn put(&self, events: &Events, wanted: &RuleFields) -> Result<String, KindError> {
        let pattern = wanted.event_pattern.to_string();
        let arn = events
            .put_rule(&wanted.name, &pattern, &wanted.tags)
            .await
            .map_err(backend)?;
        events
            .put_target(&wanted.name, &wanted.target_id, &wanted.target_arn)
            .await
            .map_err(backend)?;
        Ok(arn)
    }
}

#[async_trait::async_trait]
impl Kind for EventRule {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: RuleFields = parse(id, spec)?;
        let events = self.events(&wanted.account).await?;
        let Some(rule) = events.describe_rule(&wanted.name).await.map_err(backend)? else {
            return Ok(None);
        };
        let pattern = serde_json::from_str(&rule.event_pattern).unwrap_or(serde_json::Value::Null);
        let target_arn = rule
            .targets
            .get(&wanted.target_id)
            .cloned()
            .unwrap_or_default();
        // A disabled rule routes nothing: show it as a rule without its target.
        let target_arn = if rule.enabled {
            target_arn
        } else {
            String::new()
        };
        let fields = RuleFields {
            account: wanted.account.clone(),
            name: wanted.name.clone(),
            event_pattern: pattern,
            target_id: wanted.target_id.clone(),
            target_arn,
            tags: rule.tags.clone(),
        };
        Ok(Some(Observed {
            owned: super::owned_by_tags(&rule.tags),
            spec: render(&fields),
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: RuleFields = parse(id, spec)?;
        let events = self.events(&wanted.account).await?;
        self.put(&events, &wanted).await?;
        Ok(spec.clone())
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        observed: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        let wanted: RuleFields = parse(id, desired)?;
        let now: RuleFields = parse(id, &observed.spec)?;
        let events = self.events(&wanted.account).await?;
        // PutRule sets tags only on create; later changes go through tagging.
        let arn = self.put(&events, &wanted).await?;
        let stale = super::stale_tags(&now.tags, &wanted.tags);
        if now.tags != wanted.tags {
            events
                .retag(&arn, &wanted.tags, &stale)
                .await
                .map_err(backend)?;
        }
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: RuleFields = parse(id, spec)?;
        let events = self.events(&wanted.account).await?;
        events.delete_rule(&wanted.name).await.map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "name"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::EVENT_RULE
    }
}
