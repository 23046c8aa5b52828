"""Prints the EKS tokens `eks_token`'s unit test expects.

They come from botocore, signing exactly as awscli's `aws eks get-token`
does (customizations/eks/get_token.py): `get_caller_identity` presigned for
GET with ExpiresIn=60, the `x-k8s-aws-id` header added before signing, and
the URL base64url-encoded without padding after `k8s-aws-v1.`. The clock is
fixed so that the output never changes.

    .tools/venv/bin/python src/backends/kube/testdata/eks_token_vector.py
"""

import base64
import datetime
from unittest import mock

import botocore.session

HEADER = "x-k8s-aws-id"
NOW = datetime.datetime(2024, 5, 1, 12, 30, 0)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDExAmPlE+token/with=chars"


def token(cluster, region, session_token):
    sts = botocore.session.get_session().create_client(
        "sts",
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=session_token,
    )

    def keep(params, context, **_):
        context[HEADER] = params.pop(HEADER)

    def inject(request, **_):
        request.headers[HEADER] = request.context[HEADER]

    sts.meta.events.register("provide-client-params.sts.GetCallerIdentity", keep)
    sts.meta.events.register("before-sign.sts.GetCallerIdentity", inject)
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        url = sts.generate_presigned_url(
            "get_caller_identity",
            Params={HEADER: cluster},
            ExpiresIn=60,
            HttpMethod="GET",
        )
    encoded = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    return "k8s-aws-v1." + encoded


if __name__ == "__main__":
    print("WITH_SESSION_TOKEN", token("ci-main", "eu-west-1", SESSION_TOKEN))
    print("WITHOUT_SESSION_TOKEN", token("ci-main", "eu-west-1", None))
