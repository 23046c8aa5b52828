"""EKS tokens as `aws eks get-token` makes them, to check the provider's.

A token is ``k8s-aws-v1.`` and the unpadded base64url of a presigned STS
``GetCallerIdentity`` URL whose signature covers ``x-k8s-aws-id: <cluster>``.
`expected_token` signs with botocore, the way awscli does, at the time the
provider's token says it was signed, so the two must be equal byte for byte.
"""

from __future__ import annotations

import base64
import datetime
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import botocore.session

PREFIX = "k8s-aws-v1."
HEADER = "x-k8s-aws-id"


def presigned_url(token: str) -> str:
    """The URL inside a token."""
    assert token.startswith(PREFIX), token[:20]
    encoded = token[len(PREFIX):]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def signed_at(token: str) -> datetime.datetime:
    """The ``X-Amz-Date`` of a token's URL."""
    query = parse_qs(urlsplit(presigned_url(token)).query)
    return datetime.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")


def expected_token(cluster: str, region: str, access_key: str, secret_key: str,
                   at: datetime.datetime, session_token: str | None = None) -> str:
    """The token awscli would make for ``cluster`` at ``at``."""
    sts = botocore.session.get_session().create_client(
        "sts",
        region_name=region,
        endpoint_url=f"https://sts.{region}.amazonaws.com",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
    )

    def keep(params, context, **_):
        context[HEADER] = params.pop(HEADER)

    def inject(request, **_):
        request.headers[HEADER] = request.context[HEADER]

    sts.meta.events.register("provide-client-params.sts.GetCallerIdentity", keep)
    sts.meta.events.register("before-sign.sts.GetCallerIdentity", inject)
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        url = sts.generate_presigned_url(
            "get_caller_identity", Params={HEADER: cluster}, ExpiresIn=60, HttpMethod="GET"
        )
    return PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
