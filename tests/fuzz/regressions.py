"""The regression corpus: inputs the fuzzers found that once escaped as an undocumented error
or changed the account on a refused call. ``test_regressions.py`` replays every entry.

Each entry: ``target`` (``classify``, ``execute``, ``libpq``, ``pgjdbc``, ``aws``,
``policy``), the input, and ``why``, what went wrong before the fix.
"""

from __future__ import annotations

from typing import Any

CORPUS: list[dict[str, Any]] = [
    # -- client plane: libpq's conninfo parser -----------------------------------------------
    {
        "target": "libpq",
        "dsn": "host={cluster_endpoint} user=postgres password=\ud800 sslmode=require",
        "expect": "password authentication failed",
        "why": "UnicodeEncodeError: a lone surrogate (not an escaped byte) in the string",
    },
    {
        "target": "libpq",
        "dsn": "host=\ud800",
        "expect": "could not translate host name",
        "why": "UnicodeEncodeError: a lone surrogate in the host name",
    },
    {
        "target": "libpq",
        "dsn": "postgresql://\udfff@{cluster_endpoint}/postgres?sslmode=\udc80",
        "expect": "invalid sslmode value",
        "why": "UnicodeEncodeError: lone surrogates in a URI (one an escaped byte)",
    },
    {
        "target": "pgjdbc",
        "dsn": "jdbc:postgresql://{cluster_endpoint}/postgres?user=postgres&password=\ud800",
        "expect": "password authentication failed",
        "why": "(never failed) the same input through pgjdbc, for comparison",
    },
    # -- control plane: a refused call left AWS managed policies in the snapshot -------------
    {
        "target": "aws",
        "service": "iam",
        "operation": "ListPolicies",
        "kwargs": {"Marker": "prod"},
        "expect": "InvalidInput",
        "why": "snapshot changed: AWS managed policies materialized before the Marker failed",
    },
    {
        "target": "aws",
        "service": "iam",
        "operation": "GetPolicyVersion",
        "kwargs": {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess", "VersionId": "v99"},
        "expect": "NoSuchEntity",
        "why": "snapshot changed: the AWS managed policy was materialized by the refused call",
    },
    # -- SQL plane: inputs near the classifier's limits (never failed; kept as seeds) ---------
    {
        "target": "classify",
        "sql": "SELECT " + "(" * 20000 + "1" + ")" * 20000,
        "expect": "54001|42601",
        "why": "(seed) nesting deeper than the parser's stack",
    },
    {
        "target": "execute",
        "sql": "CREATE ROLE x PASSWORD '\ud800'",
        "expect": "22021",
        "why": "(seed) a lone surrogate reaches the server as invalid UTF-8",
    },
    {
        "target": "execute",
        "sql": "ALTER ROLE app PASSWORD 'new-secret'; DROP ROLE nosuch",
        "expect": "42704",
        "why": "snapshot changed: the rolled-back password change had drawn a SCRAM salt from "
        "an account counter (found by the atheris harness)",
    },
    {
        "target": "execute",
        "sql": "DO $$ BEGIN " + "BEGIN " * 3000 + "NULL; " + "END; " * 3000 + "END $$",
        "expect": "54001",
        "why": "(seed) a DO block nested deeper than PL/pgSQL's stack",
    },
    {
        "target": "policy",
        "document": '{"Version": [], "Statement": {"Effect": "Allow", "Action": "*", '
        '"Resource": "*"}}',
        "expect": "MalformedPolicyDocument",
        "why": "TypeError: a list as Version is unhashable (found by the atheris harness)",
    },
    {
        "target": "policy",
        "document": '{"Version": "2012-10-17", "Statement": "x", "Statement": '
        '[{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}',
        "expect": "^$",
        "why": "JSONDecodeError: the statement-span walker read a duplicate string Statement as "
        "an array (found by the atheris harness)",
    },
    {
        "target": "policy",
        "document": "[" * 100000 + "]" * 100000,
        "expect": "MalformedPolicyDocument",
        "why": "(seed) JSON nested deeper than json.loads recurses",
    },
]
