"""The bridge's timestamp parser gives botocore's answer for every input, in several zones."""

from __future__ import annotations

import os
import subprocess
import sys

import botocore.utils
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock

from .helpers import client, session

_SCRIPT = r"""
import datetime as dt, random
import botocore.utils
from aurora_sec.aws.bridge.timestamps import parse_timestamp

def outcome(fn, text):
    try:
        value = fn(text)
    except ValueError as err:
        return ("error", str(err))
    return ("ok", value, type(value.tzinfo), value.utcoffset(), value.tzname())

rng = random.Random(7)
texts = [
    "2026-11-28T12:00:00Z", "2026-11-28T12:00:00.123456Z", "2026-11-28T12:00:00.000000Z",
    "0001-01-01T00:00:00Z", "0999-12-31T23:59:59Z", "9999-12-31T23:59:59.999999Z",
    "2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-28T24:00:00Z",
    "2026-11-28T12:60:00Z", "2026-11-28T12:00:60Z", "2026-13-01T00:00:00Z",
    "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-28T12:00:00.5Z",
    "2026-11-28T12:00:00z", "2026-11-28T12:00:00+00:00", "2026-11-28 12:00:00Z",
    "2026-11-28T12:00:00", "1700000000", "Sat, 28 Nov 2026 12:00:00 GMT",
    "2026-03-29T01:30:00Z", "2026-10-25T01:30:00Z", "2026-03-08T02:30:00Z",
]
for _ in range(2000):
    when = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=rng.randrange(0, 3_000_000_000),
                                                   microseconds=rng.randrange(0, 10**6))
    texts.append(when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    texts.append(when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
for text in texts:
    assert outcome(parse_timestamp, text) == outcome(botocore.utils.parse_timestamp, text), text
print(len(texts))
"""


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "Europe/London", "America/New_York", None])
def test_same_as_botocore(zone: str | None) -> None:
    env = dict(os.environ)
    if zone is None:
        env.pop("TZ", None)
    else:
        env["TZ"] = zone
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 4024


def test_a_client_of_the_mock_reads_timestamps_as_botocore_does() -> None:
    acct = Account(seed=0)
    with mock(acct):
        rds = client(session(), "rds")
        rds.create_db_cluster(
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
        )
        got = rds.describe_db_clusters()["DBClusters"][0]["ClusterCreateTime"]
    local = acct.client("rds").describe_db_clusters()["DBClusters"][0]["ClusterCreateTime"]
    wire = local.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if local.microsecond else "%Y-%m-%dT%H:%M:%SZ")
    expected = botocore.utils.parse_timestamp(wire)
    assert got == expected == local
    assert type(got.tzinfo) is type(expected.tzinfo)
    assert got.utcoffset() == expected.utcoffset()
