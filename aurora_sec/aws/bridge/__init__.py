"""Real boto3/botocore clients served by an :class:`~aurora_sec.Account`.

``with aurora_sec.aws.bridge.mock(acct): boto3.client("rds", ...)`` answers rds, ec2, iam and
sts calls from the account through botocore's ``before-send`` event: requests parsed and
responses written with botocore's own service models (:mod:`.query_params`,
:mod:`.query_xml`), the signer's access key choosing the IAM principal (:mod:`.sigv4`,
:mod:`.serve`), activation in :mod:`.activation`. The same server over HTTP (``aurora-sec
serve``, for clients in other processes: ``endpoint_url=``) is :mod:`.http`.
"""

from __future__ import annotations

from aurora_sec.aws.bridge.activation import DEFAULT_ROOT_KEYS, Mock, current, mock

__all__ = ["DEFAULT_ROOT_KEYS", "Mock", "current", "mock"]
