"""Snapshots of a whole account, to branch a property test from a prepared world cheaply.

Every record of the emulator is immutable, so a snapshot is a set of shallow copies of the
containers that hold them (and the committed catalog value of each cluster): O(number of
objects), with no deep copy. ``restore`` puts the copies back (copying again, so the snapshot
stays valid for the next restore). Two snapshots compare equal exactly when the two states are
the same, which is how a test proves that a refused call changed nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["AccountSnapshot", "restore", "take"]

_RDS_DICTS = (
    "cluster_parameter_groups",
    "db_parameter_groups",
    "subnet_groups",
    "clusters",
    "instances",
    "endpoints",
)
_IAM_FLAT = ("users", "groups", "roles", "policies", "access_keys", "login_profiles")
_IAM_NESTED = ("inline", "attached", "members")


def _copy_nested(value: dict[Any, Any]) -> dict[Any, Any]:
    return {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in value.items()}


@attrs.frozen(eq=True)
class AccountSnapshot:
    ids: dict[str, int]
    ec2: Any
    rds: dict[str, dict[Any, Any]]
    rds_now: Any
    databases: dict[str, tuple[Any, Any]]
    iam: dict[str, dict[Any, Any]]
    #: Catalogs not built yet (None) or still as their bootstrap made them. Bootstrapping on
    #: first use is not a change of the account, so they take no part in equality;
    #: ``restore`` puts them back.
    pristine: dict[str, tuple[Any, Any]] = attrs.field(factory=dict, eq=False)


def take(account: Account) -> AccountSnapshot:
    rds = account.rds
    databases: dict[str, tuple[Any, Any]] = {}
    pristine: dict[str, tuple[Any, Any]] = {}
    for rid, db in rds.databases.items():
        if db.pristine or not db.bootstrapped:
            pristine[rid] = (db.catalog if db.bootstrapped else None, db.version)
        else:
            databases[rid] = (db.catalog, db.version)
    iam = {name: dict(getattr(account.iam, name)) for name in _IAM_FLAT}
    # AWS managed policies are read-only and enter ``policies`` on first use (a read, or a
    # call refused after the read): a cache of AWS's catalogue, not state of the account.
    iam["policies"] = {arn: p for arn, p in iam["policies"].items() if not p.aws_managed}
    iam.update({name: _copy_nested(getattr(account.iam, name)) for name in _IAM_NESTED})
    return AccountSnapshot(
        ids=account.ids.state(),
        ec2=account.ec2.snapshot(),
        rds={name: dict(getattr(rds, name)) for name in _RDS_DICTS},
        rds_now=rds.now,
        databases=databases,
        iam=iam,
        pristine=pristine,
    )


def restore(account: Account, snapshot: AccountSnapshot) -> None:
    account.ids.restore(dict(snapshot.ids))
    account.ec2.restore(snapshot.ec2)
    rds = account.rds
    for name, value in snapshot.rds.items():
        setattr(rds, name, dict(value))
    rds.now = snapshot.rds_now
    for rid in list(rds.databases):
        if rid not in snapshot.databases and rid not in snapshot.pristine:
            del rds.databases[rid]  # made again on first use, from the restored cluster
    for rid, (catalog, version) in snapshot.databases.items():
        database = rds.databases.get(rid)
        if database is None:
            continue  # made again on first use, from the restored cluster
        with database.lock:  # not between a session's commit check and its commit
            database.end_transactions()
            database.version = version
            database.commit(catalog)
    for rid, (catalog, version) in snapshot.pristine.items():
        database = rds.databases.get(rid)
        if database is None:
            continue
        with database.lock:
            database.end_transactions()
            database.version = version
            if catalog is None:
                database.reset()
            else:
                database.restore_pristine(catalog)
    for name in _IAM_FLAT:
        setattr(account.iam, name, dict(snapshot.iam[name]))
    for name in _IAM_NESTED:
        setattr(account.iam, name, _copy_nested(snapshot.iam[name]))
    callers = getattr(account.iam, "_callers", None)
    if isinstance(callers, dict):
        callers.clear()
