//! Checks of job CPU and memory: quantities, defaults within maximums,
//! requests within limits, and the largest job within the largest node.

use super::capacity::{Instance, allowed_instances};
use super::{DEFAULT_EXCLUDED_SIZES, DEFAULT_INSTANCE_FAMILIES};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resources::field::Field;
use crate::resources::validate::{Quantity, positive_quantity};

const RESOURCES: [&str; 4] = ["cpu_request", "cpu_limit", "memory_request", "memory_limit"];

/// A quantity in the configuration and where it is.
struct Amount<'a> {
    field: Field<'a>,
    quantity: Quantity,
}

pub(super) fn check(root: &Field, diags: &mut Diagnostics) {
    let defaults = root.attr("job_defaults");
    let maximums = root.attr("job_maximums");
    for block in [&defaults, &maximums] {
        for resource in RESOURCES {
            block.attr(resource).check(diags, positive_quantity);
        }
    }
    if diags.has_errors() {
        return;
    }
    for block in [&defaults, &maximums] {
        request_within_limit(block, "cpu", diags);
        request_within_limit(block, "memory", diags);
    }
    for resource in RESOURCES {
        default_within_maximum(&defaults.attr(resource), &maximums.attr(resource), diags);
    }
    largest_job_fits_a_node(root, diags);
}

fn amount<'a>(field: Field<'a>) -> Option<Amount<'a>> {
    let quantity = field.str()?.parse().ok()?;
    Some(Amount { field, quantity })
}

fn request_within_limit(block: &Field, resource: &str, diags: &mut Diagnostics) {
    let request = amount(block.attr(&format!("{resource}_request")));
    let limit = amount(block.attr(&format!("{resource}_limit")));
    let (Some(request), Some(limit)) = (request, limit) else {
        return;
    };
    if request.quantity > limit.quantity {
        diags.push(request.field.error(
            "Request above limit",
            format!(
                "The {resource} request ({}) is above the {resource} limit ({}); Kubernetes \
                 rejects such pods. Lower the request or raise the limit.",
                request.field.str().unwrap_or_default(),
                limit.field.str().unwrap_or_default()
            ),
        ));
    }
}

fn default_within_maximum(default: &Field, maximum: &Field, diags: &mut Diagnostics) {
    let (Some(default), Some(maximum)) = (amount(default.clone()), amount(maximum.clone())) else {
        return;
    };
    if default.quantity > maximum.quantity {
        diags.push(default.field.error(
            "Job default above maximum",
            format!(
                "The default ({}) is above the maximum a job may ask for ({}). Lower the \
                 default in job_defaults or raise job_maximums.",
                default.field.str().unwrap_or_default(),
                maximum.field.str().unwrap_or_default()
            ),
        ));
    }
}

/// The most a job pod may request of `resource`: the larger of the
/// maximum and default requests, or, when no request is set, of the
/// limits (Kubernetes then requests the limit). `None` when unknown.
fn largest_request<'a>(root: &Field<'a>, resource: &str) -> Option<Option<Amount<'a>>> {
    let blocks = [root.attr("job_maximums"), root.attr("job_defaults")];
    let pick = |suffix: &str| {
        blocks
            .iter()
            .map(|b| b.attr(&format!("{resource}_{suffix}")))
            .collect()
    };
    let requests: Vec<Field<'a>> = pick("request");
    let candidates = if requests.iter().all(Field::is_null) {
        pick("limit")
    } else {
        requests
    };
    if candidates
        .iter()
        .any(|f| f.is_unknown() || blocks.iter().any(Field::is_unknown))
    {
        return None;
    }
    let amounts = candidates.into_iter().filter_map(amount);
    Some(amounts.max_by_key(|a| a.quantity))
}

/// The instances the NodePool may launch; `None` when not known.
fn node_pool_instances(root: &Field) -> Option<Vec<Instance>> {
    let node_pool = root.attr("node_pool");
    let families = super::validate::string_list(
        &node_pool.attr("instance_families"),
        DEFAULT_INSTANCE_FAMILIES,
    )?;
    let excluded =
        super::validate::string_list(&node_pool.attr("excluded_sizes"), DEFAULT_EXCLUDED_SIZES)?;
    // An empty family list is reported as an empty requirement.
    if families.is_empty() {
        return None;
    }
    allowed_instances(&families, &excluded)
}

/// The largest job a pool lets through: its biggest CPU and memory
/// requests (`None` where nothing bounds one).
struct LargestJob<'a> {
    cpu: Option<Amount<'a>>,
    memory: Option<Amount<'a>>,
}

impl LargestJob<'_> {
    fn cpu_fits(&self, instance: &Instance) -> bool {
        let cpu = self.cpu.as_ref();
        cpu.is_none_or(|c| instance.allocatable_cpu() >= c.quantity)
    }

    fn memory_fits(&self, instance: &Instance) -> bool {
        let memory = self.memory.as_ref();
        memory.is_none_or(|m| instance.allocatable_memory() >= m.quantity)
    }

    /// The request to blame when no instance fits, `None` when one does.
    ///
    /// With no CPU bound every CPU fits, and with no memory bound every
    /// instance fitting the CPU would fit, so the culprit is always known.
    fn culprit(&self, instances: &[Instance]) -> Option<&Amount<'_>> {
        if instances
            .iter()
            .any(|i| self.cpu_fits(i) && self.memory_fits(i))
        {
            return None;
        }
        if instances.iter().any(|i| self.cpu_fits(i)) {
            self.memory.as_ref()
        } else {
            self.cpu.as_ref()
        }
    }

    fn explain(&self, largest: &Instance) -> String {
        let asked = |a: &Option<Amount>| {
            let text = a.as_ref().and_then(|a| a.field.str());
            text.unwrap_or("-").to_string()
        };
        format!(
            "Jobs may request {} CPU and {} memory, but no instance this NodePool may launch \
             has that much left for pods; the largest, {}, offers about {} CPU and {:.1}Gi. \
             Such jobs would stay pending until poll_timeout. Lower the job maximums, or allow \
             larger sizes (node_pool.excluded_sizes) or families (node_pool.instance_families).",
            asked(&self.cpu),
            asked(&self.memory),
            largest.name,
            largest.allocatable_cpu(),
            largest.allocatable_memory().units() as f64 / f64::from(1 << 30),
        )
    }
}

fn largest_job_fits_a_node(root: &Field, diags: &mut Diagnostics) {
    let (Some(cpu), Some(memory)) = (
        largest_request(root, "cpu"),
        largest_request(root, "memory"),
    ) else {
        return;
    };
    let Some(instances) = node_pool_instances(root) else {
        return;
    };
    let Some(largest) = instances.iter().max_by_key(|i| (i.vcpus, i.memory_mib)) else {
        diags.push(no_instance_allowed(root));
        return;
    };
    let job = LargestJob { cpu, memory };
    if let Some(culprit) = job.culprit(&instances) {
        let detail = job.explain(largest);
        diags.push(
            culprit
                .field
                .error("Job maximum does not fit any instance", detail),
        );
    }
}

fn no_instance_allowed(root: &Field) -> Diagnostic {
    root.attr("node_pool").attr("excluded_sizes").error(
        "No instance type allowed",
        "Every size of every instance family is excluded, so the NodePool can launch \
         nothing. Remove sizes from excluded_sizes or add instance families.",
    )
}
