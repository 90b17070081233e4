"""Coverage-guided fuzzing with atheris (libFuzzer): the fuzz suite's oracles, fed by mutation.

Run one target (``classify``, ``execute``, ``libpq``, ``pgjdbc``, ``policy``, ``aws``) with
libFuzzer's options after it::

    python -m tests.fuzz.atheris_harness execute -runs=100000
    python -m tests.fuzz.atheris_harness aws -max_total_time=600 -artifact_prefix=crashes/

The oracles are the hypothesis suite's own (``tests/fuzz/test_*_fuzz.py``): only the
documented error types, and a refused input changes nothing in the account (snapshot
equality). Anything else escapes as an uncaught exception: libFuzzer stops, prints it and
writes the input to ``<artifact_prefix>crash-<sha1>``. A crash found this way goes, with what
it broke, into the regression corpus (``tests/fuzz/regressions.py``), which the suite replays.

The aurora_sec package is instrumented for coverage feedback; the seed corpus is the
regression corpus's inputs for the target plus a few typical inputs, written to a temporary
directory that libFuzzer grows as it finds new coverage.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Literal, TypeVar

import atheris

# run as a program, every aurora_sec module these imports load is instrumented (the test
# modules' imports too); imported (by test_atheris.py, for the target names), nothing is
_INSTRUMENT = __name__ == "__main__"
with atheris.instrument_imports(include=["aurora_sec"]) if _INSTRUMENT else nullcontext():
    import aurora_sec
    from aurora_sec.aws.iam.policy import parse_policy
    from aurora_sec.errors import AwsError, PostgresError
    from tests.fuzz.regressions import CORPUS
    from tests.fuzz.test_aws_fuzz import OPERATIONS, call
    from tests.fuzz.test_connect_fuzz import HOSTS, _client, _connect
    from tests.fuzz.test_sql_fuzz import run
    from tests.fuzz.world import APP_PASSWORD, MASTER_PASSWORD, world

T = TypeVar("T")

#: Texts to start from, per target (the regression corpus's inputs are added to these).
SEEDS: dict[str, list[str]] = {
    "classify": [
        "CREATE ROLE r LOGIN PASSWORD 'x' VALID UNTIL '2030-01-01'",
        "GRANT rds_password TO app WITH ADMIN OPTION",
        "ALTER ROLE CURRENT_USER SET search_path = a, b",
        "DO $$ BEGIN EXECUTE 'DROP ROLE ' || 'r'; END $$",
    ],
    "execute": [
        "BEGIN; CREATE ROLE r; SAVEPOINT s; ALTER ROLE r RENAME TO q; ROLLBACK TO s; COMMIT",
        "SET ROLE team; SELECT pg_has_role('app', 'team', 'MEMBER')",
        "ALTER ROLE app PASSWORD 'new-secret'; REVOKE team FROM app",
    ],
    "libpq": [
        f"host={HOSTS[0]} user=postgres password={MASTER_PASSWORD} sslmode=verify-full "
        "sslrootcert=global-bundle.pem",
        f"postgresql://app:{APP_PASSWORD}@{HOSTS[1]}/postgres?sslmode=require",
    ],
    "pgjdbc": [
        f"jdbc:postgresql://{HOSTS[0]}/postgres?user=postgres&password={MASTER_PASSWORD}"
        "&sslmode=verify-full&sslrootcert=global-bundle.pem",
    ],
    "policy": [
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds:*", '
        '"Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}',
    ],
    "aws": [
        json.dumps({"DBClusterIdentifier": "prod", "ApplyImmediately": True}),
        json.dumps({"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp"}]}),
    ],
}


def _split(data: bytes, choices: Sequence[T]) -> tuple[T, str]:
    """The input's first byte picks one of ``choices``; the rest is the text."""
    choice = choices[data[0] % len(choices)] if data else choices[0]
    return choice, _text(data[1:])


def _text(data: bytes) -> str:
    """The input as text: UTF-8 where it decodes, lone surrogates for the bytes that don't
    (as ``os.fsdecode`` would give a program reading it from a file)."""
    return data.decode("utf-8", "surrogateescape")


def _classify(data: bytes) -> None:
    major, sql = _split(data, [None, 11, 13, 14, 15, 16, 17])
    try:
        aurora_sec.classify(sql, major)
    except PostgresError as err:
        assert err.sqlstate and err.message


def _execute(data: bytes) -> None:
    user, sql = _split(data, ["postgres", "app"])
    run(user, sql.split("\x1e"))


def _driver(name: str) -> Callable[[bytes], None]:
    def connect(data: bytes) -> None:
        version, dsn = _split(data, [None, 13, 14, 15, 16, 17] if name == "libpq" else [None])
        _connect(_client(name, version, {}), dsn, {})

    return connect


_POLICY_KINDS: tuple[Literal["identity", "trust"], ...] = ("identity", "trust")


def _policy(data: bytes) -> None:
    kind, document = _split(data, _POLICY_KINDS)
    try:
        policy = parse_policy(document, kind)
    except AwsError as err:
        assert err.code == "MalformedPolicyDocument", err
    else:
        assert policy.document == document


def _aws(data: bytes) -> None:
    (service, operation), text = _split(data, OPERATIONS)
    try:
        kwargs: Any = json.loads(text)
    except (ValueError, RecursionError):
        return
    if isinstance(kwargs, dict):
        call(service, operation, kwargs)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "classify": _classify,
    "execute": _execute,
    "libpq": _driver("libpq"),
    "pgjdbc": _driver("pgjdbc"),
    "policy": _policy,
    "aws": _aws,
}

#: Where each target's regression-corpus entries keep their input.
_CORPUS_FIELD = {"classify": "sql", "execute": "sql", "libpq": "dsn", "pgjdbc": "dsn"}


def seed_inputs(target: str) -> list[bytes]:
    """The seed corpus of ``target`` (a leading byte picks the provider's first choice)."""
    texts = list(SEEDS[target])
    field = _CORPUS_FIELD.get(target, "document")
    for case in CORPUS:
        if case["target"] == target and field in case:
            text = case[field].replace("{cluster_endpoint}", HOSTS[0])
            texts.append(text[:4096])
    return [b"\x00" + t.encode("utf-8", "surrogatepass") for t in texts]


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        raise SystemExit(f"usage: python -m tests.fuzz.atheris_harness {{{','.join(TARGETS)}}} ...")
    target = argv[1]
    world()  # build the prepared account before the first input
    options = [a for a in argv[2:] if a.startswith("-")]
    corpora = [a for a in argv[2:] if not a.startswith("-")]
    if not corpora:
        seeds = Path(tempfile.mkdtemp(prefix=f"aurora-fuzz-{target}-"))
        for i, data in enumerate(seed_inputs(target)):
            (seeds / f"seed-{i}").write_bytes(data)
        corpora = [str(seeds)]
    atheris.Setup([argv[0], *options, *corpora], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
