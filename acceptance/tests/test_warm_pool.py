"""`ci_warm_pool` end to end: real Terraform 1.0.3 and moto.

Two node groups of different sizes and their schedules in the scenario's
own CI account (the provider assumes a role there); the node groups,
schedules and scheduler role read back from moto; an empty plan; import;
drift (a size changed by hand, a schedule deleted, a group re-created
with another instance type, groups asleep on a weekday) found by name and
repaired, while groups put to sleep by their own
schedule over the weekend are not drift; destroy leaves nothing. A pool
created on a Saturday starts asleep, and a plan for a new pool makes no
AWS call.

Each test creates its EKS cluster in moto with boto3, so that a warm pool
is tested on its own, without a `ci_cluster`. The provider's clock is pinned with ``CI_WARM_POOL_NOW`` (read
only by the provider's warm pool code, for tests), so the expected sizes do
not depend on the day the suite runs.

moto 5.2.5, as used here: node groups are ACTIVE at once and keep their
subnets in the order sent; EKS TagResource only tags clusters (so tag
changes on node groups are not exercised); GetSchedule answers with a
``text/html`` content type and adds a default RetryPolicy to the target;
ListNodegroups on a missing cluster fails with a 500.
"""

from __future__ import annotations

import json

from harness import config
from harness import (
    Apply,
    CheckNothingLeft,
    Destroy,
    ExpectEmptyPlan,
    ExpectPlanChanges,
    ImportAndCompare,
    OutOfBand,
    Scenario,
)
from harness.aws import UNREACHABLE_ENDPOINT

CLOCK = "CI_WARM_POOL_NOW"
#: Europe/Berlin: Wednesday 11:00, mid-week.
WEDNESDAY = "2026-03-25T10:00:00Z"
#: Europe/Berlin: Saturday 11:00, after Friday's scale-down.
SATURDAY = "2026-03-28T10:00:00Z"

SCALE_DOWN = "cron(0 20 ? * FRI *)"
SCALE_UP = "cron(30 5 ? * MON *)"
TIME_ZONE = "Europe/Berlin"
TARGET = "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig"
POOL_LABEL = "ci-platform/runner-pool"
SUBNETS = ["subnet-0a0000000000000a1", "subnet-0a0000000000000a2"]

#: Week sizes of the two groups: (min, desired, max).
SIZES = {"small": (1, 2, 4), "large": (0, 1, 2)}


def provider_block(aws_endpoint: str, account: str) -> str:
    settings = (
        '  default_tags = { "cost-center" = "ci" }\n'
        f'  assume_role {{\n    role_arn = "arn:aws:iam::{account}:role/ci-terraform"\n  }}'
    )
    return config.provider_block(aws_endpoint, UNREACHABLE_ENDPOINT, settings)


def warm_pool(cluster: str, pool: str, account: str) -> str:
    subnets = json.dumps(SUBNETS)
    return f"""
resource "ci_warm_pool" "payments" {{
  cluster_name  = "{cluster}"
  runner_pool   = "{pool}"
  node_role_arn = "arn:aws:iam::{account}:role/{cluster}-nodes"
  subnet_ids    = {subnets}

  group {{
    name           = "small"
    instance_types = ["c6i.xlarge", "c6a.xlarge"]
    min_size       = 1
    desired_size   = 2
    max_size       = 4
  }}

  group {{
    name           = "large"
    instance_types = ["c6i.4xlarge"]
    capacity_type  = "SPOT"
    disk_size      = 200
    desired_size   = 1
    max_size       = 2
  }}

  schedule {{
    time_zone  = "{TIME_ZONE}"
    scale_down = "{SCALE_DOWN}"
    scale_up   = "{SCALE_UP}"
  }}

  tags = {{ team = "payments" }}
}}
"""


class Moto:
    """boto3 clients acting in the scenario's CI account."""

    def __init__(self, aws, account: str, cluster: str, pool: str):
        session = aws.assume_role(account, "ci-terraform")
        self.eks = session.client("eks")
        self.scheduler = session.client("scheduler")
        self.iam = session.client("iam")
        self.account, self.cluster, self.pool = account, cluster, pool
        self.schedule_names: dict[tuple[str, str], str] = {}
        self.role_name = ""

    def create_cluster(self) -> None:
        self.eks.create_cluster(
            name=self.cluster,
            roleArn=f"arn:aws:iam::{self.account}:role/{self.cluster}",
            resourcesVpcConfig={"subnetIds": SUBNETS},
        )

    def delete_cluster(self) -> None:
        self.eks.delete_cluster(name=self.cluster)

    def node_group(self, group: str) -> dict:
        name = f"{self.pool}-{group}"
        found = self.eks.describe_nodegroup(clusterName=self.cluster, nodegroupName=name)
        return found["nodegroup"]

    def scale(self, group: str, min_size: int, desired: int, max_size: int) -> None:
        self.eks.update_nodegroup_config(
            clusterName=self.cluster,
            nodegroupName=f"{self.pool}-{group}",
            scalingConfig={"minSize": min_size, "desiredSize": desired, "maxSize": max_size},
        )

    def sizes(self, group: str) -> tuple[int, int, int]:
        scaling = self.node_group(group)["scalingConfig"]
        return scaling["minSize"], scaling["desiredSize"], scaling["maxSize"]

    def remember_names(self, state: dict) -> None:
        """Schedule and role names from the state: long names are fitted
        (hashed) to the services' limits, so they are read, not rebuilt."""
        downs_and_ups = iter(state["schedule_names"])
        for group in ("small", "large"):
            for direction in ("down", "up"):
                self.schedule_names[group, direction] = next(downs_and_ups)
        self.role_name = state["scheduler_role_arn"].rsplit("/", 1)[1]

    def schedule(self, group: str, direction: str) -> dict:
        return self.scheduler.get_schedule(Name=self.schedule_names[group, direction])

    def left_over(self) -> list[str]:
        assert self.role_name and self.schedule_names, "names were never read from the state"
        left = self.eks.list_nodegroups(clusterName=self.cluster)["nodegroups"]
        schedules = {s["Name"] for s in self.scheduler.list_schedules()["Schedules"]}
        left += sorted(schedules & set(self.schedule_names.values()))
        roles = {r["RoleName"] for r in self.iam.list_roles()["Roles"]}
        left += sorted(roles & {self.role_name})
        return left


def set_clock(instant: str):
    def step(ctx) -> None:
        ctx.terraform.extra_env[CLOCK] = instant

    step.__name__ = f"clock_at_{instant}"
    return step


def test_two_groups_apply_read_back_import_drift_and_destroy(
    terraform, moto, aws, namespace, provider_binary
):
    account = namespace.ci_account_id
    cluster, pool = namespace.name("warm"), namespace.name("pay")
    ci = Moto(aws, account, cluster, pool)
    ci.create_cluster()
    terraform.extra_env[CLOCK] = WEDNESDAY
    hcl = provider_block(moto, account) + warm_pool(cluster, pool, account)
    small_id = f"node_group/{cluster}/{pool}-small"

    def node_groups_as_configured(ctx) -> None:
        state = ctx.resource("ci_warm_pool.payments")
        ci.remember_names(state)
        small, large = ci.node_group("small"), ci.node_group("large")
        assert ci.sizes("small") == SIZES["small"]
        assert ci.sizes("large") == SIZES["large"]
        assert small["instanceTypes"] == ["c6i.xlarge", "c6a.xlarge"]
        assert (small["capacityType"], small["diskSize"]) == ("ON_DEMAND", 50)
        assert (large["capacityType"], large["diskSize"]) == ("SPOT", 200)
        for group in (small, large):
            assert group["labels"] == {POOL_LABEL: pool}
            assert group["taints"] == [{"key": POOL_LABEL, "value": pool, "effect": "NO_SCHEDULE"}]
            assert group["nodeRole"] == f"arn:aws:iam::{account}:role/{cluster}-nodes"
            assert group["subnets"] == SUBNETS
            assert group["tags"] == {
                "ci-platform/managed-by": "terraform-provider-ci",
                "ci-platform/owner": f"{cluster}/{pool}",
                "cost-center": "ci",
                "team": "payments",
            }
        assert state["current_sizes"] == {"small": 2, "large": 1}
        assert state["node_group_names"] == {"small": f"{pool}-small", "large": f"{pool}-large"}
        assert state["node_group_arns"] == {
            "small": small["nodegroupArn"],
            "large": large["nodegroupArn"],
        }

    def schedules_and_role_as_configured(ctx) -> None:
        role_arn = f"arn:aws:iam::{account}:role/{ci.role_name}"
        for group, (low, desired, high) in SIZES.items():
            for direction, expression, sizes in (
                ("down", SCALE_DOWN, (0, 0, high)),
                ("up", SCALE_UP, (low, desired, high)),
            ):
                schedule = ci.schedule(group, direction)
                assert schedule["ScheduleExpression"] == expression
                assert schedule["ScheduleExpressionTimezone"] == TIME_ZONE
                assert schedule["State"] == "ENABLED"
                assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
                assert schedule["Target"]["Arn"] == TARGET
                assert schedule["Target"]["RoleArn"] == role_arn
                assert json.loads(schedule["Target"]["Input"]) == {
                    "clusterName": cluster,
                    "nodegroupName": f"{pool}-{group}",
                    "scalingConfig": dict(zip(("minSize", "desiredSize", "maxSize"), sizes)),
                }
        role = ci.iam.get_role(RoleName=ci.role_name)["Role"]
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        policy = ci.iam.get_role_policy(RoleName=ci.role_name, PolicyName="scale-node-groups")
        (allowed,) = policy["PolicyDocument"]["Statement"]
        assert allowed["Action"] == "eks:UpdateNodegroupConfig"
        assert allowed["Resource"] == [
            f"arn:aws:eks:eu-west-1:{account}:nodegroup/{cluster}/{pool}-{group}/*"
            for group in ("small", "large")
        ]

    def scale_small_by_hand(ctx) -> None:
        ci.scale("small", 1, 3, 4)

    def small_back_to_its_size(ctx) -> None:
        assert ci.sizes("small") == SIZES["small"]

    def delete_a_schedule(ctx) -> None:
        ci.scheduler.delete_schedule(Name=ci.schedule_names["large", "up"])

    def expect_schedule_named_in_plan(ctx) -> None:
        ExpectPlanChanges(contains=[f"schedule/{ci.schedule_names['large', 'up']}"]).run(ctx)

    def schedule_back(ctx) -> None:
        assert ci.schedule("large", "up")["ScheduleExpression"] == SCALE_UP

    def swap_instance_type(ctx) -> None:
        # EKS cannot change a node group's instance types: someone replaced
        # the group, keeping our tags, label and taint.
        old = ci.node_group("small")
        ci.eks.delete_nodegroup(clusterName=cluster, nodegroupName=old["nodegroupName"])
        ci.eks.create_nodegroup(
            clusterName=cluster,
            nodegroupName=old["nodegroupName"],
            nodeRole=old["nodeRole"],
            subnets=old["subnets"],
            instanceTypes=["m5.large"],
            capacityType=old["capacityType"],
            amiType=old["amiType"],
            diskSize=old["diskSize"],
            scalingConfig=old["scalingConfig"],
            labels=old["labels"],
            taints=old["taints"],
            tags=old["tags"],
        )

    def small_has_its_instance_types_again(ctx) -> None:
        assert ci.node_group("small")["instanceTypes"] == ["c6i.xlarge", "c6a.xlarge"]
        arns = ctx.resource("ci_warm_pool.payments")["node_group_arns"]
        assert arns["small"] == ci.node_group("small")["nodegroupArn"]

    def scale_down_as_the_schedule_does(ctx) -> None:
        for group, (_, _, high) in SIZES.items():
            ci.scale(group, 0, 0, high)

    def nothing_left(ctx):
        return ci.left_over()

    try:
        Scenario(
            terraform,
            [
                Apply(hcl),
                OutOfBand(node_groups_as_configured, "node groups read back from moto"),
                OutOfBand(schedules_and_role_as_configured, "schedules and role read back"),
                ExpectEmptyPlan(),
                ImportAndCompare("ci_warm_pool.payments", f"{cluster}/{pool}"),
                OutOfBand(scale_small_by_hand, "small group scaled to 3 by hand"),
                ExpectPlanChanges(contains=[small_id, "desired_size = 3 -> 2"]),
                Apply(hcl),
                OutOfBand(small_back_to_its_size, "small group back at 1/2/4"),
                ExpectEmptyPlan(),
                OutOfBand(delete_a_schedule, "large group's scale-up schedule deleted"),
                OutOfBand(expect_schedule_named_in_plan, "plan names the deleted schedule"),
                Apply(hcl),
                OutOfBand(schedule_back, "schedule re-created"),
                ExpectEmptyPlan(),
                OutOfBand(swap_instance_type, "small group re-created with m5.large"),
                ExpectPlanChanges(contains=[small_id, '- "m5.large"']),
                Apply(hcl),
                OutOfBand(small_has_its_instance_types_again, "small group replaced back"),
                ExpectEmptyPlan(),
                # Saturday: the groups asleep by their own schedule are no drift.
                OutOfBand(set_clock(SATURDAY)),
                OutOfBand(scale_down_as_the_schedule_does, "groups scaled to zero"),
                ExpectEmptyPlan(),
                # Wednesday again with the groups still asleep: a failed
                # scale-up, which apply repairs.
                OutOfBand(set_clock(WEDNESDAY)),
                ExpectPlanChanges(contains=[small_id, "desired_size = 0 -> 2"]),
                Apply(hcl),
                OutOfBand(small_back_to_its_size, "small group awake again"),
                ExpectEmptyPlan(),
                Destroy(),
                CheckNothingLeft(nothing_left),
            ],
            namespace=namespace,
        ).run()
    finally:
        ci.delete_cluster()


def test_a_pool_created_on_a_saturday_starts_asleep(
    terraform, moto, aws, namespace, provider_binary
):
    account = namespace.ci_account_id
    cluster, pool = namespace.name("warm"), namespace.name("sat")
    ci = Moto(aws, account, cluster, pool)
    ci.create_cluster()
    terraform.extra_env[CLOCK] = SATURDAY
    hcl = provider_block(moto, account) + warm_pool(cluster, pool, account)

    def asleep(ctx) -> None:
        ci.remember_names(ctx.resource("ci_warm_pool.payments"))
        assert ci.sizes("small") == (0, 0, 4)
        assert ci.sizes("large") == (0, 0, 2)
        assert ctx.resource("ci_warm_pool.payments")["current_sizes"] == {"small": 0, "large": 0}

    try:
        Scenario(
            terraform,
            [
                Apply(hcl),
                OutOfBand(asleep, "groups created at zero"),
                ExpectEmptyPlan(),
                Destroy(),
                CheckNothingLeft(lambda ctx: ci.left_over()),
            ],
            namespace=namespace,
        ).run()
    finally:
        ci.delete_cluster()


def test_a_plan_for_a_new_warm_pool_makes_no_aws_call(terraform, aws_faults, namespace, provider_binary):
    # Every AWS endpoint, STS included, is a proxy in front of moto that
    # counts the calls it passes on.
    account = namespace.ci_account_id
    cluster, pool = namespace.name("warm"), namespace.name("plan")
    terraform.extra_env[CLOCK] = WEDNESDAY
    terraform.write_config(
        provider_block(aws_faults.url, account) + warm_pool(cluster, pool, account)
    )

    code, output = terraform.plan()

    assert aws_faults.counts() == {}, "a new pool's plan makes no AWS call"

    assert code == 2, output
    assert "1 to add" in output
    assert "eks:UpdateNodegroupConfig" in output, "the plan shows the rendered policy"
    assert f"node_group/{cluster}/{pool}-small" in output
    assert "aws-sdk:eks:updateNodegroupConfig" in output
