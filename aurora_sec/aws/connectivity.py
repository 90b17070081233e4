"""The network a client machine sees: DNS names of the account and TCP to its instances.

Implements :class:`aurora_sec.client.negotiation.Network` for one client (address, security
groups, company firewall): ``resolve`` turns an endpoint name into the address the client gets
(the private address inside the VPC, the public one outside when the instance is publicly
accessible), and ``connect`` applies :func:`aurora_sec.aws.network.reach` and, when the packets
get through, hands back the instance's server (:class:`aurora_sec.engine.server.InstanceServer`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aurora_sec.aws.addresses import ipv4_address
from aurora_sec.aws.network import Firewall, reach
from aurora_sec.aws.rds.endpoints import ResolvedEndpoint
from aurora_sec.client.negotiation import ServerEndpoint, Unreachable

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["AccountNetwork"]


class AccountNetwork:
    """The account's endpoints as seen from one client machine."""

    def __init__(
        self,
        account: Account,
        *,
        client_ip: str,
        security_groups: frozenset[str] = frozenset(),
        firewall: Firewall | None = None,
    ) -> None:
        self._account = account
        self.client_ip = client_ip
        self._groups = security_groups
        self._firewall = firewall
        self._resolved: dict[str, ResolvedEndpoint] = {}

    def resolve(self, host: str) -> Sequence[str]:
        if _is_numeric(host):
            return (host,)  # getaddrinfo answers a numeric address without any lookup
        resolved = self._account.rds.resolve_endpoint(host)
        if resolved is None:
            return ()
        target = resolved.target
        vpc = self._account.ec2.get_vpc(target.vpc_id)
        inside = vpc is not None and ipv4_address(self.client_ip) in vpc.cidr_block
        address = target.private_ip if inside or target.public_ip is None else target.public_ip
        if address is None:
            return ()
        self._resolved[address] = resolved
        return (address,)

    def _by_address(self, address: str) -> ResolvedEndpoint | None:
        """An instance reached by its address directly (libpq's ``hostaddr``)."""
        rds = self._account.rds
        for instance in rds.instances.values():
            if address in (instance.private_ip, instance.public_ip):
                return rds.resolve_endpoint(rds.host("instance", instance.identifier))
        return None

    def connect(self, address: str, port: int) -> ServerEndpoint | Unreachable:
        resolved = self._resolved.get(address) or self._by_address(address)
        if resolved is None or resolved.instance_id is None:
            return Unreachable("timeout")
        result = reach(
            self._account.ec2,
            client_ip=self.client_ip,
            client_groups=self._groups,
            target=resolved.target,
            port=port,
            firewall=self._firewall,
        )
        if not result.reachable:
            return Unreachable("refused" if result.failure == "refused" else "timeout")
        return self._account.rds.instance_server(
            resolved.instance_id, client_ip=self.client_ip, host=resolved.host
        )


def _is_numeric(host: str) -> bool:
    """Is ``host`` an IPv4 or IPv6 address literal (``AI_NUMERICHOST`` would accept it)?"""
    if not (host[:1].isdigit() or ":" in host):
        return False  # the usual case, a DNS name: no exception on the connect path
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
