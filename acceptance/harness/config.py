"""Configuration snippets every scenario starts from."""

from __future__ import annotations

AWS_SERVICES = ("iam", "sts", "eks", "sqs", "events", "scheduler")


def provider_block(aws_endpoint: str, kube_url: str | None, settings: str = "") -> str:
    """``required_providers`` and a ``provider "ci"`` block pointing every
    AWS service at ``aws_endpoint`` and Kubernetes at ``kube_url``.

    Without ``kube_url`` the block has no ``kubernetes`` block, and the
    provider finds each cluster with ``eks:DescribeCluster``.
    ``settings`` holds extra provider arguments, one per line.
    """
    endpoints = "\n".join(f'    {s} = "{aws_endpoint}"' for s in AWS_SERVICES)
    kubernetes = "" if kube_url is None else f"""  kubernetes {{
    host     = "{kube_url}"
    insecure = true
  }}
"""
    return f"""
terraform {{
  required_providers {{
    ci = {{ source = "registry.terraform.io/ci-platform/ci" }}
  }}
}}

provider "ci" {{
  region = "eu-west-1"
{settings}
  endpoints {{
{endpoints}
  }}
{kubernetes}}}
"""
