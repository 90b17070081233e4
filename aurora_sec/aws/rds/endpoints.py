"""What a DNS name of the account resolves to: a cluster, reader, custom or instance endpoint.

Endpoint names follow the documented forms (S2 Aurora.Overview.Endpoints.md):
``<cluster>.cluster-<hash>.<region>.rds.amazonaws.com`` (writer), ``cluster-ro-`` (reader),
``cluster-custom-`` (custom) and ``<instance>.<hash>.<region>.rds.amazonaws.com``, where
``<hash>`` is one 12-character id shared by every endpoint of the account in the region.
"""

from __future__ import annotations

from typing import Literal

import attrs

from aurora_sec.aws.network import NetworkTarget

__all__ = ["EndpointKind", "ResolvedEndpoint"]

EndpointKind = Literal["cluster", "reader", "custom", "instance"]


@attrs.frozen
class ResolvedEndpoint:
    """A resolved endpoint: which cluster, which instance answers, and the network target."""

    kind: EndpointKind
    host: str
    cluster_id: str
    #: The instance a new connection lands on (None when the cluster has no instance yet).
    instance_id: str | None
    target: NetworkTarget
