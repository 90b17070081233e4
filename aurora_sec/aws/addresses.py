"""Parsing of IPv4 addresses and networks, memoised.

``ipaddress`` objects are immutable, so the same text always gives an equal object that can
be shared; tests and simulations use the same few CIDR blocks over and over, and parsing is
the most expensive step of a security-group rule. The memo is a pure cache (bounded), not
state: it changes no answer.
"""

from __future__ import annotations

import functools
import ipaddress

__all__ = ["ipv4_address", "ipv4_network"]


@functools.lru_cache(maxsize=4096)
def ipv4_network(text: str) -> ipaddress.IPv4Network:
    """``IPv4Network(text, strict=False)``; raises ValueError as it does."""
    return ipaddress.IPv4Network(text, strict=False)


@functools.lru_cache(maxsize=4096)
def ipv4_address(text: str) -> ipaddress.IPv4Address:
    """``IPv4Address(text)``; raises ValueError as it does."""
    return ipaddress.IPv4Address(text)
