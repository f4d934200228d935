"""Which service answers which path, and which paths need no token at the gateway (API.md), as data.

Matching is by longest prefix on a segment boundary: ``/v1/bases`` matches ``/v1/bases``, ``/v1/bases/7``
and ``/v1/bases:search`` but not ``/v1/base-applications`` (which has its own entry). A prefix written
with a trailing slash (``/verify/``) also matches the bare path (``/verify``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SERVICES: tuple[str, ...] = ("registry", "hours", "bases", "certificates")

PREFIXES: Mapping[str, tuple[str, ...]] = {
    "registry": (
        "/v1/auth/",
        "/.well-known/jwks.json",
        "/v1/authorities",
        "/v1/employers",
        "/v1/institutions",
        "/v1/persons",
        "/v1/accounts",
        "/v1/clients",
        "/v1/organisations",
        "/v1/internal/registry",
        "/v1/imports",
    ),
    "hours": (
        "/v1/learning-records",
        "/v1/compliance",
        "/v1/catalogue",
        "/v1/statistics",
        "/v1/assessments",
        "/v1/eligibility",
        "/v1/policy-packs",
        "/v1/requirements",
        "/v1/spot-checks",
    ),
    "bases": ("/v1/base-applications", "/v1/bases", "/v1/complaints"),
    "certificates": (
        "/v1/certificates",
        "/v1/statements",
        "/v1/verifications",
        "/v1/status-lists",
        "/verify/",
        "/jjj/",
        "/v1/partners",
        "/v1/recognitions",
        "/v1/issuer",
        "/.well-known/jwt-vc-issuer",
    ),
}

Match = Literal["exact", "prefix", "one_segment"]
READ = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class PublicRule:
    """A request the gateway lets through without a token; the service still decides what it may see."""

    path: str
    match: Match
    methods: frozenset[str] | None = None  # None: every method

    def admits(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.match == "exact":
            return path == self.path or path == self.path + "/"
        if self.match == "prefix":
            return path.startswith(self.path) or path + "/" == self.path
        # one_segment: "/v1/bases/" + one id, nothing below it (plans, inspections need a login).
        if not path.startswith(self.path):
            return False
        rest = path[len(self.path) :]
        return "/" not in rest and ":" not in rest


PUBLIC: tuple[PublicRule, ...] = (
    # Token, revocation and the like carry their own client credentials.
    PublicRule("/v1/auth/", "prefix"),
    PublicRule("/.well-known/jwks.json", "exact", READ),
    PublicRule("/v1/verifications", "exact", frozenset({"POST"})),
    PublicRule("/v1/status-lists/", "prefix", READ),
    # The keys and metadata of the certificates issuer: what any verifier needs to check a statement offline.
    PublicRule("/v1/issuer/", "prefix", READ),
    PublicRule("/.well-known/jwt-vc-issuer", "prefix", READ),
    PublicRule("/verify/", "prefix", READ),
    # Partner provinces authenticate with their own signed JWT, which the certificates service checks.
    PublicRule("/jjj/", "prefix"),
    PublicRule("/v1/bases", "exact", READ),
    PublicRule("/v1/bases/", "one_segment", READ),
)


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    service: str
    upstream: str  # base URL without a trailing slash
    public: tuple[PublicRule, ...]

    def is_public(self, method: str, path: str) -> bool:
        return any(rule.admits(method, path) for rule in self.public)


def _covers(prefix: str, path: str) -> bool:
    if prefix.endswith("/"):
        return path.startswith(prefix) or path + "/" == prefix
    if not path.startswith(prefix):
        return False
    return len(path) == len(prefix) or path[len(prefix)] in "/:"


class RouteTable:
    """The route table. A lookup tries the path's own prefixes at its ``/`` and ``:`` boundaries, longest
    first, in a dict: a handful of lookups whatever the number of routes."""

    def __init__(self, upstreams: Mapping[str, str]) -> None:
        missing = set(SERVICES) - set(upstreams)
        if missing:
            raise ValueError(f"no upstream URL for {', '.join(sorted(missing))}")
        routes = []
        for service, prefixes in PREFIXES.items():
            for prefix in prefixes:
                public = tuple(rule for rule in PUBLIC if _covers(prefix, rule.path.rstrip("/") or "/"))
                routes.append(Route(prefix, service, upstreams[service].rstrip("/"), public))
        self.routes: tuple[Route, ...] = tuple(sorted(routes, key=lambda r: len(r.prefix), reverse=True))
        self.upstreams = {name: upstreams[name].rstrip("/") for name in SERVICES}
        # "/v1/bases" covers itself and what follows a boundary; "/verify/" covers what starts with it
        # and the bare "/verify".
        self._exact = {r.prefix.rstrip("/"): r for r in routes} | {r.prefix: r for r in routes}
        self._at_boundary = {r.prefix: r for r in routes if not r.prefix.endswith("/")}
        self._directories = {r.prefix: r for r in routes if r.prefix.endswith("/")}
        self._longest = max(len(r.prefix) for r in routes)

    def match(self, path: str) -> Route | None:
        route = self._exact.get(path)
        if route is not None:
            return route
        end = min(len(path), self._longest + 1)  # no prefix ends beyond this: skip the path's tail
        while end > 0:
            end = max(path.rfind("/", 0, end), path.rfind(":", 0, end))
            if end <= 0:
                return None
            if path[end] == "/":
                route = self._directories.get(path[: end + 1])
                if route is not None:
                    return route
            route = self._at_boundary.get(path[:end])
            if route is not None:
                return route
        return None

    def match_by_scan(self, path: str) -> Route | None:
        """The same answer by the definition (longest covering prefix); the tests hold ``match`` to it."""
        for route in self.routes:
            if _covers(route.prefix, path):
                return route
        return None


def has_dot_segment(path: str) -> bool:
    """``/verify/../v1/persons`` would reach another service's path through a public prefix: refuse it."""
    return "/." in path and any(segment in (".", "..") for segment in path.split("/"))
