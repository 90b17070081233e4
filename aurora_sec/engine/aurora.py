"""What Aurora adds on top of PostgreSQL's role checks.

* ``rds.restrict_password_commands`` (S3, S4 in shared/reference/aurora-facts.md): when the
  instance runs with it on, CREATE ROLE/USER with PASSWORD or VALID UNTIL, ALTER ROLE/USER with
  PASSWORD or VALID UNTIL, and RENAME of a role whose password is MD5 fail with ``ERROR: must be
  a member of rds_password to alter passwords`` unless the current role is a member of
  ``rds_password`` (``rds_superuser`` is). The parameter only exists from 10.6; the
  configuration the control plane computes leaves it out below that.
* A role may not hold both ``rds_iam`` and ``rds_ad``, directly or through nested membership
  (S2).
* rds_superuser's membership in rds_password cannot be revoked (S3).

UNCONFIRMED (docs/fidelity.md): the SQLSTATE of the rds_password error (42501 is used) and its
place in the order of checks (before PostgreSQL's own, as a utility hook runs), and the text
of the rds_iam/rds_ad refusal.
"""

from __future__ import annotations

from aurora_sec.engine import membership
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.ddl.context import ExecContext
from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st

__all__ = ["check"]

_IAM_AD = frozenset({"rds_iam", "rds_ad"})


def _password_restricted(ctx: ExecContext, stmt: st.Statement) -> bool:
    if isinstance(stmt, st.CreateRole | st.AlterRole):
        return stmt.affects_password
    if isinstance(stmt, st.RenameRole):
        role = ctx.catalog.get(stmt.old)
        return role is not None and role.password is not None and role.password.kind == "md5"
    return False


def _member_of(ctx: ExecContext, name: str) -> bool:
    role = ctx.catalog.get(name)
    return role is not None and membership.is_member(ctx.catalog, ctx.current_user, role.oid)


def check(ctx: ExecContext, stmt: st.Statement, config: EngineConfig) -> None:
    """Raise Aurora's error for ``stmt`` if Aurora refuses it before PostgreSQL looks at it."""
    if (
        config.restrict_password_commands
        and _password_restricted(ctx, stmt)
        and not _member_of(ctx, "rds_password")
    ):
        raise ctx.fail("aurora.password_restricted")
    if isinstance(stmt, st.RevokeRole) and not ctx.superuser:
        # S3: "The rds_superuser role has membership for the rds_password role by default, and
        # you can't change this." UNCONFIRMED text: PostgreSQL's revoke refusal, without DETAIL.
        names = {r.name for r in stmt.roles}
        if "rds_password" in names and any(
            ref.kind is st.RoleRefKind.NAME and ref.name == "rds_superuser" for ref in stmt.grantees
        ):
            raise PostgresError("42501", 'permission denied to revoke role "rds_password"')
    if type(stmt) is st.GrantRole:
        for granted in stmt.roles:
            if granted.name in _IAM_AD:
                _check_iam_and_ad(ctx, stmt)
                break


def _check_iam_and_ad(ctx: ExecContext, stmt: st.GrantRole) -> None:
    """S2: a GRANT of rds_iam or rds_ad to a role that holds the other (or of both)."""
    names = {r.name for r in stmt.roles}
    other = {"rds_iam": "rds_ad", "rds_ad": "rds_iam"}
    for ref in stmt.grantees:
        if ref.kind is not st.RoleRefKind.NAME or ref.name is None:
            continue
        grantee = ctx.catalog.get(ref.name)
        if grantee is None:
            continue
        for name in names & _IAM_AD:
            if other[name] in names:
                raise ctx.fail("aurora.iam_and_ad")
            rival = ctx.catalog.get(other[name])
            if rival is not None and membership.is_member(
                ctx.catalog, grantee.oid, rival.oid, superuser_counts=False
            ):
                raise ctx.fail("aurora.iam_and_ad")
