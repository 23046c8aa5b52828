"""Prints the EKS tokens `eks_token`'s unit test expects.

They come from botocore, signing exactly as awscli's `aws eks get-token`
does (customizations/eks/get_token.py), through the acceptance harness's
`expected_token`: `get_caller_identity` presigned for GET with
ExpiresIn=60, the `x-k8s-aws-id` header added before signing, and the URL
base64url-encoded without padding after `k8s-aws-v1.`. The clock is fixed
so that the output never changes.

    .tools/venv/bin/python src/backends/kube/testdata/eks_token_vector.py
"""

import datetime
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[4] / "acceptance"))

from harness.eks_token import expected_token  # noqa: E402

NOW = datetime.datetime(2024, 5, 1, 12, 30, 0)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDExAmPlE+token/with=chars"


def token(session_token):
    return expected_token("ci-main", "eu-west-1", ACCESS_KEY, SECRET_KEY, NOW, session_token)


if __name__ == "__main__":
    print("WITH_SESSION_TOKEN", token(SESSION_TOKEN))
    print("WITHOUT_SESSION_TOKEN", token(None))
