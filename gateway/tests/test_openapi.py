"""The merged OpenAPI document and the interactive docs page."""

from typing import Any

from gateway.openapi import merge_documents
from gateway.routes import PREFIXES, RouteTable
from gateway.testing import openapi_for

ROUTES = RouteTable({name: f"http://{name}" for name in PREFIXES})


async def test_openapi_merges_the_paths_of_every_service(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for path in ("/v1/persons/{person_id}", "/v1/compliance/{person_id}", "/v1/bases", "/v1/certificates/{person_id}"):
        assert path in paths
    assert paths["/v1/compliance/{person_id}"]["get"]["x-service"] == "hours"
    assert "/readyz" in paths  # the gateway's own
    assert "/services/{name}/{probe}" in paths
    assert document["x-missing-services"] == []


async def test_openapi_says_which_services_are_missing(start_platform) -> None:  # type: ignore[no-untyped-def]
    platform = await start_platform(down=("bases", "certificates"))
    document = (await platform.client.get("/openapi.json")).json()
    assert document["x-missing-services"] == ["bases", "certificates"]
    assert "bases, certificates" in document["info"]["description"]
    assert "/v1/compliance/{person_id}" in document["paths"]
    assert "/v1/bases" not in document["paths"]


async def test_docs_page_loads_the_merged_document(platform) -> None:  # type: ignore[no-untyped-def]
    response = await platform.client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in response.text.lower()
    assert "/openapi.json" in response.text


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def test_clashing_components_are_renamed_and_identical_ones_kept_once() -> None:
    documents = {name: openapi_for(name) for name in ("registry", "hours", "bases", "certificates")}
    merged = merge_documents(documents, ROUTES)
    schemas = merged["components"]["schemas"]
    # Problem is the same everywhere: one copy. Thing differs: one per service, none lost.
    assert "Problem" in schemas
    assert not any(name.endswith(".Problem") for name in schemas)
    assert {"Thing", "hours.Thing", "bases.Thing", "certificates.Thing"} <= set(schemas)
    assert schemas["hours.Thing"]["title"] == "hours thing"
    # Each service's operation points at its own Thing.
    hours_op = merged["paths"]["/v1/compliance/{person_id}"]["get"]
    assert _refs(hours_op) == {"#/components/schemas/hours.Thing"}
    registry_op = merged["paths"]["/v1/persons/{person_id}"]["get"]
    assert _refs(registry_op) == {"#/components/schemas/Thing"}
    # Every reference resolves.
    for ref in _refs(merged):
        section, name = ref.removeprefix("#/components/").split("/", 1)
        assert name in merged["components"][section], ref


def test_operation_ids_stay_unique_and_unrouted_paths_are_left_out() -> None:
    documents = {name: openapi_for(name) for name in ("registry", "hours", "bases", "certificates")}
    merged = merge_documents(documents, ROUTES)
    ids = [op["operationId"] for item in merged["paths"].values() for op in item.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    assert "read_thing" in ids
    assert "hours_read_thing" in ids
    # Each service's own /healthz is not reachable at that path through the gateway.
    assert "/healthz" not in merged["paths"]


def test_a_renamed_schema_renames_the_schemas_that_point_at_it() -> None:
    def doc(service: str, leaf_type: str) -> dict[str, Any]:
        return {
            "paths": {"/v1/compliance/x" if service == "hours" else "/v1/persons/x": {}},
            "components": {
                "schemas": {
                    "Leaf": {"type": leaf_type},
                    "Wrapper": {"type": "object", "properties": {"leaf": {"$ref": "#/components/schemas/Leaf"}}},
                }
            },
        }

    merged = merge_documents({"registry": doc("registry", "string"), "hours": doc("hours", "integer")}, ROUTES)
    schemas = merged["components"]["schemas"]
    # Wrapper looks the same in both, but the hours one wraps another Leaf: it must not be merged away.
    assert schemas["hours.Wrapper"]["properties"]["leaf"]["$ref"] == "#/components/schemas/hours.Leaf"
    assert schemas["Wrapper"]["properties"]["leaf"]["$ref"] == "#/components/schemas/Leaf"


def test_docs_offer_bearer_auth_except_on_public_operations() -> None:
    documents = {name: openapi_for(name) for name in ("registry", "hours", "bases", "certificates")}
    merged = merge_documents(documents, ROUTES)
    assert merged["security"] == [{"bearerAuth": []}]
    assert merged["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert merged["paths"]["/v1/bases"]["get"]["security"] == []  # the public list of bases
    assert "security" not in merged["paths"]["/v1/compliance/{person_id}"]["get"]
