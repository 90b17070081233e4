"""The bootstrap catalog of an Aurora cluster and membership rules per major."""

from __future__ import annotations

import pytest

from aurora_sec.engine.bootstrap import bootstrap_catalog
from aurora_sec.engine.catalog import Catalog, Grant, Role
from aurora_sec.engine.membership import can_set_role, has_privs, is_admin, is_member


def oid(cat: Catalog, name: str) -> int:
    role = cat.get(name)
    assert role is not None, name
    return role.oid


@pytest.mark.parametrize("major", [11, 13, 14, 15, 16, 17])
def test_aurora_shape(major: int) -> None:
    cat = bootstrap_catalog(major, "postgres", None)
    admin = cat.get("rdsadmin")
    assert admin is not None and admin.superuser and admin.oid == 10
    master = cat.get("postgres")
    assert master is not None
    assert (
        master.login,
        master.superuser,
        master.createrole,
        master.createdb,
        master.replication,
    ) == (
        True,
        False,
        True,
        True,
        False,
    )
    assert master.valid_until == "infinity"
    rds_superuser = oid(cat, "rds_superuser")
    for granted in ("pg_monitor", "pg_signal_backend", "rds_replication", "rds_password"):
        assert is_member(cat, rds_superuser, oid(cat, granted))
    assert has_privs(
        cat, major, oid(cat, "postgres"), oid(cat, "pg_read_all_stats")
    )  # via pg_monitor
    assert not is_member(cat, oid(cat, "postgres"), oid(cat, "rds_iam"))
    predefined = {n for n in cat.names() if n.startswith("pg_")}
    assert ("pg_read_all_data" in predefined) == (major >= 14)
    assert ("pg_checkpoint" in predefined) == (major >= 15)
    assert ("pg_create_subscription" in predefined) == (major >= 16)
    assert ("pg_maintain" in predefined) == (major >= 17)


def _chain(
    major: int, *, role_inherits: bool, grant_inherits: bool, grant_sets: bool
) -> tuple[Catalog, int, int]:
    cat = bootstrap_catalog(major, "postgres", None)
    cat, top = cat.add_role(Role(oid=0, name="top"))
    cat, user = cat.add_role(Role(oid=0, name="user1", login=True, inherit=role_inherits))
    cat = cat.put_grant(
        Grant(role=top.oid, member=user.oid, grantor=10, inherit=grant_inherits, set=grant_sets)
    )
    return cat, user.oid, top.oid


def test_inheritance_source_changes_at_16() -> None:
    # NOINHERIT role, grant says inherit: up to 15 the role's flag wins, from 16 the grant's.
    cat, user, top = _chain(15, role_inherits=False, grant_inherits=True, grant_sets=True)
    assert not has_privs(cat, 15, user, top)
    cat, user, top = _chain(16, role_inherits=False, grant_inherits=True, grant_sets=True)
    assert has_privs(cat, 16, user, top)
    cat, user, top = _chain(16, role_inherits=True, grant_inherits=False, grant_sets=True)
    assert not has_privs(cat, 16, user, top)
    assert is_member(cat, user, top)


def test_set_role_needs_set_option_from_16() -> None:
    cat, user, top = _chain(15, role_inherits=True, grant_inherits=True, grant_sets=False)
    assert can_set_role(cat, 15, user, top)
    cat, user, top = _chain(16, role_inherits=True, grant_inherits=True, grant_sets=False)
    assert not can_set_role(cat, 16, user, top)


def test_admin_option_and_self_administration() -> None:
    cat = bootstrap_catalog(15, "postgres", None)
    master, rds_superuser = oid(cat, "postgres"), oid(cat, "rds_superuser")
    assert is_admin(cat, 15, master, rds_superuser, session_user=master)
    assert is_admin(
        cat, 15, master, oid(cat, "rds_password"), session_user=master
    )  # via rds_superuser
    assert not is_admin(cat, 15, master, oid(cat, "rds_iam"), session_user=master)
    assert is_admin(cat, 15, 10, oid(cat, "rds_iam"), session_user=10)  # superuser
    assert is_admin(cat, 14, master, master, session_user=master)  # 11-14: the session user
    assert not is_admin(cat, 15, master, master, session_user=master)  # removed in 15
