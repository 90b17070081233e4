"""Account snapshots: restore gives back exactly the state, and refused calls change nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aurora_sec
from aurora_sec.aws.account import Account
from aurora_sec.errors import AwsError, ConnectionFailed, PostgresError
from aurora_sec.testing.clusters import make_cluster


def prepared() -> Account:
    acct = Account(seed=11)
    rds = acct.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        MasterUserPassword="password123",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    acct.session("prod").execute("CREATE ROLE app LOGIN")
    acct.client("iam").create_user(UserName="alice")
    return acct


def test_restore_brings_back_everything() -> None:
    acct = prepared()
    before = acct.snapshot()
    rds = acct.client("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql16",
        Description="d",
    )
    acct.session("prod").execute("CREATE ROLE other; DROP ROLE app")
    acct.client("iam").create_user(UserName="bob")
    acct.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    assert acct.snapshot() != before
    acct.restore(before)
    assert acct.snapshot() == before
    names = (
        acct.session("prod")
        .execute("SELECT rolname FROM pg_roles WHERE rolname IN ('app', 'other')")
        .rows
    )
    assert names == (("app",),)
    # ids continue exactly as they would have from the snapshot
    again = Account(seed=11)
    assert acct.ids.state() == before.ids
    del again


def test_snapshots_of_a_large_account_branch_independently() -> None:
    acct = prepared()
    session = acct.session("prod")
    session.execute("; ".join(f"CREATE ROLE r{i}" for i in range(1000)))
    snap = acct.snapshot()
    session.execute("DROP ROLE r1; CREATE ROLE extra")
    acct.restore(snap)
    rows = (
        acct.session("prod")
        .execute("SELECT count(*) FROM pg_roles WHERE rolname IN ('r1', 'extra')")
        .rows
    )
    assert rows == (("1",),)
    acct.session("prod").execute("DROP ROLE r2")
    acct.restore(snap)  # the snapshot is still intact after a second branch
    assert acct.snapshot() == snap


bad = st.sampled_from(
    [
        ("sql", "CREATE ROLE app"),
        ("sql", "DROP ROLE rdsadmin"),
        ("sql", "ALTER ROLE nosuch PASSWORD 'x'"),
        ("rds", "delete_db_cluster"),
        ("rds", "create_db_instance"),
    ]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(bad, min_size=1, max_size=5))
def test_refused_calls_leave_equal_snapshots(calls: list[tuple[str, str]]) -> None:
    acct = prepared()
    before = acct.snapshot()
    for kind, what in calls:
        try:
            if kind == "sql":
                acct.session("prod").execute(what)
            elif what == "delete_db_cluster":
                acct.client("rds").delete_db_cluster(
                    DBClusterIdentifier="prod", SkipFinalSnapshot=True
                )
            else:
                acct.client("rds").create_db_instance(
                    DBInstanceIdentifier="x",
                    DBClusterIdentifier="prod",
                    Engine="aurora-postgresql",
                    DBInstanceClass="db.t3.micro",
                )
        except (AwsError, PostgresError):
            pass
        else:
            raise AssertionError(f"{what} should have been refused")
    after = acct.snapshot()
    assert after.rds == before.rds
    assert after.databases == before.databases
    assert after.iam == before.iam


def test_first_use_is_not_a_change() -> None:
    """Building a cluster's catalog and its TLS identity on first use moves nothing a snapshot
    holds: a refused first connection leaves an equal snapshot (found by the atheris harness
    with a password change rolled back: salts and serials were drawn from counters)."""
    acct = aurora_sec.Account(seed=5)
    handle = make_cluster(
        acct,
        engine_version="15.4",
        parameters={},
        security_group_cidrs=["0.0.0.0/0"],
        instance_class="db.r6g.large",
        identifier="c",
    )
    before = acct.snapshot()
    with pytest.raises(ConnectionFailed, match="password authentication failed"):
        aurora_sec.Client(acct, ip="203.0.113.9").connect(
            f"host={handle.endpoint} user=postgres password=wrong sslmode=require"
        )
    assert acct.snapshot() == before
    session = acct.session("c")
    with pytest.raises(PostgresError, match="does not exist"):
        session.execute("ALTER ROLE postgres PASSWORD 'new-secret-1'; DROP ROLE nosuch")
    assert acct.snapshot() == before
    session.execute("ALTER ROLE postgres PASSWORD 'new-secret-1'")
    changed = acct.snapshot()
    assert changed != before
    # back to the pristine catalog: the master password works again, the new one does not
    acct.restore(before)
    assert acct.snapshot() == before
    client = aurora_sec.Client(acct, ip="203.0.113.9")
    dsn = f"host={handle.endpoint} user=postgres sslmode=require password="
    client.connect(dsn + handle.master_password).close()
    with pytest.raises(ConnectionFailed, match="password authentication failed"):
        client.connect(dsn + "new-secret-1")
    # the same change made again draws the same salt: branches replay byte for byte
    acct.session("c").execute("ALTER ROLE postgres PASSWORD 'new-secret-1'")
    assert acct.snapshot() == changed
