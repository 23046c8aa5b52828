//! EventBridge Scheduler: the schedules that scale warm pools down for the
//! weekend and up for the week.
//!
//! A *schedule* invokes one *target* when its cron expression matches in
//! its time zone. A *universal target* such as
//! `arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig` calls one AWS
//! API action with the schedule's JSON *input* as the request, under the
//! target's role. Every schedule here lives in the `default` schedule
//! group and invokes its target at the minute (no flexible window).
//! Schedules take no tags, so their description is where an owner can be
//! named.

use aws_sdk_scheduler::error::BuildError;
use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};

use super::error::{AwsError, ServiceError, code};
use super::request::{self, Request};
use super::service::Scheduler;

/// A schedule as we set it, and as the scheduler describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSettings {
    pub name: String,
    pub description: String,
    /// `cron(...)`, `rate(...)` or `at(...)`.
    pub expression: String,
    /// IANA name; the scheduler's default is `UTC`.
    pub time_zone: String,
    /// `false`: the schedule exists but never fires (`DISABLED`).
    pub enabled: bool,
    pub target_arn: String,
    pub role_arn: String,
    /// The request the target receives, usually JSON.
    pub input: String,
}

impl Scheduler {
    /// The region schedules are created in, which is the provider's.
    pub fn region(&self) -> Option<String> {
        self.sdk.config().region().map(ToString::to_string)
    }

    /// The schedule `name`, or `None` when there is none.
    pub async fn get_schedule(&self, name: &str) -> Result<Option<ScheduleSettings>, AwsError> {
        let action = format!("read schedule {name}");
        let request = Request::new("GetSchedule", name, action);
        let call = self.sdk.get_schedule().name(name).send();
        let found = request::found(self.send(request, call).await, &[code::RESOURCE_NOT_FOUND])?;
        Ok(found.map(settings))
    }

    /// Creates the schedule; the scheduler answers `ConflictException`
    /// when one of that name exists.
    pub async fn create_schedule(&self, schedule: &ScheduleSettings) -> Result<(), AwsError> {
        let name = schedule.name.as_str();
        let action = format!("create schedule {name}");
        let (target, window) = self.parts(schedule, &action)?;
        let request = Request::new("CreateSchedule", name, action);
        let call = self
            .sdk
            .create_schedule()
            .name(name)
            .description(&schedule.description)
            .schedule_expression(&schedule.expression)
            .schedule_expression_timezone(&schedule.time_zone)
            .state(state(schedule.enabled))
            .flexible_time_window(window)
            .target(target)
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Replaces every setting of the schedule (UpdateSchedule keeps
    /// nothing that is left out).
    pub async fn update_schedule(&self, schedule: &ScheduleSettings) -> Result<(), AwsError> {
        let name = schedule.name.as_str();
        let action = format!("update schedule {name}");
        let (target, window) = self.parts(schedule, &action)?;
        let request = Request::new("UpdateSchedule", name, action);
        let call = self
            .sdk
            .update_schedule()
            .name(name)
            .description(&schedule.description)
            .schedule_expression(&schedule.expression)
            .schedule_expression_timezone(&schedule.time_zone)
            .state(state(schedule.enabled))
            .flexible_time_window(window)
            .target(target)
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Deletes the schedule; `false` when it was already gone.
    pub async fn delete_schedule(&self, name: &str) -> Result<bool, AwsError> {
        let request = Request::new("DeleteSchedule", name, format!("delete schedule {name}"));
        let call = self.sdk.delete_schedule().name(name).send();
        let found = request::found(self.send(request, call).await, &[code::RESOURCE_NOT_FOUND])?;
        Ok(found.is_some())
    }

    /// The target and the (switched off) flexible window of `schedule`.
    fn parts(
        &self,
        schedule: &ScheduleSettings,
        action: &str,
    ) -> Result<(Target, FlexibleTimeWindow), AwsError> {
        let invalid = |error: BuildError| {
            let cause = ServiceError::other(&error.to_string());
            request::failed(self.account_id(), action.to_string(), cause)
        };
        let target = Target::builder()
            .arn(&schedule.target_arn)
            .role_arn(&schedule.role_arn)
            .input(&schedule.input)
            .build()
            .map_err(invalid)?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(invalid)?;
        Ok((target, window))
    }
}

fn state(enabled: bool) -> ScheduleState {
    match enabled {
        true => ScheduleState::Enabled,
        false => ScheduleState::Disabled,
    }
}

fn settings(output: GetScheduleOutput) -> ScheduleSettings {
    let text = |value: Option<&str>| value.unwrap_or_default().to_string();
    let target = output.target();
    ScheduleSettings {
        name: text(output.name()),
        description: text(output.description()),
        expression: text(output.schedule_expression()),
        time_zone: output
            .schedule_expression_timezone()
            .unwrap_or("UTC")
            .to_string(),
        enabled: output.state() != Some(&ScheduleState::Disabled),
        target_arn: text(target.map(Target::arn)),
        role_arn: text(target.map(Target::role_arn)),
        input: text(target.and_then(Target::input)),
    }
}
