"""boto3 sessions pointed at the moto server, never at real AWS.

An `AwsSession` is a boto3 session plus the emulator's endpoint. It starts
in moto's default account with dummy credentials; `AwsSession.assume_role`
returns a session acting in another account id, the way the provider
reaches a target account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config

REGION = "eu-west-1"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "testing"

#: A loopback address nothing listens on (TCP port 1, tcpmux): AWS calls
#: that were not pointed at moto fail fast here instead of leaving the host.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:1"

#: The account moto's default credentials act in.
DEFAULT_ACCOUNT_ID = "123456789012"

_CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=60,
    retries={"max_attempts": 2, "mode": "standard"},
)


class AwsSession:
    """Credentials in one emulated account, and clients that use them."""

    def __init__(self, endpoint_url: str, boto: boto3.Session | None = None):
        self.endpoint_url = endpoint_url
        self.boto = boto or boto3.Session(
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
        )

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` talking to the emulator."""
        return self.boto.client(
            service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG
        )

    def account_id(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]

    def assume_role(
        self,
        account_id: str,
        role_name: str,
        session_name: str = "acceptance",
    ) -> AwsSession:
        """A session acting as ``role_name`` in ``account_id``.

        moto does not require the role to exist: the returned credentials
        act in ``account_id`` whatever the role.
        """
        role_arn = f"arn:aws:iam::{account_id}:role/{role_name}"
        credentials = self.client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName=session_name
        )["Credentials"]
        boto = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=REGION,
        )
        return AwsSession(self.endpoint_url, boto)


def dummy_credentials_env() -> Mapping[str, str]:
    """Environment giving child processes the emulator's dummy credentials.

    Also keeps the AWS SDKs away from the user's files and from instance
    metadata, so nothing can reach a real account.
    """
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
