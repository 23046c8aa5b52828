//! What a NodePool's largest instance offers a job pod.
//!
//! A job that asks for more CPU or memory than any node the NodePool may
//! launch stays pending until `poll_timeout` ends it. Validation stays
//! pure, so instead of calling `ec2:DescribeInstanceTypes` this module
//! carries a small catalog of the families CI pools use; a family outside
//! it makes the check skip rather than guess.
//!
//! *Allocatable* is what the kubelet leaves to pods, estimated the way
//! Karpenter does: memory less 7.5% VM overhead, kube-reserved memory for
//! 110 pods and a 100Mi eviction threshold; CPU less kube-reserved CPU
//! (6% of the first core, 1% of the second, 0.5% of the next two, 0.25%
//! of the rest). DaemonSets are not counted.

use crate::resources::validate::Quantity;

/// An instance type the NodePool may launch, with what it offers pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub vcpus: u32,
    pub memory_mib: u64,
}

struct Family {
    name: &'static str,
    gib_per_vcpu: u64,
    sizes: &'static [&'static str],
    /// vCPUs of the `metal` size, where the family has one.
    metal_vcpus: u32,
}

const NITRO_5: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
];
const NITRO_6I: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
    "32xlarge", "metal",
];
const NITRO_6A: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
    "32xlarge", "48xlarge", "metal",
];
const NITRO_7I: &[&str] = &[
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "48xlarge",
    "metal-24xl",
    "metal-48xl",
];
const NITRO_7A: &[&str] = &[
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "32xlarge",
    "48xlarge",
    "metal-48xl",
];
const GPU_G4DN: &[&str] = &[
    "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal",
];
const GPU_G5: &[&str] = &[
    "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge",
];

const fn family(
    name: &'static str,
    gib_per_vcpu: u64,
    sizes: &'static [&'static str],
    metal_vcpus: u32,
) -> Family {
    Family {
        name,
        gib_per_vcpu,
        sizes,
        metal_vcpus,
    }
}

const CATALOG: &[Family] = &[
    family(
        "c5",
        2,
        &[
            "large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge",
            "metal",
        ],
        96,
    ),
    family("c5a", 2, NITRO_5, 0),
    family("c6i", 2, NITRO_6I, 128),
    family("c6a", 2, NITRO_6A, 192),
    family("c7i", 2, NITRO_7I, 0),
    family("c7a", 2, NITRO_7A, 0),
    family(
        "m5",
        4,
        &[
            "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
            "metal",
        ],
        96,
    ),
    family("m5a", 4, NITRO_5, 0),
    family("m6i", 4, NITRO_6I, 128),
    family("m6a", 4, NITRO_6A, 192),
    family("m7i", 4, NITRO_7I, 0),
    family("m7a", 4, NITRO_7A, 0),
    family(
        "r5",
        8,
        &[
            "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
            "metal",
        ],
        96,
    ),
    family("r5a", 8, NITRO_5, 0),
    family("r6i", 8, NITRO_6I, 128),
    family("r6a", 8, NITRO_6A, 192),
    family("r7i", 8, NITRO_7I, 0),
    family("g4dn", 4, GPU_G4DN, 96),
    family("g5", 4, GPU_G5, 0),
];

/// The instances of `families` whose size is not excluded, or `None`
/// when a family is not in the catalog.
pub fn allowed_instances(families: &[&str], excluded_sizes: &[&str]) -> Option<Vec<Instance>> {
    let mut instances = Vec::new();
    for name in families {
        let family = CATALOG.iter().find(|f| f.name == *name)?;
        let sizes = family
            .sizes
            .iter()
            .filter(|size| !excluded_sizes.contains(size));
        instances.extend(sizes.map(|size| instance(family, size)));
    }
    Some(instances)
}

fn instance(family: &Family, size: &str) -> Instance {
    let vcpus = size_vcpus(size).unwrap_or(family.metal_vcpus);
    let memory_mib = u64::from(vcpus) * family.gib_per_vcpu * 1024;
    Instance {
        name: format!("{}.{size}", family.name),
        vcpus,
        memory_mib,
    }
}

/// vCPUs by size name: `medium` 1, `large` 2, `xlarge` 4, `Nxlarge` 4N,
/// `metal-Nxl` 4N; plain `metal` is family-specific (`None`).
fn size_vcpus(size: &str) -> Option<u32> {
    match size {
        "medium" => Some(1),
        "large" => Some(2),
        "xlarge" => Some(4),
        _ => {
            let number = size
                .strip_suffix("xlarge")
                .or_else(|| size.strip_prefix("metal-")?.strip_suffix("xl"));
            number?.parse::<u32>().ok().map(|n| n * 4)
        }
    }
}

impl Instance {
    /// CPU left to pods.
    pub fn allocatable_cpu(&self) -> Quantity {
        let cores = i64::from(self.vcpus);
        let reserved_millis = 60 + 10 * (cores > 1) as i64 + 5 * (cores - 2).clamp(0, 2);
        let reserved_quarter_millis = 10 * (cores - 4).max(0);
        let millis = cores * 1000 - reserved_millis - reserved_quarter_millis / 4;
        Quantity::from_millis(millis)
    }

    /// Memory left to pods, in bytes.
    pub fn allocatable_memory(&self) -> Quantity {
        let after_overhead = self.memory_mib * 925 / 1000;
        let kube_reserved = 255 + 11 * 110;
        let eviction = 100;
        let mib = after_overhead.saturating_sub(kube_reserved + eviction);
        Quantity::from_units(i64::try_from(mib * 1024 * 1024).unwrap_or(i64::MAX))
    }
}
