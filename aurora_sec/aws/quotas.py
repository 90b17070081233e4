"""An account's service quotas: the adjustable limits AWS enforces, as one frozen value.

Defaults are AWS's (VPC User Guide, "Amazon VPC quotas", security groups): 60 inbound and 60
outbound rules per security group, counted separately for IPv4 and IPv6 (a rule naming a
security group counts once in each), and 5 security groups per network interface. AWS lets
the first be raised only so far that the product of the two stays at most 1,000; the same
rule holds here, so ``Quotas(rules_per_security_group=200, security_groups_per_network_interface=5)``
is the largest rule set a single interface can face.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["DEFAULT_QUOTAS", "MAX_RULES_PER_INTERFACE", "Quotas"]

#: "This quota multiplied by the quota for security groups per network interface cannot
#: exceed 1,000."
MAX_RULES_PER_INTERFACE: Final = 1000


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{attribute.name} must be a positive integer, got {value!r}")


@attrs.frozen
class Quotas:
    """Adjustable quotas of one account and region."""

    rules_per_security_group: int = attrs.field(default=60, validator=_positive)
    security_groups_per_network_interface: int = attrs.field(default=5, validator=_positive)

    def __attrs_post_init__(self) -> None:
        product = self.rules_per_security_group * self.security_groups_per_network_interface
        if product > MAX_RULES_PER_INTERFACE:
            raise ValueError(
                "rules_per_security_group x security_groups_per_network_interface must be at "
                f"most {MAX_RULES_PER_INTERFACE} (AWS's rule), got {product}"
            )


#: AWS's defaults (a frozen value: every account without quotas of its own shares it).
DEFAULT_QUOTAS: Final = Quotas()
