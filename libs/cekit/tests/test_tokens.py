"""Token verification as every service does it: only EdDSA access tokens of our issuer, for our audience."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cekit.testing import TEST_AUDIENCE, TEST_ISSUER, TokenMinter
from cekit.tokens import KeySet, Principal, TokenError, TokenVerifier, static_jwks_fetcher


def verifier_for(*minters: TokenMinter) -> TokenVerifier:
    jwks = {"keys": [k for m in minters for k in m.jwks["keys"]]}
    return TokenVerifier(KeySet(static_jwks_fetcher(jwks)), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


async def test_a_good_token_gives_the_principal() -> None:
    minter = TokenMinter()
    token = minter.mint("acct-7", roles=("hr_official",), region_code="130100", org_id="org-1", scope="records:read")
    principal = await verifier_for(minter).verify(token)
    assert principal.subject == "acct-7"
    assert principal.roles == ("hr_official",)
    assert principal.region_code == "130100"
    assert principal.org_id == "org-1"
    assert principal.scopes == ("records:read",)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        pytest.param(
            lambda m: (
                _b64({"alg": "none", "typ": "at+jwt", "kid": m.kid})
                + "."
                + _b64({"iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "sub": "x", "exp": time.time() + 60})
                + "."
            ),
            "algorithm",
            id="alg-none",
        ),
        pytest.param(
            lambda m: jwt.encode(
                {"iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
                m.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
                algorithm="HS256",
                headers={"typ": "at+jwt", "kid": m.kid},
            ),
            "algorithm",
            id="hs256-with-public-key",
        ),
        pytest.param(lambda m: m.mint(headers={"typ": "JWT"}), "typ", id="wrong-typ"),
        pytest.param(lambda m: m.mint(aud="urn:ce:110000"), "aud", id="wrong-aud"),
        pytest.param(lambda m: m.mint(iss="urn:ce:110000:registry"), "iss", id="wrong-iss"),
        pytest.param(lambda m: m.mint(lifetime=-120), "expired", id="expired"),
        pytest.param(lambda m: m.mint(headers={"kid": "nobody"}), "unknown key", id="unknown-kid"),
        pytest.param(lambda m: "not-a-jwt", "well-formed", id="garbage"),
    ],
)
async def test_bad_tokens_are_refused_with_their_reason(make_token, reason: str) -> None:  # type: ignore[no-untyped-def]
    minter = TokenMinter()
    with pytest.raises(TokenError, match=reason):
        await verifier_for(minter).verify(make_token(minter))


async def test_a_tampered_payload_fails_the_signature() -> None:
    minter = TokenMinter()
    header, payload, signature = minter.mint(roles=("person",)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["admin"]
    forged = f"{header}.{_b64(claims)}.{signature}"
    with pytest.raises(TokenError, match="signature"):
        await verifier_for(minter).verify(forged)


async def test_an_unknown_kid_refetches_the_keys_once() -> None:
    old, new = TokenMinter(), TokenMinter()
    published = {"keys": list(old.jwks["keys"])}
    fetches = 0

    async def fetch() -> dict[str, object]:
        nonlocal fetches
        fetches += 1
        return published

    verifier = TokenVerifier(KeySet(fetch, min_refetch_seconds=0), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    await verifier.verify(old.mint())
    assert fetches == 1
    # The registry rotates: the new key appears in the JWKS, and a token signed with it is accepted.
    published["keys"] = [*old.jwks["keys"], *new.jwks["keys"]]
    await verifier.verify(new.mint())
    assert fetches == 2
    await verifier.verify(old.mint())
    assert fetches == 2  # cached: no fetch per request


async def test_refetching_is_rate_limited_for_unknown_kids() -> None:
    minter = TokenMinter()
    fetches = 0

    async def fetch() -> dict[str, object]:
        nonlocal fetches
        fetches += 1
        return minter.jwks

    verifier = TokenVerifier(KeySet(fetch, min_refetch_seconds=60), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    await verifier.verify(minter.mint())
    for _ in range(5):
        with pytest.raises(TokenError):
            await verifier.verify(minter.mint(headers={"kid": "made-up"}))
    assert fetches == 1


async def test_a_token_is_remembered_only_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    minter = TokenMinter()
    verifier = verifier_for(minter)
    checks: list[str] = []
    full_check = verifier._verify

    async def counting(token: str) -> tuple[Principal, float]:
        checks.append(token)
        return await full_check(token)

    monkeypatch.setattr(verifier, "_verify", counting)
    token = minter.mint("acct-9", lifetime=60)
    assert (await verifier.verify(token)).subject == "acct-9"
    assert (await verifier.verify(token)).subject == "acct-9"
    assert len(checks) == 1  # remembered: no second signature check
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    await verifier.verify(token)
    assert len(checks) == 2  # past its exp the token is checked in full again (and PyJWT refuses it then)


async def test_the_remembered_tokens_are_bounded() -> None:
    minter = TokenMinter()
    verifier = TokenVerifier(
        KeySet(static_jwks_fetcher(minter.jwks)), issuer=TEST_ISSUER, audience=TEST_AUDIENCE, remember=3
    )
    tokens = [minter.mint(f"acct-{i}") for i in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert len(verifier._verified) == 3
    assert tokens[0] not in verifier._verified
    assert tokens[-1] in verifier._verified
