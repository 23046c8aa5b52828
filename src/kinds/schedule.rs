//! EventBridge Scheduler schedules.
