"""The credentials this service signs, as W3C Verifiable Credentials Data Model 2.0 documents: pure builders and
checks, no I/O.

An annual statement (``ContinuingEducationStatement``) says who the person is without their ID number — the
certificate code, the name, the masked number and a salted commitment to the number — then the year's totals
against the requirement, compliance and the certified entries (000 art. 15: kind, content, dates, hours, result,
institution). Its ``credentialStatus`` names two positions in Bitstring Status Lists: revocation and suspension.
"""

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from certificates.jose import b64url, b64url_decode

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
STATEMENT_TYPE = "ContinuingEducationStatement"
STATUS_LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
COMMITMENT_ALG = "sha256"
CHINA = timezone(timedelta(hours=8))
PURPOSES = ("revocation", "suspension")


def timestamp(moment: datetime) -> str:
    """XML Schema dateTimeStamp in UTC, to the second (VC 2.0 §4.9)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # a dateTimeStamp carries its offset


def end_of_year(year: int) -> datetime:
    """The last second of ``year`` in China (UTC+8): calendar years count in local time (004 §3)."""
    return datetime(year, 12, 31, 23, 59, 59, tzinfo=CHINA)


def certificate_subject_id(region_code: str, code: str) -> str:
    return f"urn:ce:{region_code}:certificate:{code}"


# ---- the commitment to the ID number -------------------------------------------------------------------------
def id_commitment(id_number: str, salt: bytes | None = None) -> dict[str, str]:
    """``digest = SHA-256(salt || ID number)``: a verifier who is told the number can check it; nobody can read it
    back (16 random bytes of salt defeat a dictionary of the ~10^10 plausible numbers)."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.sha256(salt + id_number.encode()).digest()
    return {"alg": COMMITMENT_ALG, "salt": b64url(salt), "digest": b64url(digest)}


def commitment_matches(commitment: object, id_number: str) -> bool:
    if not isinstance(commitment, dict) or commitment.get("alg") != COMMITMENT_ALG:
        return False
    try:
        salt = b64url_decode(str(commitment.get("salt", "")))
        digest = b64url_decode(str(commitment.get("digest", "")))
    except ValueError:
        return False
    return hmac.compare_digest(hashlib.sha256(salt + id_number.encode()).digest(), digest)


# ---- the annual statement ------------------------------------------------------------------------------------
def hours_value(value: Decimal) -> int | float:
    """Hours as a JSON number with at most one decimal place, as the API writes them."""
    return int(value) if value == value.to_integral() else float(value)


@dataclass(frozen=True)
class StatusPosition:
    purpose: str  # revocation | suspension
    list_url: str
    index: int

    def entry(self) -> dict[str, Any]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": STATUS_ENTRY_TYPE,
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


@dataclass(frozen=True)
class StatementContent:
    statement_id: str
    issuer: str
    subject_id: str
    name: str
    masked_id_number: str
    id_commitment: dict[str, str]
    year: int
    jurisdiction: str
    totals: dict[str, dict[str, int | float | None]]
    compliant: bool
    entries: list[dict[str, Any]]
    valid_from: datetime
    valid_until: datetime
    status: list[StatusPosition]


def statement_credential(content: StatementContent) -> dict[str, Any]:
    return {
        "@context": [VC_CONTEXT],
        "id": f"urn:uuid:{content.statement_id}",
        "type": ["VerifiableCredential", STATEMENT_TYPE],
        "issuer": content.issuer,
        "validFrom": timestamp(content.valid_from),
        "validUntil": timestamp(content.valid_until),
        "credentialSubject": {
            "id": content.subject_id,
            "name": content.name,
            "maskedIdNumber": content.masked_id_number,
            "idCommitment": content.id_commitment,
            "year": content.year,
            "jurisdiction": content.jurisdiction,
            "totals": content.totals,
            "compliant": content.compliant,
            "entries": content.entries,
        },
        "credentialStatus": [position.entry() for position in content.status],
    }


# ---- the status list credential ------------------------------------------------------------------------------
def status_list_credential(
    *, issuer: str, list_url: str, purpose: str, encoded_list: str, valid_from: datetime, ttl_seconds: int
) -> dict[str, Any]:
    """W3C Bitstring Status List v1.0 §2.2. ``validFrom`` is the list's last change, so that one version of the
    list is always the same document (and, EdDSA being deterministic, the same JWS on every replica)."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", STATUS_LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
            "ttl": ttl_seconds * 1000,
        },
    }


def issuer_id_of(credential: dict[str, Any]) -> str | None:
    """``issuer`` is a URL string or an object with an ``id`` (VC 2.0 §4.7)."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None
