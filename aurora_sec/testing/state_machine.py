"""``AuroraStateMachine``: a hypothesis state machine whose invariants are Aurora's guarantees.

Run it as a test (``TestAurora = AuroraStateMachine.TestCase``) or subclass it to add rules
about your own code (``self.account``, ``self.cluster``, ``self.master`` and the model are
there for them). Each run builds one account with a cluster of :attr:`engine_version`
(security group open to ``203.0.113.0/24``, a custom cluster parameter group, one writer),
then applies random steps:

* create roles through the master user's session (LOGIN or not, CREATEROLE or not, with a
  password or without), and grant roles (``rds_password`` among them);
* alter passwords as various roles (the master user, the created roles);
* change ``rds.restrict_password_commands`` (static: ``pending-reboot``, then a reboot applies
  it) and ``rds.force_ssl`` (dynamic: immediate);
* connect through :class:`aurora_sec.Client` (libpq) with a random ``sslmode``;
* run statements that must fail (a failing statement after a succeeding one in the same
  string, attacks on ``rdsadmin``).

The invariants are checked after every step:

* ``rdsadmin`` is unchanged: its catalog record equals the bootstrap one;
* while the running configuration restricts password commands, no password changes except
  through ``rds_password`` members: every role's stored password is the one the model
  expects, and the model only accepts a change by a member (a change by anyone else fails
  the step);
* no non-SSL session on a ``force_ssl`` instance: a connection that succeeded without TLS
  while the running configuration has ``rds.force_ssl=1`` fails the step;
* a failed statement leaves the catalog as it was (compared by value);
* the running configuration is the one the model expects (static changes wait for a reboot).
"""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from aurora_sec.aws.account import Account
from aurora_sec.client.client import Client
from aurora_sec.engine.catalog import Catalog, Role
from aurora_sec.engine.session import Session
from aurora_sec.errors import ConnectionFailed, PostgresError
from aurora_sec.testing.clusters import DEFAULT_CIDRS, MASTER_USERNAME, make_cluster
from aurora_sec.testing.strategies import SSLMODES

__all__ = ["AuroraStateMachine"]

MASTER = MASTER_USERNAME
RDS_PASSWORD = "rds_password"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _conninfo(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_names = st.builds(
    str.__add__,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", max_size=8),
)
_passwords = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=4, max_size=12
)


class AuroraStateMachine(RuleBasedStateMachine):
    """Random Aurora sessions, parameter changes and connections, checked against a model."""

    #: The cluster's engine version; subclasses may change it.
    engine_version: ClassVar[str] = "16.4"
    master_password: ClassVar[str] = "correct-horse-battery"
    client_ip: ClassVar[str] = "203.0.113.10"

    roles = Bundle("roles")

    def __init__(self) -> None:
        super().__init__()
        self.account = Account(seed=0)
        self.cluster = "prod"
        self.instance = "prod-1"
        self.group = "prod-params"
        self.endpoint = ""
        # the model
        self.member_of: dict[str, set[str]] = {}
        self.plaintext: dict[str, str] = {}
        self.passwords: dict[str, object] = {}
        self.restrict_running = False
        self.restrict_pending = False
        self.force_ssl_running = False
        self.bootstrap_rdsadmin: Role | None = None
        self.connections = 0

    # ------------------------------------------------------------------ world ----------

    @initialize()
    def boot(self) -> None:
        """Build the account, the cluster and its writer; remember the bootstrap catalog."""
        acct = self.account
        cluster = make_cluster(
            acct,
            engine_version=self.engine_version,
            parameters={},
            security_group_cidrs=DEFAULT_CIDRS,
            instance_class="db.r6g.large",
            identifier=self.cluster,
            master_password=self.master_password,
        )
        self.endpoint = cluster.endpoint
        self.instance = cluster.instance_identifier
        self.group = cluster.parameter_group
        self.ca_bundle = acct.ca_bundle_pem()
        catalog = self.catalog
        self.bootstrap_rdsadmin = catalog.get("rdsadmin")
        for grant in catalog.grants:
            member = catalog.role(grant.member).name
            self.member_of.setdefault(member, set()).add(catalog.role(grant.role).name)
        self.plaintext[MASTER] = self.master_password
        self._remember_passwords()

    @property
    def catalog(self) -> Catalog:
        """The cluster's committed role catalog."""
        return self.account.rds.database(self.cluster).catalog

    @property
    def master(self) -> Session:
        """A fresh session of the master user on the writer."""
        return self.account.session(self.cluster)

    def session(self, user: str) -> Session:
        return self.account.session(self.cluster, user)

    def _remember_passwords(self) -> None:
        catalog = self.catalog
        self.passwords = {
            name: role.password
            for name in catalog.names()
            if (role := catalog.get(name)) is not None
        }

    def is_password_member(self, name: str) -> bool:
        """Is ``name`` a member of rds_password (directly or through other roles), in the model?"""
        seen, todo = {name}, [name]
        while todo:
            for parent in self.member_of.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return RDS_PASSWORD in seen

    def run(self, session: Session, sql: str) -> bool:
        """Run ``sql``; True if it succeeded. A failure must leave the catalog unchanged."""
        before = self.catalog
        try:
            session.execute(sql)
        except PostgresError:
            assert self.catalog == before, f"a failed statement changed the catalog: {sql}"
            return False
        return True

    # ------------------------------------------------------------------ rules ----------

    @rule(target=roles, name=_names, login=st.booleans(), createrole=st.booleans(),
          password=st.none() | _passwords)  # fmt: skip
    def create_role(self, name: str, login: bool, createrole: bool, password: str | None) -> Any:
        options = ["LOGIN" if login else "NOLOGIN"]
        if createrole:
            options.append("CREATEROLE")
        if password is not None:
            options.append(f"PASSWORD {_literal(password)}")
        sql = f"CREATE ROLE {_ident(name)} {' '.join(options)}"
        ok = self.run(self.master, sql)
        if ok and password is not None and self.restrict_running:
            # the master user is in rds_superuser, itself a member of rds_password
            assert self.is_password_member(MASTER), "CREATE ROLE ... PASSWORD by a non-member"
        if not ok:
            return multiple()
        if password is not None:
            self.plaintext[name] = password
        self._remember_passwords()
        return name

    @rule(role=st.sampled_from([RDS_PASSWORD]) | roles, member=roles)
    def grant(self, role: str, member: str) -> None:
        if self.run(self.master, f"GRANT {_ident(role)} TO {_ident(member)}"):
            self.member_of.setdefault(member, set()).add(role)

    @rule(actor=st.just(MASTER) | roles, whose=st.just(MASTER) | roles, password=_passwords)
    def alter_password(self, actor: str, whose: str, password: str) -> None:
        names = set(self.catalog.names())
        if actor not in names or whose not in names:
            return
        before = self.catalog.get(whose)
        sql = f"ALTER ROLE {_ident(whose)} PASSWORD {_literal(password)}"
        ok = self.run(self.session(actor), sql)
        after = self.catalog.get(whose)
        assert before is not None
        assert after is not None
        if not ok:
            assert after.password is before.password
            return
        if self.restrict_running:
            assert self.is_password_member(actor), (
                f"{actor} changed the password of {whose} while rds.restrict_password_commands"
                f" is on and {actor} is not a member of rds_password"
            )
        assert after.password is not before.password
        self.plaintext[whose] = password
        self.passwords[whose] = after.password

    @rule(on=st.booleans())
    def set_restrict_password_commands(self, on: bool) -> None:
        self._modify("rds.restrict_password_commands", "1" if on else "0", "pending-reboot")
        self.restrict_pending = on

    @rule()
    def reboot(self) -> None:
        self.account.client("rds").reboot_db_instance(DBInstanceIdentifier=self.instance)
        self.restrict_running = self.restrict_pending

    @rule(on=st.booleans())
    def set_force_ssl(self, on: bool) -> None:
        self._modify("rds.force_ssl", "1" if on else "0", "immediate")
        self.force_ssl_running = on

    def _modify(self, name: str, value: str, method: str) -> None:
        self.account.client("rds").modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=self.group,
            Parameters=[{"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}],
        )

    @precondition(lambda self: bool(self.plaintext))
    @rule(data=st.data(), sslmode=st.sampled_from(SSLMODES))
    def connect(self, data: st.DataObject, sslmode: str) -> None:
        user = data.draw(st.sampled_from(sorted(self.plaintext)), label="user")
        self.connect_as(user, sslmode)

    def connect_as(self, user: str, sslmode: str) -> None:
        """Connect as ``user`` (with the password the model knows) from the client machine."""
        client = Client(
            self.account,
            ip=self.client_ip,
            driver_version=16,
            files={"global-bundle.pem": self.ca_bundle},
        )
        dsn = (
            f"host={self.endpoint} dbname=postgres user={_conninfo(user)}"
            f" password={_conninfo(self.plaintext[user])} sslmode={sslmode}"
        )
        if sslmode.startswith("verify-"):
            dsn += " sslrootcert=global-bundle.pem"
        try:
            conn = client.connect(dsn)
        except ConnectionFailed:
            return
        self.connections += 1
        forced = self.account.engine_config(self.instance).force_ssl
        assert not (forced and conn.ssl is None), (
            f"a session without SSL on a force_ssl instance (sslmode={sslmode})"
        )
        assert not (self.force_ssl_running and sslmode == "disable")
        assert conn.execute("SELECT current_user").value == user

    @rule(actor=st.just(MASTER) | roles, name=_names)
    def failing_script(self, actor: str, name: str) -> None:
        """A statement that succeeds, then one that fails: nothing of the first remains."""
        if actor not in self.catalog.names():
            return
        ok = self.run(
            self.session(actor),
            f"CREATE ROLE {_ident('tmp ' + name)}; ALTER ROLE rdsadmin PASSWORD 'pwned'",
        )
        assert not ok
        assert self.catalog.get("tmp " + name) is None

    @rule(actor=st.just(MASTER) | roles,
          sql=st.sampled_from(["DROP ROLE rdsadmin", "ALTER ROLE rdsadmin RENAME TO x",
                               "ALTER ROLE rdsadmin NOLOGIN", "GRANT rds_superuser TO rdsadmin",
                               "REVOKE rds_password FROM rds_superuser"]))  # fmt: skip
    def attack_rdsadmin(self, actor: str, sql: str) -> None:
        if actor not in self.catalog.names():
            return
        if self.run(self.session(actor), sql):
            if sql.startswith("REVOKE"):
                self.member_of.get("rds_superuser", set()).discard(RDS_PASSWORD)
            if sql.startswith("GRANT"):
                self.member_of.setdefault("rdsadmin", set()).add("rds_superuser")

    # ------------------------------------------------------------------ invariants -----

    @invariant()
    def rdsadmin_unchanged(self) -> None:
        if self.bootstrap_rdsadmin is not None:
            assert self.catalog.get("rdsadmin") == self.bootstrap_rdsadmin

    @invariant()
    def passwords_only_change_as_the_model_says(self) -> None:
        catalog = self.catalog
        for name, stored in self.passwords.items():
            role = catalog.get(name)
            assert role is not None, f"role {name} disappeared"
            assert role.password is stored, f"the password of {name} changed unexpectedly"

    @invariant()
    def running_configuration(self) -> None:
        if self.bootstrap_rdsadmin is None:
            return
        config = self.account.engine_config(self.instance)
        assert config.restrict_password_commands == self.restrict_running
        assert config.force_ssl == self.force_ssl_running
