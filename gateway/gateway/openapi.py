"""One OpenAPI document for the whole platform, merged from each service's own ``/openapi.json``.

Only the paths the gateway really routes to a service are taken from that service (its ``/healthz``
and friends are reachable as ``/services/{name}/...`` and documented by the gateway itself). Components
that two services name alike but define differently are renamed ``{service}.{name}`` in the later
service, with its ``$ref``s rewritten, so no definition silently replaces another; identical ones (the
shared ``Problem``) are kept once. Colliding operation ids are prefixed with the service name too.
A service that cannot be reached is left out and named in ``x-missing-services`` and the description.
"""

import asyncio
import copy
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from gateway.routes import SERVICES, RouteTable

log = logging.getLogger("gateway.openapi")

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
COMPONENT_SECTIONS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _rename_colliding(
    source: dict[str, Any], service: str, merged: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], set[str]]:
    """A copy of the service's document with refs to clashing components renamed, and the renamed refs.

    Repeated until stable: renaming one schema rewrites the refs in others, which may make them clash too.
    """
    renames: dict[str, str] = {}
    while True:
        doc: dict[str, Any] = _rewrite_refs(source, renames)
        found = {}
        for section in COMPONENT_SECTIONS:
            for name, definition in (doc.get("components", {}).get(section) or {}).items():
                ref = f"#/components/{section}/{name}"
                earlier = merged.get(section, {})
                if ref not in renames and name in earlier and earlier[name] != definition:
                    found[ref] = f"#/components/{section}/{service}.{name}"
        if not found:
            return doc, set(renames)
        renames.update(found)


def merge_documents(
    documents: Mapping[str, dict[str, Any] | None],
    routes: RouteTable,
    *,
    own: dict[str, Any] | None = None,
    title: str = "Continuing-education platform API",
    version: str = "0.1.0",
    description: str = "",
) -> dict[str, Any]:
    """Pure merge: ``documents`` maps a service name to its document, or None when it was unreachable."""
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    tags: dict[str, dict[str, Any]] = {}
    missing = [name for name in SERVICES if documents.get(name) is None and name in documents]

    sources: list[tuple[str | None, dict[str, Any]]] = [(None, own)] if own else []
    sources += [(name, doc) for name in SERVICES if (doc := documents.get(name)) is not None]
    for service, source in sources:
        renamed: set[str] = set()
        if service is None:
            doc = copy.deepcopy(source)
        else:
            doc, renamed = _rename_colliding(source, service, components)
        for section in COMPONENT_SECTIONS:
            for name, definition in (doc.get("components", {}).get(section) or {}).items():
                target = f"{service}.{name}" if f"#/components/{section}/{name}" in renamed else name
                components.setdefault(section, {}).setdefault(target, definition)

        for path, item in (doc.get("paths") or {}).items():
            if service is not None:
                route = routes.match(path)
                if route is None or route.service != service:
                    continue  # not reachable through the gateway under this path
            if path in paths:
                log.warning("openapi: %s defines %s again; the first definition is kept", service, path)
                continue
            for method, operation in item.items():
                if method not in HTTP_METHODS or not isinstance(operation, dict):
                    continue
                op_id = operation.get("operationId")
                if isinstance(op_id, str):
                    if op_id in operation_ids and service is not None:
                        op_id = f"{service}_{op_id}"
                        operation["operationId"] = op_id
                    operation_ids.add(op_id)
                if service is not None:
                    operation["x-service"] = service
                    route = routes.match(path)
                    if route is not None and route.is_public(method.upper(), path):
                        operation.setdefault("security", [])  # Swagger UI sends no token here
            paths[path] = item
        for tag in doc.get("tags") or []:
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)

    text = description
    if missing:
        text += ("\n\n" if text else "") + (
            "Unreachable when this document was built, so their paths are missing: " + ", ".join(missing) + "."
        )
    # The registry's access token, so /docs offers "Authorize" and sends it; public operations opt out above.
    components.setdefault("securitySchemes", {}).setdefault(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (at+jwt from /v1/auth/token)"}
    )
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": text},
        "security": [{"bearerAuth": []}],
        "paths": dict(sorted(paths.items())),
        "components": {section: dict(sorted(items.items())) for section, items in components.items() if items},
        "x-services": [name for name in SERVICES if documents.get(name) is not None],
        "x-missing-services": missing,
    }
    if tags:
        document["tags"] = list(tags.values())
    return document


class MergedOpenApi:
    """Fetches the services' documents concurrently and caches the merge (briefly when one is missing)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        routes: RouteTable,
        *,
        own: dict[str, Any] | None = None,
        ttl_seconds: float = 60.0,
        incomplete_ttl_seconds: float = 5.0,
        fetch_timeout_seconds: float = 3.0,
        description: str = "",
    ) -> None:
        self.session = session
        self.routes = routes
        self.own = own
        self.ttl = ttl_seconds
        self.incomplete_ttl = incomplete_ttl_seconds
        self.timeout = aiohttp.ClientTimeout(total=fetch_timeout_seconds)
        self.description = description
        self._cached: bytes | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, name: str) -> dict[str, Any] | None:
        url = self.routes.upstreams[name] + "/openapi.json"
        try:
            async with self.session.get(url, timeout=self.timeout, headers={"Accept-Encoding": "identity"}) as resp:
                if resp.status != 200:
                    log.warning("openapi: %s answered %s", url, resp.status)
                    return None
                document = json.loads(await resp.read())
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            log.warning("openapi: %s unreachable: %r", url, exc)
            return None
        return document if isinstance(document, dict) else None

    async def document_bytes(self) -> bytes:
        if self._cached is not None and time.monotonic() < self._expires:
            return self._cached
        async with self._lock:  # one fetch for everyone who asked while it ran
            if self._cached is not None and time.monotonic() < self._expires:
                return self._cached
            fetched = await asyncio.gather(*(self._fetch(name) for name in SERVICES))
            documents = dict(zip(SERVICES, fetched, strict=True))
            merged = merge_documents(documents, self.routes, own=self.own, description=self.description)
            self._cached = json.dumps(merged, ensure_ascii=False).encode()
            complete = not merged["x-missing-services"]
            self._expires = time.monotonic() + (self.ttl if complete else self.incomplete_ttl)
            return self._cached
