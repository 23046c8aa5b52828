"""Configuration snippets every scenario starts from."""

from __future__ import annotations

AWS_SERVICES = ("iam", "sts", "eks", "sqs", "events", "scheduler")


def provider_block(aws_endpoint: str, kube_url: str, settings: str = "") -> str:
    """``required_providers`` and a ``provider "ci"`` block pointing every
    AWS service at ``aws_endpoint`` and Kubernetes at ``kube_url``.

    ``settings`` holds extra provider arguments, one per line.
    """
    endpoints = "\n".join(f'    {s} = "{aws_endpoint}"' for s in AWS_SERVICES)
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
  kubernetes {{
    host     = "{kube_url}"
    insecure = true
  }}
}}
"""
