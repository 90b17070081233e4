"""Turn on restricted password management and force SSL on an Aurora PostgreSQL cluster.

Run: python examples/restricted_passwords.py

It prints what each step changes on the running instance, and the errors AWS gives for the
two common mistakes (editing the default group, applying a static parameter immediately).
"""

from __future__ import annotations

import aurora_sec as aurora


def main() -> None:
    acct = aurora.Account(account_id="123456789012", region="us-east-1", seed=0)
    rds = acct.client("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql16",
        Description="restricted password management",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        DBClusterParameterGroupName="secure",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r7g.large",
    )
    for group, method in (
        ("default.aurora-postgresql16", "pending-reboot"),
        ("secure", "immediate"),
    ):
        try:
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=group,
                Parameters=[
                    {
                        "ParameterName": "rds.restrict_password_commands",
                        "ParameterValue": "1",
                        "ApplyMethod": method,
                    }
                ],
            )
        except aurora.AwsError as err:
            print(f"{group} / {method}: {err.code}: {err.message}")

    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        Parameters=[
            {
                "ParameterName": "rds.restrict_password_commands",
                "ParameterValue": "1",
                "ApplyMethod": "pending-reboot",
            },
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"},
        ],
    )
    config = acct.engine_config("prod-1")
    print(
        f"before reboot: force_ssl={config.force_ssl} restrict={config.restrict_password_commands}"
    )
    rds.reboot_db_instance(DBInstanceIdentifier="prod-1")
    config = acct.engine_config("prod-1")
    print(
        f"after reboot:  force_ssl={config.force_ssl} restrict={config.restrict_password_commands}"
    )


if __name__ == "__main__":
    main()
