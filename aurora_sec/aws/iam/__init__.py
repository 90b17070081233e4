"""The IAM plane: principals, policies, evaluation, enforcement, the simulator, DB auth tokens.

Modules, from data to decisions:

* :mod:`~aurora_sec.aws.iam.policy`: policy documents validated as IAM validates them
  (``MalformedPolicyDocument`` with IAM's messages) and compiled once into frozen objects;
* :mod:`~aurora_sec.aws.iam.conditions`: the condition operators as a data table, policy
  variables, wildcard patterns;
* :mod:`~aurora_sec.aws.iam.evaluate`: the pure decision (explicit deny, allow, implicit deny,
  permissions boundaries) with the statements that decided;
* :mod:`~aurora_sec.aws.iam.actions`: each emulated RDS/EC2/IAM operation's action, resource
  ARNs and request context keys;
* :mod:`~aurora_sec.aws.iam.backend` / :mod:`~aurora_sec.aws.iam.client`: the IAM state and
  the boto3-shaped ``acct.client("iam")``;
* :mod:`~aurora_sec.aws.iam.enforcement`: authorize a call or raise AWS's denial;
* :mod:`~aurora_sec.aws.iam.simulate`: ``SimulatePrincipalPolicy`` / ``SimulateCustomPolicy``;
* :mod:`~aurora_sec.aws.iam.credentials`: clients made from access keys (and ``source_ip``);
* :mod:`~aurora_sec.aws.iam.dbauth`: IAM database authentication tokens.

Usage::

    acct = Account()
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=json.dumps(...))
    rds = acct.client("rds", principal="arn:aws:iam::123456789012:user/alice")
    rds.describe_db_clusters()        # authorized first; AccessDenied as AWS words it
"""

from __future__ import annotations

from aurora_sec.aws.iam.dbauth import DbAuthResult, sign_db_auth_token, verify_db_auth_token
from aurora_sec.aws.iam.evaluate import Decision, PolicySet, Request, SourcedPolicy, evaluate
from aurora_sec.aws.iam.policy import Policy, parse_policy

__all__ = [
    "DbAuthResult",
    "Decision",
    "Policy",
    "PolicySet",
    "Request",
    "SourcedPolicy",
    "evaluate",
    "parse_policy",
    "sign_db_auth_token",
    "verify_db_auth_token",
]
