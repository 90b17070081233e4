"""pg_hba.conf as data: the rules an Aurora instance runs with, and first-match evaluation.

The rules come from the instance's configuration, the way RDS writes the file:

=========== ======== ========== ========= ========
type        database user       address   method
=========== ======== ========== ========= ========
hostnossl   all      +rds_iam   all       reject
hostssl     all      +rds_iam   all       pam
host        all      rdsadmin   samehost  md5
host        all      rdsadmin   all       reject
host        all      all        all       md5
=========== ======== ========== ========= ========

and ``rds.force_ssl=1`` turns every ``host`` line into ``hostssl`` (S2: it "modifies your DB
cluster's pg_hba.conf file"; re:Post: the types become hostssl), so a connection without TLS
matches no line. UNCONFIRMED (docs/fidelity.md): the exact lines (RDS publishes none); they are
the ones customers have shown from ``pg_hba_file_rules``, plus the rds_iam lines implied by the
observed "pg_hba.conf rejects connection ..., no encryption" for a non-TLS IAM login.

Matching is ``check_hba``: the first line whose type, database and user all match wins; there
is no fall-through.
"""

from __future__ import annotations

from typing import Literal

import attrs

from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Catalog
from aurora_sec.engine.config import EngineConfig
from aurora_sec.versions import behaviour

__all__ = ["HbaRule", "aurora_rules", "match", "no_entry_message", "rejects_message"]

ConnType = Literal["host", "hostssl", "hostnossl"]


@attrs.frozen
class HbaRule:
    conn_type: ConnType
    database: str
    user: str
    address: str
    method: str

    def line(self) -> str:
        return f"{self.conn_type} {self.database} {self.user} {self.address} {self.method}"


def aurora_rules(config: EngineConfig) -> tuple[HbaRule, ...]:
    host: ConnType = "hostssl" if config.force_ssl else "host"
    return (
        HbaRule("hostnossl", "all", "+rds_iam", "all", "reject"),
        HbaRule("hostssl", "all", "+rds_iam", "all", "pam"),
        HbaRule(host, "all", "rdsadmin", "samehost", "md5"),
        HbaRule(host, "all", "rdsadmin", "all", "reject"),
        HbaRule(host, "all", "all", "all", "md5"),
    )


def _user_matches(rule: HbaRule, user: str, catalog: Catalog) -> bool:
    if rule.user == "all":
        return True
    if rule.user.startswith("+"):
        group = catalog.get(rule.user[1:])
        role = catalog.get(user)
        if group is None or role is None:
            return False
        # is_member_of_role_nosuper: superusers are not implicitly members
        return membership.is_member(catalog, role.oid, group.oid, superuser_counts=False)
    return rule.user == user


def match(
    rules: tuple[HbaRule, ...], *, ssl: bool, user: str, database: str, catalog: Catalog
) -> HbaRule | None:
    """The first matching line (the client address is never the server's own here)."""
    for rule in rules:
        if rule.conn_type == "hostssl" and not ssl:
            continue
        if rule.conn_type == "hostnossl" and ssl:
            continue
        if rule.address == "samehost":
            continue
        if rule.database not in ("all", database):
            continue
        if not _user_matches(rule, user, catalog):
            continue
        return rule
    return None


def _words(major: int, ssl: bool) -> str:
    on, off = behaviour("hba.encryption_words", major)
    return str(on if ssl else off)


def no_entry_message(major: int, host: str, user: str, database: str, ssl: bool) -> str:
    return (
        f'no pg_hba.conf entry for host "{host}", user "{user}", database "{database}", '
        f"{_words(major, ssl)}"
    )


def rejects_message(major: int, host: str, user: str, database: str, ssl: bool) -> str:
    return (
        f'pg_hba.conf rejects connection for host "{host}", user "{user}", database "{database}", '
        f"{_words(major, ssl)}"
    )
