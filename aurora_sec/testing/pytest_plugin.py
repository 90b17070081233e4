"""pytest fixtures for an emulated Aurora PostgreSQL account, cluster and client machine.

Registered through the ``pytest11`` entry point named after the module itself (so that
also listing it with ``-p`` or ``pytest_plugins`` registers it once), or opted into with
``pytest_plugins = ["aurora_sec.testing.pytest_plugin"]`` in a ``conftest.py``. Loading the plugin imports only pytest: the library is imported inside the
fixtures, the first time a test uses one, so pytest's start-up does not pay for it.

Fixtures (all function-scoped):

``aurora_account``
    A fresh :class:`aurora_sec.Account` (``seed=0``).
``aurora_cluster``
    A factory: ``aurora_cluster(engine_version="16.4", parameters={"rds.force_ssl": "1"},
    security_group_cidrs=["203.0.113.0/24"], instance_class="db.r6g.large",
    identifier="prod")`` creates a security group, a cluster parameter group, the cluster and
    its writer in ``aurora_account`` (:func:`aurora_sec.testing.clusters.make_cluster`) and
    returns a :class:`~aurora_sec.testing.clusters.ClusterHandle`. Static parameters are set with ``pending-reboot`` and the writer is rebooted, so the cluster returned runs
    with every requested parameter.
``aurora_client``
    A factory for :class:`aurora_sec.Client` machines of ``aurora_account`` (default address
    ``203.0.113.10``) that hold the RDS CA bundle as ``global-bundle.pem``.
``rds_ca_bundle``
    The account's RDS global CA bundle (``bytes``), as a user downloads it.

::

    def test_verify_full(aurora_cluster, aurora_client):
        prod = aurora_cluster(parameters={"rds.force_ssl": "1"})
        conn = aurora_client().connect(prod.dsn(sslmode="verify-full"))
        assert conn.ssl is not None
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account
    from aurora_sec.client.client import Client
    from aurora_sec.testing.clusters import ClusterHandle

__all__ = [
    "aurora_account",
    "aurora_client",
    "aurora_cluster",
    "rds_ca_bundle",
]

#: The address of the default client machine; inside the default ingress CIDR
#: (``aurora_sec.testing.clusters.DEFAULT_CIDRS``).
DEFAULT_CLIENT_IP = "203.0.113.10"


@pytest.fixture
def aurora_account() -> Account:
    """A fresh emulated AWS account (``seed=0``): nothing is shared between tests."""
    from aurora_sec.aws.account import Account

    return Account(seed=0)


@pytest.fixture
def aurora_cluster(aurora_account: Account) -> Callable[..., ClusterHandle]:
    """A factory for clusters (with a writer) in ``aurora_account``; see the module doc."""

    def make(
        engine_version: str = "16.4",
        parameters: Mapping[str, str] | None = None,
        security_group_cidrs: Iterable[str] | None = None,
        instance_class: str = "db.r6g.large",
        identifier: str = "prod",
    ) -> ClusterHandle:
        from aurora_sec.testing.clusters import DEFAULT_CIDRS, make_cluster

        return make_cluster(
            aurora_account,
            engine_version=engine_version,
            parameters=dict(parameters or {}),
            security_group_cidrs=tuple(
                DEFAULT_CIDRS if security_group_cidrs is None else security_group_cidrs
            ),
            instance_class=instance_class,
            identifier=identifier,
        )

    return make


@pytest.fixture
def rds_ca_bundle(aurora_account: Account) -> bytes:
    """The RDS global CA bundle of ``aurora_account`` (``global-bundle.pem``)."""
    return aurora_account.ca_bundle_pem()


@pytest.fixture
def aurora_client(aurora_account: Account) -> Callable[..., Client]:
    """A factory for client machines; each holds ``global-bundle.pem`` in its files."""
    from aurora_sec.client.client import Client
    from aurora_sec.testing.clusters import CA_BUNDLE_FILE

    def make(
        ip: str = DEFAULT_CLIENT_IP,
        driver: str = "libpq",
        driver_version: str | int | None = None,
        env: Mapping[str, str] | None = None,
        files: Mapping[str, bytes | str] | None = None,
        **kwargs: Any,
    ) -> Client:
        machine_files: dict[str, bytes | str] = {CA_BUNDLE_FILE: aurora_account.ca_bundle_pem()}
        machine_files.update(files or {})
        return Client(
            aurora_account,
            ip=ip,
            driver=driver,  # type: ignore[arg-type]
            driver_version=driver_version,
            env=env,
            files=machine_files,
            **kwargs,
        )

    return make
