//! EventBridge Scheduler: the schedules that scale warm pools down for the
//! weekend and up for the week.
