"""Connection slots through the whole stack: parameter groups, drivers' texts, close, reboot.

The texts, SQLSTATEs and the order of the checks are proven against real PostgreSQL 15 and
16 in tests/client_oracle/test_connection_limits.py; here the same checks are reached the
way a user reaches them: ``max_connections`` in the instance's parameter group (static: after
a reboot), ``rds.rds_superuser_reserved_connections`` (default 2) and the superuser slots
(3, PostgreSQL's default), connections opened with :class:`aurora_sec.Client` and closed (or
left in a ``with`` block), and each driver printing the FATAL as it prints any other.
"""

from __future__ import annotations

from typing import Any

import pytest

import aurora_sec as aurora
from aurora_sec.aws.account import Account
from tests.client.test_end_to_end import PASSWORD, world

IP = "203.0.113.10"
SUPERUSER_TEXT_15 = (
    "remaining connection slots are reserved for non-replication superuser connections"
)
SUPERUSER_TEXT_16 = "remaining connection slots are reserved for roles with the SUPERUSER attribute"
PRIVILEGED_TEXT_16 = (
    "remaining connection slots are reserved for roles with privileges of the"
    ' "pg_use_reserved_connections" role'
)


def limited_world(version: str, max_connections: int, **extra: str) -> tuple[Account, str]:
    """A cluster whose instance runs with this max_connections (and these cluster parameters)."""
    acct, hosts = world(version)
    rds = acct.client("rds")
    family = f"aurora-postgresql{version.split('.')[0]}"
    rds.create_db_parameter_group(
        DBParameterGroupName="limits", DBParameterGroupFamily=family, Description="d"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="limits",
        Parameters=[
            {
                "ParameterName": "max_connections",
                "ParameterValue": str(max_connections),
                "ApplyMethod": "pending-reboot",
            }
        ],
    )
    if extra:
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName="g",
            Parameters=[
                {"ParameterName": k, "ParameterValue": v, "ApplyMethod": "pending-reboot"}
                for k, v in extra.items()
            ],
        )
    rds.modify_db_instance(DBInstanceIdentifier="prod-1", DBParameterGroupName="limits")
    rds.reboot_db_instance(DBInstanceIdentifier="prod-1")
    master = acct.session("prod")
    master.execute("CREATE ROLE app LOGIN PASSWORD 'app-password'")
    return acct, hosts["cluster"]


def client(acct: Account, **kwargs: Any) -> aurora.Client:
    kwargs.setdefault("driver_version", 15)
    return aurora.Client(acct, ip=IP, **kwargs)


def app(host: str, sslmode: str = "require") -> str:
    return f"host={host} dbname=postgres user=app password=app-password sslmode={sslmode}"


def master(host: str, sslmode: str = "require") -> str:
    return f"host={host} dbname=postgres user=postgres password={PASSWORD} sslmode={sslmode}"


def test_the_parameter_group_sets_the_slots_and_closing_frees_one() -> None:
    # 8 slots: 3 for superusers, 2 for rds_superuser members, 3 for everyone
    acct, host = limited_world("15.4", 8)
    laptop = client(acct)
    first, second, third = (laptop.connect(app(host)) for _ in range(3))
    assert len(acct.rds.connection_slots("prod-1")) == 3
    with pytest.raises(aurora.ConnectionFailed) as err:
        laptop.connect(app(host))
    address = first.outcome.address
    assert str(err.value) == (
        f'connection to server at "{host}" ({address}), port 5432 failed: '
        f"FATAL:  {SUPERUSER_TEXT_15}"
    )
    # the master user is a member of rds_superuser: it may take the two rds_superuser slots
    bosses = [laptop.connect(master(host)) for _ in range(2)]
    with pytest.raises(aurora.ConnectionFailed) as err:
        laptop.connect(master(host))
    assert str(err.value).endswith(f"FATAL:  {SUPERUSER_TEXT_15}")
    # closing gives the slot back, and closing twice is harmless; while the master's two
    # connections hold slots, only 3 remain free: still none for everyone
    first.close()
    first.close()
    assert first.closed and not second.closed
    assert len(acct.rds.connection_slots("prod-1")) == 4
    with pytest.raises(aurora.ConnectionFailed, match="the connection is closed"):
        first.execute("SELECT 1")
    with pytest.raises(aurora.ConnectionFailed):
        laptop.connect(app(host))
    for conn in bosses:
        conn.close()
    with laptop.connect(app(host)) as again:
        assert again.execute("SELECT current_user").value == "app"
        assert len(acct.rds.connection_slots("prod-1")) == 3
    assert again.closed and len(acct.rds.connection_slots("prod-1")) == 2
    second.close()
    third.close()
    assert len(acct.rds.connection_slots("prod-1")) == 0


def test_a_reboot_ends_every_connection() -> None:
    acct, host = limited_world("15.4", 6)
    laptop = client(acct)
    conn = laptop.connect(app(host))
    with pytest.raises(aurora.ConnectionFailed):
        laptop.connect(app(host))  # 6 - 3 - 2: one slot for everyone
    acct.client("rds").reboot_db_instance(DBInstanceIdentifier="prod-1")
    assert len(acct.rds.connection_slots("prod-1")) == 0
    laptop.connect(app(host)).close()
    conn.close()  # a connection the reboot ended: closing it frees nothing else
    assert len(acct.rds.connection_slots("prod-1")) == 0


def test_rds_superuser_slots_follow_the_parameter_on_16() -> None:
    acct, host = limited_world("16.4", 7, **{"rds.rds_superuser_reserved_connections": "3"})
    laptop = client(acct, driver_version=16)
    held = [laptop.connect(app(host))]  # 7 - 3 - 3 = 1 slot for everyone
    with pytest.raises(aurora.ConnectionFailed) as err:
        laptop.connect(app(host))
    assert str(err.value).endswith(f"FATAL:  {PRIVILEGED_TEXT_16}")
    held += [laptop.connect(master(host)) for _ in range(3)]
    with pytest.raises(aurora.ConnectionFailed) as err:
        laptop.connect(master(host))
    assert str(err.value).endswith(f"FATAL:  {SUPERUSER_TEXT_16}")
    for conn in held:
        conn.close()


def test_role_connection_limit() -> None:
    acct, host = limited_world("15.4", 100)
    acct.session("prod").execute("ALTER ROLE app CONNECTION LIMIT 1")
    laptop = client(acct)
    with laptop.connect(app(host)):
        with pytest.raises(aurora.ConnectionFailed) as err:
            laptop.connect(app(host))
        assert str(err.value).endswith('FATAL:  too many connections for role "app"')
        # authentication comes first: a wrong password is told so
        with pytest.raises(aurora.ConnectionFailed) as err:
            laptop.connect(f"host={host} dbname=postgres user=app password=wrong sslmode=require")
        assert str(err.value).endswith('FATAL:  password authentication failed for user "app"')
    laptop.connect(app(host)).close()


def test_each_driver_prints_the_fatal_as_it_prints_others() -> None:
    acct, host = limited_world("15.4", 6)
    held = client(acct).connect(app(host))
    address = held.outcome.address
    prefix = f'connection to server at "{host}" ({address}), port 5432 failed: '
    # libpq 14+: the per-attempt prefix; prefer tries SSL, then plaintext, and prints both
    with pytest.raises(aurora.ConnectionFailed) as err:
        client(acct, driver_version=16).connect(app(host, "prefer"))
    assert str(err.value) == (
        f"{prefix}FATAL:  {SUPERUSER_TEXT_15}\n{prefix}FATAL:  {SUPERUSER_TEXT_15}"
    )
    # libpq 13: no prefix
    with pytest.raises(aurora.ConnectionFailed) as err:
        client(acct, driver_version=13).connect(app(host))
    assert str(err.value) == f"FATAL:  {SUPERUSER_TEXT_15}"
    # pgjdbc: its own format; prefer retries without SSL only after 28000, not 53300
    jdbc = aurora.Client(acct, ip=IP, driver="pgjdbc")
    outcome = jdbc.attempt(
        f"jdbc:postgresql://{host}:5432/postgres?user=app&password=app-password&sslmode=prefer"
    )
    assert not outcome.ok
    assert (outcome.message, outcome.sqlstate) == (f"FATAL: {SUPERUSER_TEXT_15}", "53300")
    assert len(outcome.attempts) == 1
    held.close()


def test_attempt_is_a_probe_that_holds_no_slot() -> None:
    acct, host = limited_world("15.4", 6)
    outcome = client(acct).attempt(app(host))
    assert outcome.ok
    assert len(acct.rds.connection_slots("prod-1")) == 0
