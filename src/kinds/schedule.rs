//! EventBridge Scheduler schedules, in the provider's own account and the
//! `default` schedule group.
//!
//! Schedules take no tags, so ownership is marked in the description: it
//! ends with [`ownership_marks`], `ci-platform/managed-by=...` and
//! `ci-platform/owner=...`. The input is kept as JSON in the spec so plans
//! show its structure; the scheduler stores it as text.

use serde::{Deserialize, Serialize};

use super::{MANAGED_BY, MANAGED_BY_VALUE, OWNER, Reach, backend, parse, rank, render};
use crate::backends::aws::Scheduler;
use crate::backends::aws::propagation::retry_while_propagating;
use crate::backends::aws::scheduler::ScheduleSettings;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleFields {
    pub name: String,
    pub description: String,
    pub expression: String,
    pub time_zone: String,
    pub enabled: bool,
    pub target_arn: String,
    pub role_arn: String,
    /// JSON when the scheduler's text parses as JSON, else that text.
    pub input: serde_json::Value,
}

impl ScheduleFields {
    fn settings(&self) -> ScheduleSettings {
        let input = match &self.input {
            serde_json::Value::String(text) => text.clone(),
            json => json.to_string(),
        };
        ScheduleSettings {
            name: self.name.clone(),
            description: self.description.clone(),
            expression: self.expression.clone(),
            time_zone: self.time_zone.clone(),
            enabled: self.enabled,
            target_arn: self.target_arn.clone(),
            role_arn: self.role_arn.clone(),
            input,
        }
    }

    fn observed(settings: ScheduleSettings) -> ScheduleFields {
        let input = serde_json::from_str(&settings.input)
            .unwrap_or(serde_json::Value::String(settings.input));
        ScheduleFields {
            name: settings.name,
            description: settings.description,
            expression: settings.expression,
            time_zone: settings.time_zone,
            enabled: settings.enabled,
            target_arn: settings.target_arn,
            role_arn: settings.role_arn,
            input,
        }
    }
}

/// The end of the description of every schedule owned by `owner`.
pub fn ownership_marks(owner: &str) -> String {
    format!("{MANAGED_BY}={MANAGED_BY_VALUE} {OWNER}={owner}")
}

fn is_owned(description: &str) -> bool {
    description.contains(&format!("{MANAGED_BY}={MANAGED_BY_VALUE}"))
}

/// The schedule kind.
pub struct Schedule(pub Reach);

impl Schedule {
    /// The scheduler in the provider's own account.
    async fn scheduler(&self) -> Result<Scheduler, KindError> {
        let account = self.0.aws.account(None, "").await.map_err(backend)?;
        Ok(account.scheduler())
    }
}

#[async_trait::async_trait]
impl Kind for Schedule {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: ScheduleFields = parse(id, spec)?;
        let scheduler = self.scheduler().await?;
        let found = scheduler
            .get_schedule(&wanted.name)
            .await
            .map_err(backend)?;
        Ok(found.map(|settings| Observed {
            owned: is_owned(&settings.description),
            spec: render(&ScheduleFields::observed(settings)),
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: ScheduleFields = parse(id, spec)?;
        let scheduler = self.scheduler().await?;
        let settings = wanted.settings();
        let create = || scheduler.create_schedule(&settings);
        retry_while_propagating("create the schedule", create)
            .await
            .map_err(backend)?;
        Ok(spec.clone())
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        _: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        let wanted: ScheduleFields = parse(id, desired)?;
        let scheduler = self.scheduler().await?;
        scheduler
            .update_schedule(&wanted.settings())
            .await
            .map_err(backend)?;
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: ScheduleFields = parse(id, spec)?;
        let scheduler = self.scheduler().await?;
        scheduler
            .delete_schedule(&wanted.name)
            .await
            .map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn delete_rank(&self) -> u8 {
        rank::SCHEDULE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(input: serde_json::Value) -> ScheduleFields {
        ScheduleFields {
            name: "central-payments-small-down".into(),
            description: format!("Scale down. {}", ownership_marks("central/payments")),
            expression: "cron(0 19 ? * FRI *)".into(),
            time_zone: "Europe/Berlin".into(),
            enabled: true,
            target_arn: "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig".into(),
            role_arn: "arn:aws:iam::123456789012:role/ci-warm".into(),
            input,
        }
    }

    #[test]
    fn json_input_goes_out_as_text_and_comes_back_as_json() {
        let input = json!({"clusterName": "central", "scalingConfig": {"desiredSize": 0}});
        let sent = fields(input.clone()).settings();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&sent.input).unwrap(),
            input
        );
        assert_eq!(ScheduleFields::observed(sent), fields(input));
    }

    #[test]
    fn text_that_is_not_json_round_trips_as_text() {
        let sent = fields(json!("not json {")).settings();
        assert_eq!(sent.input, "not json {");
        assert_eq!(ScheduleFields::observed(sent).input, json!("not json {"));
    }

    #[test]
    fn only_descriptions_with_our_mark_are_owned() {
        assert!(is_owned(&fields(json!({})).description));
        assert!(!is_owned("Scale the build fleet down"));
    }
}
