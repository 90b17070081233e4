"""Parsing of IPv4 addresses and networks, memoised.

``ipaddress`` objects are immutable, so the same text always gives an equal object that can
be shared; tests and simulations use the same few CIDR blocks over and over, and parsing is
the most expensive step of a security-group rule. The memo is a pure cache (bounded), not
state: it changes no answer.
"""

from __future__ import annotations

import functools
import ipaddress

__all__ = ["ipv4_address", "ipv4_network", "network_text"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=4096)
def ipv4_network(text: str) -> ipaddress.IPv4Network:
    """``IPv4Network(text, strict=False)``; raises ValueError as it does."""
    return ipaddress.IPv4Network(text, strict=False)


@functools.lru_cache(maxsize=4096)
def ipv4_address(text: str) -> ipaddress.IPv4Address:
    """``IPv4Address(text)``; raises ValueError as it does."""
    return ipaddress.IPv4Address(text)


#: ``str()`` of the networks seen, by identity (the network is kept, so its id stays its own).
_TEXTS: dict[int, tuple[Network, str]] = {}


def network_text(network: Network) -> str:
    """``str(network)`` (``"10.0.0.0/16"``), remembered: the same record is shown again and
    again, and ``ipaddress`` formats in Python, a step at a time."""
    known = _TEXTS.get(id(network))
    if known is not None and known[0] is network:
        return known[1]
    text = str(network)
    if len(_TEXTS) >= 4096:
        _TEXTS.clear()
    _TEXTS[id(network)] = (network, text)
    return text
