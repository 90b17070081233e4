"""What may an IAM user with a read-only RDS policy do? Ask RDS, then the policy simulator.

Run: python examples/iam_policy_check.py

The account's root creates the cluster ``prod`` and the IAM user ``ops`` with an inline policy
that allows ``rds:Describe*`` and explicitly denies ``rds:Delete*``. An RDS client signed with
the user's access key then calls RDS: the describe call succeeds, the others fail with AWS's
``AccessDenied`` (HTTP 403) and its exact message, explicit deny and implicit deny worded
differently. Finally ``SimulatePrincipalPolicy`` gives the same decisions without calling
RDS, with the policy whose statement decided.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aurora_sec as aurora

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadOnly", "Effect": "Allow", "Action": "rds:Describe*", "Resource": "*"},
        {"Sid": "NeverDelete", "Effect": "Deny", "Action": "rds:Delete*", "Resource": "*"},
    ],
}


def main() -> None:
    acct = aurora.Account(account_id="123456789012", region="us-east-1", seed=0)
    rds, iam = acct.client("rds"), acct.client("iam")
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
    )
    user = iam.create_user(UserName="ops")["User"]
    iam.put_user_policy(UserName="ops", PolicyName="ops-rds", PolicyDocument=json.dumps(POLICY))
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = acct.client(
        "rds", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"]
    )

    calls: list[tuple[str, Callable[[], Any]]] = [
        ("DescribeDBClusters", lambda: ops.describe_db_clusters()),
        ("DeleteDBCluster", lambda: ops.delete_db_cluster(DBClusterIdentifier="prod")),
        (
            "ModifyDBCluster",
            lambda: ops.modify_db_cluster(DBClusterIdentifier="prod", DeletionProtection=True),
        ),
    ]
    for name, call in calls:
        try:
            call()
        except aurora.AwsError as err:
            print(f"{name}: {err.code} ({err.http_status}): {err.message}")
        else:
            print(f"{name}: allowed")

    simulated = iam.simulate_principal_policy(
        PolicySourceArn=user["Arn"],
        ActionNames=["rds:DescribeDBClusters", "rds:DeleteDBCluster", "rds:ModifyDBCluster"],
        ResourceArns=[acct.arn("cluster", "prod")],
    )
    for result in simulated["EvaluationResults"]:
        sources = [m["SourcePolicyId"] for m in result["MatchedStatements"]]
        decided = f" (statement in {', '.join(sources)})" if sources else ""
        print(f"simulate {result['EvalActionName']}: {result['EvalDecision']}{decided}")
    print(f"cluster prod is still {rds.describe_db_clusters()['DBClusters'][0]['Status']}")


if __name__ == "__main__":
    main()
