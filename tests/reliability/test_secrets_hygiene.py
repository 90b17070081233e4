"""Secrets hygiene: no known secret appears in any repr, str, exception, log record or CLI output.

One run drives every plane with distinctive secrets: the demo, the whole conformance corpus
(its passwords replaced by unique ones), a cluster with a master password, IAM access keys and
a database auth token, connections that succeed and fail, the CLI in every format. Then every
text the run produced, and the repr and str of every object reachable from what it built, is
scanned for the secrets and for what is derived from them (md5 and SCRAM verifiers, the
token's signature, the servers' private keys). Verifiers and keys are read only through their
explicit accessors (``StoredPassword.secret``, ``TlsIdentity.key_pem``, ``Secret.reveal``).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FunctionType, MethodType, ModuleType
from typing import Any

import attrs
import pytest
from cryptography import x509

import aurora_sec as aurora
from aurora_sec.aws.iam.credentials import CredentialedRdsClient
from aurora_sec.cli import main
from aurora_sec.demo import run_demo
from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.secrets import Secret
from tests.conformance.corpus import CASES
from tests.conformance.emulated import new_session

MASTER = "Mstr-q8Zr41x-7Hw"
DEMO_SECRETS = ("correct-horse-battery", "app-secret", "rotated")
_PASSWORD = re.compile(r"PASSWORD '([^']*)'", re.IGNORECASE)

#: Types whose inside is reached only through an explicit accessor: not walked into.
VAULTS = (Secret, StoredPassword, x509.Certificate)


class _Run:
    """Everything one run produced: secrets, texts and roots to walk."""

    def __init__(self) -> None:
        self.secrets: set[str] = {MASTER, *DEMO_SECRETS}
        self.texts: list[str] = []
        self.roots: list[object] = []
        self.errors: list[BaseException] = []
        self.counter = itertools.count()

    def password(self) -> str:
        value = f"Pw-{next(self.counter):04d}-kx9Q"
        self.secrets.add(value)
        return value

    def expect_error(self, call: Any, *types: type[BaseException]) -> None:
        try:
            result = call()
        except types as err:
            self.errors.append(err)
        else:
            self.roots.append(result)

    def add_verifiers(self, catalog: Any) -> None:
        """The stored md5/SCRAM secrets (explicit accessor) and their key material."""
        for role in catalog.roles.values():
            if role.password is None:
                continue
            secret = role.password.secret(role.name)
            self.secrets.add(secret)
            self.secrets.update(p for p in re.split(r"[$:]", secret) if len(p) >= 16)


def _substitute(statement: str, run: _Run) -> str:
    def repl(match: re.Match[str]) -> str:
        value = match.group(1)
        if value == "" or value.startswith(("md5", "SCRAM-SHA-256$")):
            if len(value) >= 16:
                run.secrets.add(value)
            return match.group(0)
        return f"PASSWORD '{run.password()}'"

    return _PASSWORD.sub(repl, statement)


def _corpus(run: _Run) -> None:
    for major in (15, 16):
        for case in CASES:
            session = new_session(major)
            session.execute("BEGIN")
            for statement in case["setup"]:
                run.roots.append(session.execute(_substitute(statement, run)))
            session.execute(f'SET SESSION AUTHORIZATION "{case["role"]}"')
            for statement in case["statements"]:
                session.execute("SAVEPOINT s")
                try:
                    result = session.execute(_substitute(statement, run))
                    # Reading pg_authid.rolpassword is the explicit accessor.
                    if "rolpassword" not in statement:
                        run.roots.append(result)
                except aurora.PostgresError as err:
                    run.errors.append(err)
                    session.execute("ROLLBACK TO SAVEPOINT s")
            run.add_verifiers(session.catalog)
            run.roots.append(session)


def _cluster_world(run: _Run, tmp_path: Path) -> None:
    acct = aurora.Account(seed=7)
    rds, ec2, iam = acct.client("rds"), acct.client("ec2"), acct.client("iam")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword=MASTER,
        VpcSecurityGroupIds=[sg],
        EnableIAMDatabaseAuthentication=True,
    )["DBCluster"]
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    new_master = run.password()
    rds.modify_db_cluster(
        DBClusterIdentifier="prod", MasterUserPassword=new_master, ApplyImmediately=True
    )
    for bad in ("short", "has/slash-in-it", "x" * 129, new_master + '"'):
        run.expect_error(
            lambda bad=bad: rds.modify_db_cluster(
                DBClusterIdentifier="prod", MasterUserPassword=bad, ApplyImmediately=True
            ),
            aurora.AwsError,
            aurora.ParamValidationError,
        )
    run.secrets.add(new_master + '"')

    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    run.secrets.add(key["SecretAccessKey"])
    iam.put_user_policy(
        UserName="alice",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    alice = acct.client(
        "rds", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"]
    )
    forged = acct.client(
        "rds", access_key_id=key["AccessKeyId"], secret_access_key="Forged-Key-9b7f2a1c"
    )
    run.secrets.add("Forged-Key-9b7f2a1c")
    run.expect_error(lambda: forged.describe_db_clusters(), aurora.AwsError)
    assert isinstance(alice, CredentialedRdsClient)
    token = alice.generate_db_auth_token(
        DBHostname=cluster["Endpoint"], Port=5432, DBUsername="app"
    )
    run.secrets.update({token, token.rsplit("X-Amz-Signature=", 1)[1]})

    identity = acct.rds.tls_identity("prod-1", ("TLSv1.2",))
    body = identity.key_pem().decode().splitlines()[1:-1]
    run.secrets.update(line for line in body if len(line) >= 40)

    client = aurora.Client(
        acct,
        ip="203.0.113.10",
        driver="libpq",
        driver_version=15,
        files={"global-bundle.pem": acct.ca_bundle_pem()},
    )
    host = cluster["Endpoint"]
    base = f"host={host} dbname=postgres sslmode=verify-full sslrootcert=global-bundle.pem"
    conn = client.connect(f"{base} user=postgres password={new_master}")
    app_password = run.password()
    conn.execute(f"CREATE ROLE app LOGIN PASSWORD '{app_password}'")
    conn.execute("GRANT rds_iam TO app")
    conn.execute(f"CREATE ROLE helper LOGIN PASSWORD '{run.password()}'")
    run.roots += [conn, client.connect(f"{base} user=app password={token}")]
    for dsn in (
        f"{base} user=postgres password={MASTER}",  # the old master password
        f"{base} user=helper password={app_password}",
        f"postgresql://postgres:{new_master}@[{host}/postgres",
        f"postgresql://postgres:{new_master}%zz@{host}/postgres",
        f"postgresql://postgres@{host}/postgres?password={new_master}%",
    ):
        run.expect_error(lambda dsn=dsn: client.connect(dsn), aurora.ConnectionFailed)
    jdbc = aurora.Client(acct, ip="203.0.113.10", driver="pgjdbc")
    run.expect_error(
        lambda: jdbc.connect(
            f"jdbc:postgresql://{host}:5432/postgres?user=postgres&password={MASTER}"
        ),
        aurora.ConnectionFailed,
    )
    run.roots.append(
        jdbc.connect(f"jdbc:postgresql://{host}:5432/postgres?user=postgres&password={new_master}")
    )
    session = acct.session("prod")
    denied = f"ALTER ROLE rdsadmin PASSWORD '{run.password()}'"
    for _ in range(3):  # the third is answered by the remembered failure (replay.Failed)
        run.expect_error(lambda: session.execute(denied), aurora.PostgresError)
    run.expect_error(
        lambda: session.execute(f"CREATE ROLE x PASSWORD '{run.password()}' FOO"),
        aurora.PostgresError,
    )
    run.add_verifiers(session.catalog)
    run.texts.append(json.dumps(rds.describe_db_clusters(), default=str))
    run.texts.append(json.dumps(rds.describe_db_instances(), default=str))
    run.roots += [
        acct,
        rds,
        ec2,
        iam,
        alice,
        forged,
        client,
        jdbc,
        session,
        identity,
        acct.snapshot(),
    ]

    script = tmp_path / "rotate.sql"
    rotated = run.password()
    script.write_text(
        f"CREATE ROLE svc LOGIN;\nALTER ROLE svc PASSWORD '{rotated}';\nALTER ROLE svc PASSWORD 'md5' || '{rotated}';\n"
    )
    for fmt in ("text", "json", "sarif"):
        for extra in ([], ["--member-of", "rds_password"]):
            main(
                [
                    "lint",
                    str(script),
                    "--engine-version",
                    "15.4",
                    "--param",
                    "rds.restrict_password_commands=1",
                    "--as",
                    "helpdesk",
                    "--format",
                    fmt,
                    *extra,
                ]
            )
    main(
        [
            "connect",
            f"postgresql://postgres:{rotated}@{host}/postgres?sslmode=require",
            "--driver",
            "libpq",
        ]
    )


def _walk(roots: list[object], limit: int = 400_000) -> Iterator[tuple[str, object]]:
    """(path, object) for everything reachable from ``roots`` outside the vaults."""
    seen: set[int] = set()
    stack: list[tuple[str, object, int]] = [(f"root[{i}]", r, 0) for i, r in enumerate(roots)]
    while stack and len(seen) < limit:
        path, obj, depth = stack.pop()
        if id(obj) in seen or isinstance(obj, (ModuleType, type, FunctionType, MethodType)):
            continue
        seen.add(id(obj))
        yield path, obj
        if (
            isinstance(obj, (str, bytes, int, float, bool))
            or obj is None
            or isinstance(obj, VAULTS)
        ):
            continue
        if depth > 40:
            continue
        children: list[tuple[str, object]] = []
        if isinstance(obj, Mapping):
            children = [(f"{path}[{k!r}]", v) for k, v in obj.items()] + [
                (f"{path}.key", k) for k in obj
            ]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            children = [(f"{path}[{i}]", v) for i, v in enumerate(obj)]
        else:
            kind: Any = type(obj)
            if attrs.has(kind):
                children += [(f"{path}.{a.name}", getattr(obj, a.name)) for a in attrs.fields(kind)]
            if hasattr(obj, "__dict__"):
                children += [(f"{path}.{k}", v) for k, v in vars(obj).items()]
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(obj, slot):
                        children.append((f"{path}.{slot}", getattr(obj, slot)))
        stack.extend((p, c, depth + 1) for p, c in children)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Run]:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(logging.DEBUG), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    out: list[str] = []
    try:
        result = _Run()
        run_demo(out=out.append)
        _corpus(result)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            _cluster_world(result, tmp_path_factory.mktemp("secrets"))
        result.texts += [*out, stdout.getvalue(), stderr.getvalue()]
        result.texts += [handler.format(r) for r in records] + [repr(r.args) for r in records]
        yield result
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _leaks(text: str, secrets: set[str]) -> list[str]:
    return [s for s in secrets if s in text]


def test_the_run_exercised_what_it_scans(run: _Run) -> None:
    assert len(run.secrets) > 200
    assert any(isinstance(e, aurora.ConnectionFailed) for e in run.errors)
    assert any(isinstance(e, aurora.AwsError) for e in run.errors)
    assert sum(isinstance(e, aurora.PostgresError) for e in run.errors) > 100
    assert any(s.startswith("SCRAM-SHA-256$") for s in run.secrets)
    assert any(s.startswith("md5") and len(s) == 35 for s in run.secrets)
    cli = run.texts[-2]
    assert "must be a member of rds_password to alter passwords" in "".join(run.texts)
    assert '"version": "2.1.0"' in cli  # SARIF was written


def test_no_secret_in_outputs(run: _Run) -> None:
    for text in run.texts:
        assert _leaks(text, run.secrets) == [], text[:300]


def test_no_secret_in_exceptions(run: _Run) -> None:
    for err in run.errors:
        for text in (str(err), repr(err), repr(err.args), *map(str, getattr(err, "__notes__", ()))):
            assert _leaks(text, run.secrets) == [], text


def test_no_secret_in_any_reachable_repr_or_str(run: _Run) -> None:
    visited = 0
    for path, obj in _walk([*run.roots, *run.errors]):
        if isinstance(obj, (str, bytes, int, float, bool)) or obj is None:
            continue
        visited += 1
        if isinstance(obj, (Mapping, list, tuple, set, frozenset)) and len(obj) > 64:
            continue  # its items are checked one by one
        for text in (repr(obj), str(obj)):
            leaks = _leaks(text, run.secrets)
            assert leaks == [], f"{path} ({type(obj).__name__}) shows a secret"
    assert visited > 10_000
