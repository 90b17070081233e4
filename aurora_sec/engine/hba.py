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


def _rules(conn_type: ConnType) -> tuple[HbaRule, ...]:
    return (
        HbaRule("hostnossl", "all", "+rds_iam", "all", "reject"),
        HbaRule("hostssl", "all", "+rds_iam", "all", "pam"),
        HbaRule(conn_type, "all", "rdsadmin", "samehost", "md5"),
        HbaRule(conn_type, "all", "rdsadmin", "all", "reject"),
        HbaRule(conn_type, "all", "all", "all", "md5"),
    )


#: The two files RDS writes (rds.force_ssl off / on): immutable, built once.
_RULES: dict[bool, tuple[HbaRule, ...]] = {False: _rules("host"), True: _rules("hostssl")}


def aurora_rules(config: EngineConfig) -> tuple[HbaRule, ...]:
    return _RULES[config.force_ssl]


#: Group membership answers for the last catalog seen (catalogs are immutable, so the answers
#: hold as long as that catalog object is the one asked about).
_MEMBERS: tuple[Catalog, dict[tuple[str, str], bool]] | None = None


def _member(catalog: Catalog, user: str, group_name: str) -> bool:
    global _MEMBERS
    cached = _MEMBERS
    if cached is None or cached[0] is not catalog:
        cached = (catalog, {})
        _MEMBERS = cached
    answers = cached[1]
    found = answers.get((user, group_name))
    if found is None:
        group = catalog.get(group_name)
        role = catalog.get(user)
        # is_member_of_role_nosuper: superusers are not implicitly members
        found = (
            group is not None
            and role is not None
            and membership.is_member(catalog, role.oid, group.oid, superuser_counts=False)
        )
        answers[(user, group_name)] = found
    return found


def _user_matches(rule: HbaRule, user: str, catalog: Catalog) -> bool:
    if rule.user == "all":
        return True
    if rule.user.startswith("+"):
        return _member(catalog, user, rule.user[1:])
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
