//! EventBridge: the rules that route EC2 events to Karpenter's
//! interruption queue, and their targets.
//!
//! A *rule* matches events on the default bus by an *event pattern*; each
//! rule here has one *target*, the queue, under a fixed target id.

use std::collections::BTreeMap;

use aws_sdk_eventbridge::types::{RuleState, Tag, Target};

use super::error::{AwsError, code};
use super::request::{Request, found};
use super::service::Events;

/// A rule as EventBridge describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rule {
    pub arn: String,
    /// The pattern as EventBridge stores it (JSON text).
    pub event_pattern: String,
    pub enabled: bool,
    pub tags: BTreeMap<String, String>,
    /// Target id to target ARN.
    pub targets: BTreeMap<String, String>,
}

impl Events {
    /// The rule `name` with its tags and targets, or `None`.
    pub async fn describe_rule(&self, name: &str) -> Result<Option<Rule>, AwsError> {
        let request = Request::new(
            "DescribeRule",
            name,
            format!("read EventBridge rule {name}"),
        );
        let call = self.sdk.describe_rule().name(name).send();
        let found_rule = found(self.send(request, call).await, &[code::RESOURCE_NOT_FOUND])?;
        let Some(output) = found_rule else {
            return Ok(None);
        };
        let arn = output.arn.unwrap_or_default();
        Ok(Some(Rule {
            tags: self.rule_tags(name, &arn).await?,
            targets: self.targets(name).await?,
            event_pattern: output.event_pattern.unwrap_or_default(),
            enabled: output.state == Some(RuleState::Enabled),
            arn,
        }))
    }

    async fn rule_tags(&self, name: &str, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let request = Request::new(
            "ListTagsForResource",
            name,
            format!("read the tags of EventBridge rule {name}"),
        );
        let call = self.sdk.list_tags_for_resource().resource_arn(arn).send();
        let output = self.send(request, call).await?;
        Ok(output
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect())
    }

    async fn targets(&self, name: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let request = Request::new(
            "ListTargetsByRule",
            name,
            format!("read the targets of EventBridge rule {name}"),
        );
        let call = self.sdk.list_targets_by_rule().rule(name).send();
        let output = self.send(request, call).await?;
        let targets = output.targets.unwrap_or_default().into_iter();
        Ok(targets.map(|t| (t.id, t.arn)).collect())
    }

    /// Creates or replaces the rule `name` (enabled); returns its ARN.
    pub async fn put_rule(
        &self,
        name: &str,
        event_pattern: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        let action = format!("write EventBridge rule {name}");
        let request = Request::new("PutRule", name, action.clone());
        let call = self
            .sdk
            .put_rule()
            .name(name)
            .event_pattern(event_pattern)
            .state(RuleState::Enabled)
            .set_tags(sdk_tags(tags))
            .send();
        let output = self.send(request, call).await?;
        output.rule_arn.ok_or_else(|| self.incomplete(action))
    }

    /// Sets the rule's one target: `target_id` sends to `target_arn`.
    pub async fn put_target(
        &self,
        rule: &str,
        target_id: &str,
        target_arn: &str,
    ) -> Result<(), AwsError> {
        let request = Request::new(
            "PutTargets",
            rule,
            format!("set the target of EventBridge rule {rule}"),
        );
        // Building a target fails only without an id or ARN.
        let target = Target::builder().id(target_id).arn(target_arn).build();
        let target = target.map_err(|_| self.incomplete(format!("build a target for {rule}")))?;
        let call = self.sdk.put_targets().rule(rule).targets(target).send();
        let output = self.send(request, call).await?;
        if output.failed_entry_count > 0 {
            return Err(self.incomplete(format!("set the target of EventBridge rule {rule}")));
        }
        Ok(())
    }

    /// Sets `tags` on the rule and removes the keys in `stale`.
    pub async fn retag(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
        stale: &[String],
    ) -> Result<(), AwsError> {
        if !stale.is_empty() {
            let request = Request::new("UntagResource", arn, format!("untag {arn}"));
            let call = self
                .sdk
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(stale.to_vec()))
                .send();
            self.send(request, call).await?;
        }
        let request = Request::new("TagResource", arn, format!("tag {arn}"));
        let call = self
            .sdk
            .tag_resource()
            .resource_arn(arn)
            .set_tags(sdk_tags(tags))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Removes the rule's targets, then the rule; `false` when it was
    /// already gone. EventBridge refuses to delete a rule with targets.
    pub async fn delete_rule(&self, name: &str) -> Result<bool, AwsError> {
        let targets = match found(self.targets(name).await, &[code::RESOURCE_NOT_FOUND])? {
            Some(targets) => targets,
            None => return Ok(false),
        };
        if !targets.is_empty() {
            let request = Request::new(
                "RemoveTargets",
                name,
                format!("remove the targets of EventBridge rule {name}"),
            );
            let call = self
                .sdk
                .remove_targets()
                .rule(name)
                .set_ids(Some(targets.into_keys().collect()))
                .send();
            self.send(request, call).await?;
        }
        let request = Request::new(
            "DeleteRule",
            name,
            format!("delete EventBridge rule {name}"),
        );
        let call = self.sdk.delete_rule().name(name).send();
        Ok(found(self.send(request, call).await, &[code::RESOURCE_NOT_FOUND])?.is_some())
    }
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Option<Vec<Tag>> {
    let tags = tags
        .iter()
        .filter_map(|(key, value)| Tag::builder().key(key).value(value).build().ok());
    Some(tags.collect::<Vec<_>>()).filter(|tags| !tags.is_empty())
}
