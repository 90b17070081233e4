"""The RDS certificate authorities, as DescribeCertificates describes them.

Only the describe data lives here (identifier, algorithms, validity, whether RDS still
offers the CA). The certificates themselves (keys, PEM, chains) belong to the TLS plane.

Sources:

* Identifiers and algorithms: S2 ``UsingWithRDS.SSL.md`` (aurora-facts.md section 3):
  rds-ca-2019 "RSA 2048 private key algorithm and SHA256 signing algorithm ... expires in
  2024"; rds-ca-rsa2048-g1 RSA 2048 / SHA256 (SHA384 in GovCloud); rds-ca-rsa4096-g1
  RSA 4096 / SHA384; rds-ca-ecc384-g1 ECC 384 / SHA384.
* ``CertificateArn`` has no account id: ``arn:aws:rds:us-east-1::cert:rds-ca-2015`` (AWS CLI
  docs, quoted in cloudquery/cloudquery#7817).
* rds-ca-2019 ``ValidFrom 2019-09-16T18:21:15Z`` / ``ValidTill 2024-08-22T17:08:50Z`` as
  DescribeCertificates printed them in us-west-2 (hashicorp/terraform-provider-aws#15221).
* Since its expiry, DescribeCertificates answers ``CertificateNotFound: Certificate
  rds-ca-2019 not found`` (HTTP 404; turbot/steampipe-plugin-aws#2362, Dec 2024): it is kept
  here as a record (``offered=False``) but no longer listed or accepted.
* The default for new instances became rds-ca-rsa2048-g1 on 2024-01-25 (AWS notice quoted in
  cloudnativedaysjp/dreamkast#2067).

UNCONFIRMED (listed for docs/fidelity.md):

* ``ValidFrom`` of the three G1 CAs and the exact ``ValidTill`` instants: only the years are
  known (rsa2048-g1 root valid to 2061 [OBS]; rsa4096-g1 and ecc384-g1 believed 2121). The
  records use 2021-05-25T00:00:00Z as ``ValidFrom`` and the same day of the end year.
* No ``Thumbprint`` is given: a real one cannot be derived, and none is invented.
* rds-ca-2019's ``ValidFrom`` is the us-west-2 value in every region.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

__all__ = [
    "ALL_CERTIFICATES",
    "CERTIFICATES",
    "DEFAULT_CA",
    "SUPPORTED_CA_IDENTIFIERS",
    "CertificateInfo",
    "describe",
    "lookup",
]

_UTC = _dt.UTC


def _at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> _dt.datetime:
    return _dt.datetime(year, month, day, hour, minute, second, tzinfo=_UTC)


@attrs.frozen
class CertificateInfo:
    """One RDS certificate authority."""

    identifier: str
    key_algorithm: str  # "RSA 2048", "RSA 4096", "ECC 384"
    signing_algorithm: str  # "SHA256", "SHA384"
    valid_from: _dt.datetime
    valid_till: _dt.datetime
    #: Whether the CA rotates server certificates automatically (S2).
    supports_automatic_rotation: bool
    #: Whether RDS still lists and accepts this CA (False for the expired rds-ca-2019).
    offered: bool = True
    certificate_type: str = "CA"
    customer_override: bool = False

    def arn(self, region: str, partition: str = "aws") -> str:
        """``arn:aws:rds:<region>::cert:<identifier>``: no account id (AWS CLI docs)."""
        return f"arn:{partition}:rds:{region}::cert:{self.identifier}"

    def is_expired(self, at: _dt.datetime) -> bool:
        return at >= self.valid_till


#: Every CA the catalogue knows, oldest first.
ALL_CERTIFICATES: tuple[CertificateInfo, ...] = (
    CertificateInfo(
        "rds-ca-2019",
        "RSA 2048",
        "SHA256",
        valid_from=_at(2019, 9, 16, 18, 21, 15),  # [OBS] tf-provider-aws#15221 (us-west-2)
        valid_till=_at(2024, 8, 22, 17, 8, 50),  # [OBS] same; expiry 22 Aug 2024 (S2, CDK)
        supports_automatic_rotation=False,
        offered=False,  # [OBS] steampipe-plugin-aws#2362: "Certificate rds-ca-2019 not found"
    ),
    CertificateInfo(
        "rds-ca-rsa2048-g1",
        "RSA 2048",
        "SHA256",  # SHA384 in the GovCloud (US) Regions (S2)
        valid_from=_at(2021, 5, 25),  # UNCONFIRMED
        valid_till=_at(2061, 5, 25),  # UNCONFIRMED day; root valid to 2061 [OBS]
        supports_automatic_rotation=True,
    ),
    CertificateInfo(
        "rds-ca-rsa4096-g1",
        "RSA 4096",
        "SHA384",
        valid_from=_at(2021, 5, 25),  # UNCONFIRMED
        valid_till=_at(2121, 5, 25),  # UNCONFIRMED (believed 2121)
        supports_automatic_rotation=True,
    ),
    CertificateInfo(
        "rds-ca-ecc384-g1",
        "ECC 384",
        "SHA384",
        valid_from=_at(2021, 5, 25),  # UNCONFIRMED
        valid_till=_at(2121, 5, 25),  # UNCONFIRMED (believed 2121)
        supports_automatic_rotation=True,
    ),
)

#: The CAs DescribeCertificates lists today, in catalogue order.
CERTIFICATES: tuple[CertificateInfo, ...] = tuple(c for c in ALL_CERTIFICATES if c.offered)

_BY_ID: Mapping[str, CertificateInfo] = MappingProxyType(
    {c.identifier: c for c in ALL_CERTIFICATES}
)

#: The CA a new instance gets when CreateDBInstance names none (since 2024-01-25).
DEFAULT_CA: Final = "rds-ca-rsa2048-g1"

#: ``SupportedCACertificateIdentifiers`` of an engine version, in the order AWS prints them
#: (S2 example: rds-ca-2019, rds-ca-rsa2048-g1, rds-ca-ecc384-g1, rds-ca-rsa4096-g1), without
#: the retired rds-ca-2019.
SUPPORTED_CA_IDENTIFIERS: tuple[str, ...] = (
    "rds-ca-rsa2048-g1",
    "rds-ca-ecc384-g1",
    "rds-ca-rsa4096-g1",
)


def lookup(identifier: object, *, include_retired: bool = False) -> CertificateInfo | None:
    """The CA named ``identifier`` (case-insensitive, as the API documents), or None.

    Retired CAs (rds-ca-2019) are found only with ``include_retired=True``: AWS no longer
    lists or accepts them.
    """
    if not isinstance(identifier, str):
        return None
    info = _BY_ID.get(identifier.lower())
    if info is None or (not info.offered and not include_retired):
        return None
    return info


def describe(info: CertificateInfo, region: str, partition: str = "aws") -> dict[str, Any]:
    """One boto3 ``Certificate`` dict (no ``Thumbprint``: see the module docstring)."""
    return {
        "CertificateIdentifier": info.identifier,
        "CertificateType": info.certificate_type,
        "ValidFrom": info.valid_from,
        "ValidTill": info.valid_till,
        "CertificateArn": info.arn(region, partition),
        "CustomerOverride": info.customer_override,
    }
