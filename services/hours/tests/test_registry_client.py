"""The registry client: one lookup per call, the service token cached until shortly before it expires, and
every way the registry can fail turned into ``registry_unavailable`` (503), never a 500."""

import uuid

import httpx
import pytest

from hours.clients.registry import PersonFound, PersonMissing, RegistryClient
from hours.errors import RegistryUnavailable
from hours.testing import CLIENT_ID, CLIENT_SECRET, FakeRegistry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client_for(registry: FakeRegistry, clock: Clock, **kw: str | None) -> RegistryClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=registry.app()))
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **kw}
    return RegistryClient(
        http, "http://registry.test", credentials["client_id"], credentials["client_secret"], clock=clock
    )


async def test_lookups_answer_in_input_order() -> None:
    registry = FakeRegistry()
    alice, bob = registry.add_person("130102"), registry.add_person("510104", title_level="senior")
    client = client_for(registry, Clock())
    results = await client.lookup_persons(
        [
            (bob.id_number, bob.name),
            ("110101199003070000", "x"),
            (alice.id_number, "someone else"),
            (alice.id_number, alice.name),
        ]
    )
    assert isinstance(results[0], PersonFound)
    assert results[0].person_id == bob.person_id
    assert results[0].title_level == "senior"
    assert results[0].region_code == "510104"
    assert isinstance(results[1], PersonMissing)
    assert results[1].status == "invalid_id_number"
    assert isinstance(results[2], PersonMissing)
    assert results[2].status == "name_mismatch"
    assert isinstance(results[3], PersonFound)
    assert results[3].person_id == alice.person_id
    assert registry.lookup_calls == 1


async def test_the_service_token_is_cached_until_shortly_before_expiry() -> None:
    registry = FakeRegistry(expires_in=300)
    person = registry.add_person()
    clock = Clock()
    client = client_for(registry, clock)
    for _ in range(3):
        await client.lookup_persons([(person.id_number, person.name)])
    assert registry.token_requests == 1
    clock.now += 300 - 31  # still more than the 30 s margin left
    await client.lookup_persons([(person.id_number, person.name)])
    assert registry.token_requests == 1
    clock.now += 2  # within the margin: refreshed before it can expire in flight
    await client.lookup_persons([(person.id_number, person.name)])
    assert registry.token_requests == 2


async def test_a_refused_token_is_replaced_once() -> None:
    registry = FakeRegistry()
    person = registry.add_person()
    client = client_for(registry, Clock())
    await client.lookup_persons([(person.id_number, person.name)])
    registry.tokens.clear()  # the registry rotated its keys: our cached token is no longer good
    result = await client.lookup_persons([(person.id_number, person.name)])
    assert isinstance(result[0], PersonFound)
    assert registry.token_requests == 2


async def test_a_registry_outage_is_registry_unavailable() -> None:
    registry = FakeRegistry(down=True)
    client = client_for(registry, Clock())
    with pytest.raises(RegistryUnavailable) as refused:
        await client.lookup_persons([("130102198503150011", "x")])
    assert refused.value.status == 503
    assert refused.value.code == "registry_unavailable"


async def test_an_unreachable_registry_is_registry_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    client = RegistryClient(http, "http://registry.test", CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(RegistryUnavailable, match="cannot be reached"):
        await client.lookup_persons([("130102198503150011", "x")])


async def test_wrong_credentials_and_missing_credentials_are_registry_unavailable() -> None:
    registry = FakeRegistry()
    with pytest.raises(RegistryUnavailable, match="refused the hours service's client credentials"):
        await client_for(registry, Clock(), client_secret="wrong").lookup_persons([("130102198503150011", "x")])
    with pytest.raises(RegistryUnavailable, match="no registry client credentials"):
        await client_for(registry, Clock(), client_id=None).lookup_persons([("130102198503150011", "x")])


@pytest.mark.parametrize(
    "answer",
    [
        {"results": []},
        {"results": [{"status": "found", "person_id": "not-a-uuid"}]},
        {"unexpected": True},
    ],
    ids=["too few results", "a malformed result", "no results at all"],
)
async def test_an_answer_that_cannot_be_read_is_registry_unavailable(answer: dict[str, object]) -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        return httpx.Response(200, json=answer)

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    client = RegistryClient(http, "http://registry.test", CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(RegistryUnavailable):
        await client.lookup_persons([("130102198503150011", str(uuid.uuid4()))])
