//! A warm pool's inputs with their defaults, and the names that follow
//! from them.
//!
//! Names are deterministic so that read, import and destroy find every
//! sub-object again: the node group of group `small` in the warm pool of
//! runner pool `payments` is `payments-small`; its schedules are
//! `ci-warm-<cluster>-payments-small-down` and `...-up`; the scheduler's
//! role is `ci-warm-<cluster>-payments` (each fitted to its service's
//! length limit).

use std::collections::BTreeMap;

use super::size_now::{Phase, Timing};
use super::*;
use crate::kinds::node_group::Scaling;
use crate::resources::field::Field;
use crate::resources::fit_name;

/// Which way a schedule scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Down,
    Up,
}

impl Direction {
    pub const BOTH: [Direction; 2] = [Direction::Down, Direction::Up];

    pub fn word(self) -> &'static str {
        match self {
            Direction::Down => "down",
            Direction::Up => "up",
        }
    }
}

/// One `group` block, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub instance_types: Vec<String>,
    pub capacity_type: String,
    pub ami_type: String,
    pub disk_size: i32,
    pub min_size: i32,
    pub desired_size: i32,
    pub max_size: i32,
}

impl Group {
    fn from_field(block: &Field) -> Option<Group> {
        let text =
            |name: &str, default: &str| block.attr(name).str().unwrap_or(default).to_string();
        let whole = |name: &str, default: i64| {
            let number = block.attr(name).number().and_then(|n| n.as_i64());
            i32::try_from(number.unwrap_or(default)).ok()
        };
        Some(Group {
            name: block.attr("name").str()?.to_string(),
            instance_types: strings(&block.attr("instance_types")),
            capacity_type: text("capacity_type", DEFAULT_CAPACITY_TYPE),
            ami_type: text("ami_type", DEFAULT_AMI_TYPE),
            disk_size: whole("disk_size", DEFAULT_DISK_SIZE)?,
            min_size: whole("min_size", 0)?,
            desired_size: whole("desired_size", -1).filter(|n| *n >= 0)?,
            max_size: whole("max_size", -1).filter(|n| *n >= 0)?,
        })
    }

    /// The scaling the schedule gives this group in `phase`: its sizes in
    /// the week; zero, with the same maximum, over the weekend.
    pub fn scaling(&self, phase: Phase) -> Scaling {
        match phase {
            Phase::Week => Scaling {
                min_size: self.min_size,
                desired_size: self.desired_size,
                max_size: self.max_size,
            },
            Phase::Weekend => Scaling {
                min_size: 0,
                desired_size: 0,
                max_size: self.max_size,
            },
        }
    }
}

/// The `schedule` block, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleInputs {
    pub enabled: bool,
    pub time_zone: String,
    pub scale_down: String,
    pub scale_up: String,
}

impl ScheduleInputs {
    fn from_field(block: &Field) -> ScheduleInputs {
        let text =
            |name: &str, default: &str| block.attr(name).str().unwrap_or(default).to_string();
        ScheduleInputs {
            enabled: block.attr("enabled").bool().unwrap_or(true),
            time_zone: text("time_zone", DEFAULT_TIME_ZONE),
            scale_down: text("scale_down", DEFAULT_SCALE_DOWN),
            scale_up: text("scale_up", DEFAULT_SCALE_UP),
        }
    }

    /// The expression of the schedule scaling `direction`.
    pub fn expression(&self, direction: Direction) -> &str {
        match direction {
            Direction::Down => &self.scale_down,
            Direction::Up => &self.scale_up,
        }
    }

    /// The block parsed into when it fires.
    pub fn timing(&self) -> Result<Timing, String> {
        let (down, up) = (&self.scale_down, &self.scale_up);
        Timing::parse(self.enabled, &self.time_zone, down, up)
    }
}

/// One warm pool's inputs, every one known, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub cluster: String,
    pub runner_pool: String,
    pub node_role_arn: String,
    pub subnet_ids: Vec<String>,
    pub groups: Vec<Group>,
    pub schedule: ScheduleInputs,
    pub tags: BTreeMap<String, String>,
}

/// The inputs expansion reads; all must be known to expand.
const INPUTS: [&str; 7] = [
    "cluster_name",
    "runner_pool",
    "node_role_arn",
    "subnet_ids",
    "group",
    "schedule",
    "tags",
];

impl Pool {
    /// Reads the inputs; `None` while any of them is unknown.
    pub fn from_value(config: &Value) -> Option<Pool> {
        let known = |name: &str| config.attr(name).is_none_or(Value::is_wholly_known);
        if !INPUTS.iter().all(|name| known(name)) {
            return None;
        }
        let root = Field::root(config);
        let text = |name: &str| root.attr(name).str().map(str::to_string);
        let blocks = root.attr("group").elements().unwrap_or_default();
        let groups = blocks
            .iter()
            .map(Group::from_field)
            .collect::<Option<_>>()?;
        Some(Pool {
            cluster: text("cluster_name")?,
            runner_pool: text("runner_pool")?,
            node_role_arn: text("node_role_arn")?,
            subnet_ids: strings(&root.attr("subnet_ids")),
            groups,
            schedule: ScheduleInputs::from_field(&root.attr("schedule")),
            tags: string_map(&root.attr("tags")),
        })
    }

    /// The resource id and import id: `<cluster>/<runner pool>`.
    pub fn id(&self) -> String {
        id(&self.cluster, &self.runner_pool)
    }

    pub fn node_group_name(&self, group: &Group) -> String {
        node_group_name(&self.runner_pool, &group.name)
    }

    pub fn schedule_name(&self, group: &Group, direction: Direction) -> String {
        schedule_name(&self.cluster, &self.runner_pool, &group.name, direction)
    }

    /// The scheduler's IAM role.
    pub fn role_name(&self) -> String {
        role_name(&self.cluster, &self.runner_pool)
    }

    /// Every schedule name, two per group in group order: down, then up.
    pub fn schedule_names(&self) -> Vec<String> {
        let pairs = self.groups.iter().flat_map(|group| {
            Direction::BOTH.map(|direction| self.schedule_name(group, direction))
        });
        pairs.collect()
    }
}

/// EventBridge Scheduler's limit on schedule names.
const SCHEDULE_NAME_MAX: usize = 64;
/// IAM's limit on role names.
const ROLE_NAME_MAX: usize = 64;

pub fn id(cluster: &str, runner_pool: &str) -> String {
    format!("{cluster}/{runner_pool}")
}

/// `<runner pool>-<group>`, which validation keeps within EKS's limit.
pub fn node_group_name(runner_pool: &str, group: &str) -> String {
    format!("{runner_pool}-{group}")
}

pub fn schedule_name(
    cluster: &str,
    runner_pool: &str,
    group: &str,
    direction: Direction,
) -> String {
    let full = format!(
        "ci-warm-{cluster}-{runner_pool}-{group}-{}",
        direction.word()
    );
    fit_name(&full, SCHEDULE_NAME_MAX)
}

pub fn role_name(cluster: &str, runner_pool: &str) -> String {
    fit_name(&format!("ci-warm-{cluster}-{runner_pool}"), ROLE_NAME_MAX)
}

fn strings(field: &Field) -> Vec<String> {
    field.strings().into_iter().map(str::to_string).collect()
}

fn string_map(field: &Field) -> BTreeMap<String, String> {
    let entries = field.entries().unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.str()?.to_string())))
        .collect()
}
