"""The Bitstring Status Lists as a partner province meets them: a signed list anyone can fetch and cache, decoded
by hand (multibase 'u' + base64url + GZIP, index 0 = most significant bit of the first byte), at least 131,072
entries, random indexes never reused, and no lost bit when statements are issued and revoked concurrently."""

import asyncio
import base64
import gzip
import json
from typing import Any

import httpx

from certificates.testing import Callers, FakePeers, FakePerson

STATEMENTS = "/v1/statements"


def decode_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    document: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return document


def bits_by_hand(encoded_list: str) -> bytes:
    assert encoded_list[0] == "u"  # multibase: base64url without padding
    body = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_by_hand(encoded_list: str, index: int) -> int:
    bits = bits_by_hand(encoded_list)
    return (bits[index // 8] >> (7 - index % 8)) & 1


def entry(credential: str, purpose: str) -> dict[str, Any]:
    statuses = decode_part(credential, 1)["credentialStatus"]
    [found] = [s for s in statuses if s["statusPurpose"] == purpose]
    return dict(found)


def person_with_hours(peers: FakePeers) -> FakePerson:
    person = peers.add_person()
    person.certify(year=2025, hours="40")
    return person


async def issue(client: httpx.AsyncClient, callers: Callers, person: FakePerson) -> dict[str, Any]:
    response = await client.post(
        STATEMENTS, json={"person_id": str(person.person_id), "year": 2025}, headers=callers.admin()
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def fetch_list(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    return await client.get(url.removeprefix("https://ce.test"), headers=headers)


async def test_a_revoked_statement_s_bit_is_set_in_the_published_list(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    issued = await issue(client, callers, person_with_hours(peers))
    status = entry(issued["credential"], "revocation")
    index = int(status["statusListIndex"])
    assert status["type"] == "BitstringStatusListEntry"
    assert status["id"] == f"{status['statusListCredential']}#{index}"

    before = await fetch_list(client, status["statusListCredential"])
    assert before.status_code == 200
    assert before.headers["content-type"] == "application/vc+jwt"
    assert before.headers["cache-control"] == "public, max-age=300"
    assert decode_part(before.text, 0)["typ"] == "vc+jwt"
    document = decode_part(before.text, 1)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["id"] == status["statusListCredential"]
    assert document["issuer"] == "urn:ce:130000:certificates"
    subject = document["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    assert subject["ttl"] == 300_000
    assert len(bits_by_hand(subject["encodedList"])) * 8 >= 131_072  # herd privacy: at least 16 KiB of entries
    assert bit_by_hand(subject["encodedList"], index) == 0

    revoked = await client.post(
        f"{STATEMENTS}/{issued['statement_id']}/revocation", json={"reason": "撤销"}, headers=callers.admin()
    )
    assert revoked.status_code == 200

    after = await fetch_list(client, status["statusListCredential"])
    assert after.headers["etag"] != before.headers["etag"]
    encoded = decode_part(after.text, 1)["credentialSubject"]["encodedList"]
    assert bit_by_hand(encoded, index) == 1
    assert sum(bin(byte).count("1") for byte in bits_by_hand(encoded)) >= 1
    # The suspension list is another list, untouched by a revocation.
    suspension = entry(issued["credential"], "suspension")
    other = decode_part((await fetch_list(client, suspension["statusListCredential"])).text, 1)
    assert other["credentialSubject"]["statusPurpose"] == "suspension"
    assert bit_by_hand(other["credentialSubject"]["encodedList"], int(suspension["statusListIndex"])) == 0


async def test_a_cached_list_is_not_sent_again_until_it_changes(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    issued = await issue(client, callers, person_with_hours(peers))
    url = entry(issued["credential"], "revocation")["statusListCredential"]
    first = await fetch_list(client, url)
    etag = first.headers["etag"]

    unchanged = await fetch_list(client, url, **{"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    # The same version is the same document, signature included (EdDSA is deterministic).
    assert (await fetch_list(client, url)).text == first.text

    await client.post(
        f"{STATEMENTS}/{issued['statement_id']}/revocation", json={"reason": "x"}, headers=callers.admin()
    )
    changed = await fetch_list(client, url, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.text != first.text


async def test_an_unknown_list_is_a_problem(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/status-lists/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "status_list_not_found"
    assert (await client.get("/v1/status-lists/abc")).status_code == 422


async def test_concurrent_issues_get_distinct_random_indexes_and_concurrent_revocations_lose_no_bit(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    people = [person_with_hours(peers) for _ in range(24)]
    issued = await asyncio.gather(*(issue(client, callers, person) for person in people))
    positions = [
        (
            entry(i["credential"], "revocation")["statusListCredential"],
            int(entry(i["credential"], "revocation")["statusListIndex"]),
        )
        for i in issued
    ]
    assert len(set(positions)) == len(positions)  # never the same index twice
    indexes = sorted(index for _, index in positions)
    assert indexes != list(range(indexes[0], indexes[0] + len(indexes)))  # random, not issue order

    to_revoke = issued[::2]
    answers = await asyncio.gather(
        *(
            client.post(
                f"{STATEMENTS}/{i['statement_id']}/revocation", json={"reason": "并发"}, headers=callers.admin()
            )
            for i in to_revoke
        )
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    lists: dict[str, str] = {}
    for url, _ in positions:
        if url not in lists:
            lists[url] = decode_part((await fetch_list(client, url)).text, 1)["credentialSubject"]["encodedList"]
    revoked_ids = {i["statement_id"] for i in to_revoke}
    for i, (url, index) in zip(issued, positions, strict=True):
        assert bit_by_hand(lists[url], index) == (1 if i["statement_id"] in revoked_ids else 0)


async def test_the_same_revocation_twice_at_once_succeeds_once(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    issued = await issue(client, callers, person_with_hours(peers))
    path = f"{STATEMENTS}/{issued['statement_id']}/revocation"
    answers = await asyncio.gather(
        *(client.post(path, json={"reason": f"r{n}"}, headers=callers.admin()) for n in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
