"""Compact JWS (RFC 7515) for verifiable credentials secured with JOSE (W3C VC-JOSE-COSE): the payload is the
credential itself, the header names ``alg: EdDSA``, ``typ: vc+jwt`` and the signing key's ``kid``.

Parsing is separate from signature checking, so a verifier can report a malformed credential (format) apart
from a forged one (signature).
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from jwt import PyJWK

from certificates.keys import SigningKey

ALGORITHM = "EdDSA"
VC_TYP = "vc+jwt"
MAX_TOKEN_LENGTH = 512 * 1024

_jws = jwt.PyJWS()
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class JwsFormatError(ValueError):
    """The token is not a compact JWS of the expected shape; the message is safe to show."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    if _B64URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (names in Chinese stay readable in the decoded payload)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def sign(payload: dict[str, Any], key: SigningKey, *, typ: str = VC_TYP) -> str:
    return _jws.encode(
        canonical_json(payload), key.private_key, algorithm=ALGORITHM, headers={"typ": typ, "kid": key.kid}
    )


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        return str(self.header["kid"])


def parse(token: str, *, typ: str = VC_TYP) -> Jws:
    """The token's parts, checked for shape only (no signature check)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise JwsFormatError("the credential is not a compact JWS string of a reasonable size")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JwsFormatError("a compact JWS has three base64url parts separated by dots")
    try:
        header_bytes, payload_bytes, signature = (b64url_decode(part) for part in parts)
    except (ValueError, binascii.Error):
        raise JwsFormatError("a part of the JWS is not base64url") from None
    try:
        header = orjson.loads(header_bytes)
        payload = orjson.loads(payload_bytes)
    except orjson.JSONDecodeError:
        raise JwsFormatError("the JWS header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JwsFormatError("the JWS header and payload must be JSON objects")
    if header.get("alg") != ALGORITHM:
        raise JwsFormatError(f"the algorithm must be {ALGORITHM}, not {header.get('alg')!r}")
    if str(header.get("typ", "")).lower() not in (typ, "application/" + typ):
        raise JwsFormatError(f"the JWS type (typ) must be {typ}")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise JwsFormatError("the JWS header names no signing key (kid)")
    if "crit" in header:  # RFC 7515 §4.1.11: extensions we do not understand must not be ignored
        raise JwsFormatError("the JWS header carries critical extensions this verifier does not support")
    if len(signature) != 64:
        raise JwsFormatError("an EdDSA (Ed25519) signature is 64 bytes")
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    return Jws(header=header, payload=payload, signing_input=signing_input, signature=signature)


def signature_valid(jws: Jws, key: PyJWK) -> bool:
    """PyJWT's EdDSA check with an already parsed key (no parsing per call)."""
    if key.algorithm_name != ALGORITHM:
        return False
    return bool(key.Algorithm.verify(jws.signing_input, key.key, jws.signature))
