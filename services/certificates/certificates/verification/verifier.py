"""The verifier: one credential in, a per-check report out.

Each check passes (True), fails (False) or could not be decided (None: the issuer's keys or status list are out
of reach). The verdict is *invalid* as soon as one check fails, else *indeterminate* when one could not be
decided, else *valid* — so an unreachable partner never makes a genuine credential look forged. Checks that
depend on an earlier one that did not pass (no signature check without a trusted issuer, no status or subject
check on an unverified payload) are reported as not checked (None) with the reason.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cekit.identifiers import IdNumberError, parse_id_number
from cekit.pii import mask_id_number
from certificates import jose, vc
from certificates.verification.issuers import (
    BadStatusEntry,
    IssuerResolver,
    KeysUnavailable,
    StatusRef,
    StatusUnavailable,
    TrustedIssuer,
)

log = logging.getLogger("certificates.verification")

CheckName = Literal["format", "issuer_trusted", "signature", "validity", "status", "subject"]
Verdict = Literal["valid", "invalid", "indeterminate"]
Status = Literal["active", "revoked", "suspended", "unknown"]
MAX_STATUS_INDEX = 2**31 - 1


@dataclass(frozen=True)
class Check:
    check: CheckName
    passed: bool | None
    detail: str


@dataclass
class Verification:
    checks: list[Check]
    status: Status = "unknown"
    issuer: str | None = None
    issuer_name: str | None = None
    credential_id: str | None = None
    # The credential's payload, only once its signature verified: nothing unverified leaves the verifier.
    credential: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def verdict(self) -> Verdict:
        if any(c.passed is False for c in self.checks):
            return "invalid"
        if any(c.passed is None for c in self.checks):
            return "indeterminate"
        return "valid"

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    @property
    def reason(self) -> str | None:
        """The first failed check's detail, else the first undecided one's; None when valid."""
        for wanted in (False, None):
            for check in self.checks:
                if check.passed is wanted:
                    return f"{check.check}: {check.detail}"
        return None

    @property
    def subject(self) -> dict[str, Any] | None:
        if self.credential is None:
            return None
        subject = self.credential.get("credentialSubject")
        return subject if isinstance(subject, dict) else None


class Verifier:
    def __init__(self, resolver: IssuerResolver, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.resolver = resolver
        self.clock = clock

    async def verify(self, token: str, *, id_number: str | None = None) -> Verification:
        # ---- format
        try:
            jws = jose.parse(token)
            payload = jws.payload
            problem = credential_shape_problem(payload)
        except jose.JwsFormatError as exc:
            problem = str(exc)
        if problem is not None:
            return Verification(
                checks=[
                    Check("format", False, problem),
                    *(_skipped(name, "the credential could not be read") for name in _AFTER_FORMAT),
                ]
            )
        issuer_id = vc.issuer_id_of(payload)
        assert issuer_id is not None  # credential_shape_problem checked it
        result = Verification(
            checks=[Check("format", True, "a compact JWS (EdDSA, vc+jwt) of a W3C VC 2.0 credential")],
            issuer=issuer_id,
            credential_id=payload.get("id") if isinstance(payload.get("id"), str) else None,
        )

        # ---- issuer trusted
        issuer = await self.resolver.resolve(issuer_id)
        if issuer is None:
            result.checks += [
                Check("issuer_trusted", False, f"{issuer_id} is neither this platform nor a partner province"),
                _skipped("signature", "the issuer is not trusted"),
            ]
        else:
            result.issuer_name = issuer.name
            result.checks.append(Check("issuer_trusted", True, f"{issuer.name} ({issuer_id})"))
            result.checks.append(await _signature(issuer, jws))
        signed = result.checks[-1].passed is True

        # ---- validity dates (facts of the document; meaningful whether or not the rest holds)
        result.checks.append(_validity(payload, self.clock()))

        # ---- status and subject: only on a payload whose signature verified
        if signed and issuer is not None:
            result.credential = payload
            status_check, result.status = await _status(issuer, payload)
            result.checks.append(status_check)
            result.checks.append(_subject(payload, id_number))
        else:
            result.checks += [
                _skipped("status", "the signature did not verify"),
                _skipped("subject", "the signature did not verify"),
            ]
        return result


_AFTER_FORMAT: tuple[CheckName, ...] = ("issuer_trusted", "signature", "validity", "status", "subject")


def _skipped(name: CheckName, why: str) -> Check:
    return Check(name, None, f"not checked: {why}")


def credential_shape_problem(payload: dict[str, Any]) -> str | None:
    """What makes the payload not a VC 2.0 credential this verifier can check, or None."""
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != vc.VC_CONTEXT:
        return f"the first @context must be {vc.VC_CONTEXT}"
    types = payload.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "the type must include VerifiableCredential"
    if vc.issuer_id_of(payload) is None:
        return "the credential names no issuer"
    if not isinstance(payload.get("credentialSubject"), dict):
        return "the credentialSubject must be one object"
    for name in ("validFrom", "validUntil"):
        if name in payload and vc.parse_timestamp(payload[name]) is None:
            return f"{name} is not a date-time with a time zone"
    status = payload.get("credentialStatus")
    if status is not None and not isinstance(status, dict | list):
        return "credentialStatus must be an object or a list of objects"
    return None


async def _signature(issuer: TrustedIssuer, jws: jose.Jws) -> Check:
    try:
        key = await issuer.key(jws.kid)
    except KeysUnavailable as exc:
        return Check("signature", None, f"the issuer's keys cannot be fetched: {exc}")
    if key is None:
        return Check("signature", False, f"signed with a key ({jws.kid}) that the issuer does not publish")
    if not jose.signature_valid(jws, key):
        return Check("signature", False, "the signature does not match the content: altered or forged")
    return Check("signature", True, f"signed by the issuer's key {jws.kid}")


def _validity(payload: dict[str, Any], now: datetime) -> Check:
    valid_from = vc.parse_timestamp(payload.get("validFrom"))
    valid_until = vc.parse_timestamp(payload.get("validUntil"))
    if valid_from is not None and now < valid_from:
        return Check("validity", False, f"not valid before {vc.timestamp(valid_from)}")
    if valid_until is not None and now > valid_until:
        return Check("validity", False, f"expired on {vc.timestamp(valid_until)}")
    window = " to ".join(vc.timestamp(t) for t in (valid_from, valid_until) if t is not None)
    return Check("validity", True, f"valid {window}" if window else "no validity period stated")


def status_refs(payload: dict[str, Any]) -> list[StatusRef]:
    """The revocation and suspension entries (W3C Bitstring Status List v1.0 §2.1); raises ``BadStatusEntry``."""
    raw = payload.get("credentialStatus")
    entries = [raw] if isinstance(raw, dict) else list(raw or [])
    refs = []
    for item in entries:
        if not isinstance(item, dict) or item.get("type") != vc.STATUS_ENTRY_TYPE:
            continue  # another status mechanism: not ours to judge
        purpose = item.get("statusPurpose")
        if purpose not in vc.PURPOSES:
            continue  # e.g. "message": says nothing about validity
        index = item.get("statusListIndex")
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= MAX_STATUS_INDEX:
            raise BadStatusEntry(f"the {purpose} entry's statusListIndex is not a non-negative integer")
        url = item.get("statusListCredential")
        if not isinstance(url, str) or not url:
            raise BadStatusEntry(f"the {purpose} entry names no statusListCredential")
        refs.append(StatusRef(purpose, url, index))
    return refs


async def _status(issuer: TrustedIssuer, payload: dict[str, Any]) -> tuple[Check, Status]:
    try:
        refs = status_refs(payload)
        if not refs:
            return Check("status", True, "the credential has no revocation or suspension entry"), "active"
        bits = await issuer.status_bits(refs)
    except BadStatusEntry as exc:
        return Check("status", False, str(exc)), "unknown"
    except StatusUnavailable as exc:
        return Check("status", None, f"the status list cannot be fetched: {exc}"), "unknown"
    set_purposes = {ref.purpose for ref, bit in zip(refs, bits, strict=True) if bit}
    if "revocation" in set_purposes:
        return Check("status", False, "revoked by the issuer"), "revoked"
    if "suspension" in set_purposes:
        return Check("status", False, "suspended by the issuer"), "suspended"
    checked = " and ".join(sorted({ref.purpose for ref in refs}))
    return Check("status", True, f"neither revoked nor suspended ({checked} lists checked)"), "active"


def _subject(payload: dict[str, Any], id_number: str | None) -> Check:
    subject: dict[str, Any] = payload["credentialSubject"]
    if not isinstance(subject.get("id"), str) or not subject["id"]:
        return Check("subject", False, "the credential does not name its subject (credentialSubject.id)")
    if id_number is None:
        return Check("subject", True, f"{subject['id']} (no ID number given to compare)")
    try:
        number = parse_id_number(id_number).number
    except IdNumberError as exc:
        return Check("subject", False, f"the ID number given is not valid: {exc}")
    if "idCommitment" not in subject:
        return Check("subject", False, "the credential carries no commitment to an ID number")
    masked = subject.get("maskedIdNumber")
    if not vc.commitment_matches(subject["idCommitment"], number) or (
        isinstance(masked, str) and masked != mask_id_number(number)
    ):
        return Check("subject", False, "the ID number given is not the one this credential was issued for")
    return Check("subject", True, "the ID number given matches the credential's commitment")
