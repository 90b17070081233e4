"""Replay the regression corpus (``regressions.py``): each input answers a documented error
with the expected text, and a refused call changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

import aurora_sec
from aurora_sec.aws.iam.policy import parse_policy
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.errors import AwsError, ConnectionFailed, ParamValidationError, PostgresError
from tests.fuzz.regressions import CORPUS
from tests.fuzz.test_aws_fuzz import call
from tests.fuzz.world import CLIENT_IP, world


def _outcome(case: dict[str, Any]) -> str:
    """Run one entry; return the text of the documented error it answers ("" for none)."""
    target = case["target"]
    if target == "classify":
        try:
            aurora_sec.classify(case["sql"])
        except PostgresError as err:
            return f"{err.sqlstate} {err}"
        return ""
    if target == "execute":
        acct = world().fresh()
        before = acct.snapshot()
        try:
            acct.session("prod").execute(case["sql"])
        except (PostgresError, UnsupportedByEmulator) as err:
            assert acct.snapshot() == before
            return f"{getattr(err, 'sqlstate', '')} {err}"
        return ""
    if target in ("libpq", "pgjdbc"):
        acct = world().fresh()
        before = acct.snapshot()
        dsn = case["dsn"].replace("{cluster_endpoint}", world().names["cluster_endpoint"])
        client = aurora_sec.Client(acct, ip=CLIENT_IP, driver=target)
        try:
            client.connect(dsn)
        except ConnectionFailed as err:
            assert acct.snapshot() == before
            return str(err)
        return ""
    if target == "policy":
        try:
            parse_policy(case["document"])
        except AwsError as err:
            return f"{err.code} {err}"
        return ""
    assert target == "aws"
    try:
        call(case["service"], case["operation"], case["kwargs"])  # checks the snapshot
        acct = world().fresh()
        service: Any = acct.client(case["service"])
        method = next(
            getattr(service, name)
            for name in dir(type(service))
            if getattr(getattr(service, name), "operation_name", None) == case["operation"]
        )
        method(**case["kwargs"])
    except (AwsError, ParamValidationError) as err:
        return f"{getattr(err, 'code', '')} {err}"
    return ""


@pytest.mark.parametrize("case", CORPUS, ids=[f"{i}-{c['target']}" for i, c in enumerate(CORPUS)])
def test_corpus_entry_answers_a_documented_error(case: dict[str, Any]) -> None:
    text = _outcome(case)
    assert re.search(case["expect"], text), (case["why"], text)
