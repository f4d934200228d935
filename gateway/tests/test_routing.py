"""Routing by prefix to the four services, over real HTTP, and what reaches the service."""

import re

import pytest

from gateway.routes import PREFIXES, RouteTable
from gateway.testing import upstream_headers

ROUTED = [
    ("/v1/persons/me", "registry"),
    ("/v1/auth/token", "registry"),
    ("/v1/internal/registry/people:lookup", "registry"),
    ("/v1/imports/persons", "registry"),
    ("/v1/compliance/p-1", "hours"),
    ("/v1/learning-records:batch", "hours"),
    ("/v1/policy-packs/130000", "hours"),
    ("/v1/spot-checks/s-1/results", "hours"),
    ("/v1/base-applications/a-1/decision", "bases"),
    ("/v1/bases/b-1/inspections", "bases"),
    ("/v1/complaints", "bases"),
    ("/v1/certificates/p-1", "certificates"),
    ("/v1/status-lists/2026", "certificates"),
    ("/verify/ABC123", "certificates"),
    ("/jjj/v1/partner-info", "certificates"),
]


@pytest.mark.parametrize(("path", "service"), ROUTED)
def test_route_table_sends_each_prefix_to_its_service(path: str, service: str) -> None:
    table = RouteTable({name: f"http://{name}" for name in PREFIXES})
    route = table.match(path)
    assert route is not None
    assert route.service == service


@pytest.mark.parametrize("path", ["/v1/basesX", "/v1/persons-extra", "/v2/persons", "/", "/v1", "/verifyX"])
def test_route_table_matches_on_segment_boundaries_only(path: str) -> None:
    assert RouteTable({name: f"http://{name}" for name in PREFIXES}).match(path) is None


def test_longest_prefix_wins() -> None:
    table = RouteTable({name: f"http://{name}" for name in PREFIXES})
    # /v1/base-applications must not fall to a shorter prefix, and /v1/bases must not swallow it.
    route = table.match("/v1/base-applications")
    assert route is not None
    assert route.prefix == "/v1/base-applications"
    route = table.match("/v1/bases/7")
    assert route is not None
    assert route.prefix == "/v1/bases"


async def test_each_service_receives_its_requests_with_path_query_and_body(platform) -> None:  # type: ignore[no-untyped-def]
    for path, service in ROUTED:
        response = await platform.client.post(
            path, params={"year": "2026", "q": "a b"}, content=b'{"x": 1}', headers=platform.auth()
        )
        assert response.status_code == 200, (path, response.text)
        seen = response.json()
        assert seen["service"] == service
        assert seen["path"] == path
        assert seen["query"] == "year=2026&q=a+b"
        assert seen["body_length"] == 8
        assert seen["method"] == "POST"


async def test_percent_encoded_paths_reach_the_service_unchanged(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/v1/persons/a%2Fb%20c", headers=platform.auth())
    assert response.status_code == 200
    assert response.json()["raw_path"] == "/v1/persons/a%2Fb%20c"


async def test_unknown_prefix_is_a_404_problem(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/v1/nothing-here", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-404"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["request_id"] == "req-404"
    assert all(not upstream.requests for upstream in platform.upstreams.values())


async def test_dot_segments_are_refused_before_routing(platform) -> None:  # type: ignore[no-untyped-def]
    # A public prefix must not become a way into another path of the same service.
    response = await platform.client.get("/verify/%2E%2E/v1/certificates/p-1")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert not platform.upstreams["certificates"].requests


async def test_authorization_is_forwarded_unchanged_and_no_identity_is_added(platform) -> None:  # type: ignore[no-untyped-def]
    token = platform.minter.mint("person-7", roles=("person",), person_id="p-7")
    response = await platform.client.get(
        "/v1/compliance/p-7",
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9", "Accept": "text/plain"},
    )
    assert response.status_code == 200
    headers = upstream_headers(response.json())
    assert headers["authorization"] == [f"Bearer {token}"]
    assert headers["accept"] == ["text/plain"]
    # Only transport facts are added, never who the caller is: services verify the token themselves.
    added = set(headers) - {"authorization", "accept", "accept-encoding", "user-agent", "host"}
    assert added == {"x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}
    assert headers["x-forwarded-for"] == ["203.0.113.9, 127.0.0.1"]
    assert headers["x-forwarded-proto"] == ["http"]


async def test_hop_by_hop_headers_stay_at_the_gateway(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get(
        "/v1/compliance/p-1",
        headers={**platform.auth(), "Connection": "keep-alive, X-Hop-Secret", "X-Hop-Secret": "1", "TE": "trailers"},
    )
    assert response.status_code == 200
    headers = upstream_headers(response.json())
    assert "x-hop-secret" not in headers
    assert "te" not in headers
    assert headers.get("connection", ["keep-alive"]) == ["keep-alive"]  # aiohttp's own, for its pool


async def test_request_id_is_created_passed_upstream_and_returned(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth())
    created = response.headers["x-request-id"]
    assert re.fullmatch(r"[A-Za-z0-9._:-]{8,128}", created)
    assert upstream_headers(response.json())["x-request-id"] == [created]
    again = await platform.client.get("/v1/compliance/p-1", headers=platform.auth())
    assert again.headers["x-request-id"] != created


async def test_a_sane_request_id_is_kept_and_a_bad_one_replaced(platform) -> None:  # type: ignore[no-untyped-def]
    kept = await platform.client.get("/v1/compliance/p-1", headers={**platform.auth(), "X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    assert upstream_headers(kept.json())["x-request-id"] == ["abc-123"]
    replaced = await platform.client.get(
        "/v1/compliance/p-1", headers={**platform.auth(), "X-Request-ID": "no spaces {allowed}"}
    )
    new_id = replaced.headers["x-request-id"]
    assert new_id != "no spaces {allowed}"
    assert upstream_headers(replaced.json())["x-request-id"] == [new_id]


async def test_responses_carry_one_date_and_server_and_the_service_headers(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/v1/compliance/p-1", headers=platform.auth())
    assert len(response.headers.get_list("date")) == 1
    assert len(response.headers.get_list("server")) <= 1
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)


async def test_access_lines_are_json_with_the_request_id_and_a_masked_path(  # type: ignore[no-untyped-def]
    start_platform, capsys
) -> None:
    import asyncio
    import json

    platform = await start_platform(log_json=True)
    id_number = "130102199001011234"  # a certificate number is the holder's ID number
    response = await platform.client.get(
        f"/v1/certificates/{id_number}", headers={**platform.auth(), "X-Request-ID": "acc-1"}
    )
    assert response.status_code == 200
    await asyncio.sleep(0.5)  # lines are written in batches, at most 0.25 s late
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "gateway.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "acc-1"
    assert access[0]["status"] == 200
    assert access[0]["route"] == "/v1/certificates"
    assert access[0]["path"] == "/v1/certificates/130102********1234"
    assert id_number not in json.dumps(lines)


def test_the_fast_lookup_agrees_with_the_definition() -> None:
    table = RouteTable({name: f"http://{name}" for name in PREFIXES})
    samples = {"/", "/v1", "/v1/", "/verify", "/verify/", "/jjj", "/jjj:x", "/verify:x", "/v1/bases:search"}
    for prefixes in PREFIXES.values():
        for prefix in prefixes:
            bare = prefix.rstrip("/")
            for suffix in ("", "/", "/x", ":batch", "/x/y:z", "x", "-x", "/a:b/c", "/.."):
                samples.add(prefix + suffix)
                samples.add(bare + suffix)
    for path in sorted(samples):
        assert table.match(path) == table.match_by_scan(path), path
