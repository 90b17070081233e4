"""Every bridge test ends with no mock active and botocore restored."""

from __future__ import annotations

from collections.abc import Iterator

import botocore.auth
import botocore.session
import pytest

from aurora_sec.aws.bridge import current


@pytest.fixture(autouse=True)
def _no_leak() -> Iterator[None]:
    create, clock = botocore.session.Session.create_client, botocore.auth.get_current_datetime
    yield
    assert current() is None
    assert botocore.session.Session.create_client is create
    assert botocore.auth.get_current_datetime is clock
