"""The registry, as the hours service uses it: one batch lookup of people by ID number and name.

Contract (the registry's, read from its API, never from its code)::

    POST {registry}/v1/auth/token            grant_type=client_credentials&client_id=…&client_secret=…
                                             → {access_token, expires_in}
    POST {registry}/v1/internal/registry/person-lookups   (bearer token of role ``service``)
         {items: [{id_number, name}, …]} (≤ 1,000) → {results: […]} in input order, each
         {status: "found", person_id, region_code, province_code, employer_id, title_level, industry}
         or {status: "unknown_person" | "name_mismatch" | "invalid_id_number", reason}
    GET  {registry}/v1/internal/registry/persons/{id}/facts   (role ``service``) → the same "found" shape, or 404

The service token is cached until shortly before it expires (and dropped at once if the registry refuses it).
Anything but a usable answer — the registry down, slow, refusing our credentials, answering nonsense — is a
``RegistryUnavailable`` (503 ``registry_unavailable``): the caller retries; nothing was written.
"""

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Literal

import httpx
from asyncpg.pgproto.pgproto import UUID as AsyncpgUUID
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from cekit.service_tokens import ServiceTokens
from hours.errors import RegistryUnavailable
from hours.vocabulary import TitleLevel

log = logging.getLogger("hours.registry")

MAX_LOOKUP_ITEMS = 1000
LOOKUP_PATH = "/v1/internal/registry/person-lookups"
FACTS_PATH = "/v1/internal/registry/persons/{person_id}/facts"


def _asyncpg_uuid(value: object) -> object:
    """A UUID's text read as asyncpg's UUID (a ``uuid.UUID``; an invalid text is a ``ValueError``, so a validation
    error). A batch writes each person's ids with its records and hashes their text into each record's content
    hash: asyncpg sends its own UUIDs as they are and makes their text ten times faster than ``uuid.UUID``."""
    return AsyncpgUUID(value) if isinstance(value, str) else value


RegistryUUID = Annotated[uuid.UUID, BeforeValidator(_asyncpg_uuid)]


class PersonFound(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["found"]
    person_id: RegistryUUID
    region_code: str = Field(min_length=6, max_length=6)
    province_code: str = Field(min_length=6, max_length=6)
    employer_id: RegistryUUID | None
    title_level: TitleLevel
    industry: str


class PersonMissing(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["unknown_person", "name_mismatch", "invalid_id_number"]
    reason: str


LookupResult = Annotated[PersonFound | PersonMissing, Field(discriminator="status")]


class _LookupAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results: list[LookupResult]


class RegistryClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        client_id: str | None,
        client_secret: str | None,
        *,
        refresh_margin_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self.tokens = ServiceTokens(
            http,
            base_url,
            client_id,
            client_secret,
            service="hours",
            unavailable=RegistryUnavailable,
            refresh_margin_seconds=refresh_margin_seconds,
            clock=clock,
        )

    async def lookup_persons(self, items: Sequence[tuple[str, str]]) -> list[PersonFound | PersonMissing]:
        """One result per ``(id_number, name)``, in input order."""
        if not items:
            return []
        if len(items) > MAX_LOOKUP_ITEMS:
            raise ValueError(f"at most {MAX_LOOKUP_ITEMS} people per lookup")
        body = {"items": [{"id_number": id_number, "name": name} for id_number, name in items]}
        response = await self._send("POST", LOOKUP_PATH, body)
        try:
            answer = _LookupAnswer.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning("registry lookup answer not understood: %s", exc.errors()[:3])
            raise RegistryUnavailable("The registry's answer to a person lookup could not be read.") from exc
        if len(answer.results) != len(items):
            raise RegistryUnavailable("The registry answered a person lookup with the wrong number of results.")
        return list(answer.results)

    async def person_facts(self, person_id: uuid.UUID) -> PersonFound | None:
        """A registered person's region, employer, title and industry (None: not registered) — for a person the
        hours service has not seen a record of yet."""
        response = await self._send("GET", FACTS_PATH.format(person_id=person_id), expected=(200, 404))
        if response.status_code == 404:
            return None
        try:
            return PersonFound.model_validate_json(response.content)
        except ValidationError as exc:
            raise RegistryUnavailable("The registry's answer about a person could not be read.") from exc

    async def _send(
        self, method: str, path: str, body: object = None, *, expected: tuple[int, ...] = (200,)
    ) -> httpx.Response:
        response = await self.tokens.send(
            self._http, method, self._base_url + path, json=body, unavailable=RegistryUnavailable, peer="registry"
        )
        if response.status_code not in expected:
            raise RegistryUnavailable(f"The registry answered {method} {path} with {response.status_code}.")
        return response
