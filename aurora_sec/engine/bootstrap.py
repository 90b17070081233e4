"""The role catalog a new Aurora PostgreSQL cluster starts with, per major version.

Two layers, as data:

* :data:`PREDEFINED_ROLES`: PostgreSQL's predefined ``pg_*`` roles, with the major that
  introduced each and its real oid (``src/include/catalog/pg_authid.dat``), and the grants
  between them (``pg_monitor`` is a member of the three monitoring roles);
* :data:`AURORA_ROLES`: what RDS adds (S1, S2 in shared/reference/aurora-facts.md): ``rdsadmin``
  is the bootstrap superuser; ``rds_superuser`` (NOLOGIN) is a member of ``pg_monitor``,
  ``pg_signal_backend``, ``rds_replication`` and ``rds_password``; the master user is
  ``LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION VALID UNTIL 'infinity'`` and a
  member of ``rds_superuser``.

UNCONFIRMED (docs/fidelity.md): AWS does not publish the ADMIN options of these grants; the
master user holds ADMIN OPTION on ``rds_superuser`` and ``rds_superuser`` on ``rds_password``
and ``rds_replication``, which is what lets them grant those roles on 16+ as AWS documents.
"""

from __future__ import annotations

from collections.abc import Iterable

from aurora_sec.engine.catalog import Catalog, Grant, Role
from aurora_sec.engine.passwords import StoredPassword

__all__ = ["AURORA_ROLES", "PREDEFINED_ROLES", "bootstrap_catalog"]

BOOTSTRAP_OID = 10

#: (name, first major, oid)
PREDEFINED_ROLES: tuple[tuple[str, int, int], ...] = (
    ("pg_monitor", 10, 3373),
    ("pg_read_all_settings", 10, 3374),
    ("pg_read_all_stats", 10, 3375),
    ("pg_stat_scan_tables", 10, 3377),
    ("pg_signal_backend", 10, 4200),
    ("pg_read_server_files", 11, 4569),
    ("pg_write_server_files", 11, 4570),
    ("pg_execute_server_program", 11, 4571),
    ("pg_database_owner", 14, 6171),
    ("pg_read_all_data", 14, 6181),
    ("pg_write_all_data", 14, 6182),
    ("pg_checkpoint", 15, 4544),
    ("pg_use_reserved_connections", 16, 4550),
    ("pg_create_subscription", 16, 6304),
    ("pg_maintain", 17, 6337),
)

#: (role, member) grants among predefined roles (pg_authid.dat / system_views.sql).
PREDEFINED_GRANTS: tuple[tuple[str, str], ...] = (
    ("pg_read_all_settings", "pg_monitor"),
    ("pg_read_all_stats", "pg_monitor"),
    ("pg_stat_scan_tables", "pg_monitor"),
)

#: The NOLOGIN roles RDS creates, in creation order.
AURORA_ROLES: tuple[str, ...] = (
    "rds_superuser",
    "rds_replication",
    "rds_password",
    "rds_iam",
    "rds_ad",
)

#: (role, member, admin option) grants RDS makes; "<master>" is the master user.
AURORA_GRANTS: tuple[tuple[str, str, bool], ...] = (
    ("pg_monitor", "rds_superuser", False),
    ("pg_signal_backend", "rds_superuser", False),
    ("rds_replication", "rds_superuser", True),
    ("rds_password", "rds_superuser", True),
    ("rds_superuser", "<master>", True),
)


def _grants(catalog: Catalog, pairs: Iterable[tuple[str, str, bool]]) -> Catalog:
    for role_name, member_name, admin in pairs:
        role, member = catalog.get(role_name), catalog.get(member_name)
        if role is None or member is None:
            continue
        catalog = catalog.put_grant(
            Grant(role=role.oid, member=member.oid, grantor=BOOTSTRAP_OID, admin=admin)
        )
    return catalog


def bootstrap_catalog(
    major: int, master_username: str, master_password: StoredPassword | None
) -> Catalog:
    """The catalog of a new cluster of ``major`` with the given master user."""
    roles = {
        BOOTSTRAP_OID: Role(
            oid=BOOTSTRAP_OID,
            name="rdsadmin",
            superuser=True,
            createrole=True,
            createdb=True,
            login=True,
            replication=True,
            bypassrls=True,
            valid_until="infinity",
        )
    }
    for name, first, oid in PREDEFINED_ROLES:
        if major >= first:
            roles[oid] = Role(oid=oid, name=name)
    catalog = Catalog(roles=roles, bootstrap_oid=BOOTSTRAP_OID)
    catalog = _grants(catalog, ((r, m, False) for r, m in PREDEFINED_GRANTS))
    for name in AURORA_ROLES:
        catalog, _ = catalog.add_role(Role(oid=0, name=name))
    catalog, _ = catalog.add_role(
        Role(
            oid=0,
            name=master_username,
            login=True,
            inherit=True,
            createdb=True,
            createrole=True,
            password=master_password,
            valid_until="infinity",
        )
    )
    grants = tuple(
        (role, master_username if member == "<master>" else member, admin)
        for role, member, admin in AURORA_GRANTS
    )
    return _grants(catalog, grants)
