"""The memoised address helpers answer what ``ipaddress`` answers."""

from __future__ import annotations

import ipaddress

from aurora_sec.aws.addresses import ipv4_network, network_text


def test_network_text_is_str_of_the_network() -> None:
    for text in ("10.0.0.0/16", "0.0.0.0/0", "172.31.16.0/20", "10.1.2.3/32"):
        network = ipv4_network(text)
        assert network_text(network) == str(network) == text
        assert network_text(network) == text  # and again, from the memo
    v6 = ipaddress.IPv6Network("2001:db8::/32")
    assert network_text(v6) == "2001:db8::/32"


def test_network_text_of_equal_networks_made_apart() -> None:
    a = ipaddress.IPv4Network("10.0.0.0/24")
    b = ipaddress.IPv4Network("10.0.0.0/255.255.255.0")
    assert a == b and a is not b
    assert network_text(a) == network_text(b) == "10.0.0.0/24"
    # host bits cleared by the parser show as the network, as str() shows them
    assert network_text(ipv4_network("10.0.0.7/24")) == "10.0.0.0/24"
