"""The registry, as the certificates service uses it: who a person is, for their certificate and statements.

Contract (the registry's, read from its API, never from its code)::

    GET {registry}/v1/internal/registry/persons/{person_id}/identity?organisation_id=…   (role ``service``)
        → {person_id, id_number, name, region_code, organisations: [{id, name, type}]}   or 404
    POST {registry}/v1/internal/registry/person-lookups   {items: [{id_number, name}]}   (role ``service``)
        → {results: [{status: "found", person_id, region_code, province_code, employer_id, title_level, industry}
                     | {status: "unknown_person" | "name_mismatch" | "invalid_id_number", reason}]}

The ID number arrives in plaintext (the registry audits the read): it is used to mask it and to commit to it in a
statement, and is never stored, logged or returned here.
"""

import uuid
from collections.abc import Iterable
from typing import Annotated, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cekit.service_tokens import ServiceTokens
from certificates.errors import PersonNotFound, RegistryUnavailable

IDENTITY_PATH = "/v1/internal/registry/persons/{person_id}/identity"
LOOKUP_PATH = "/v1/internal/registry/person-lookups"
MAX_ORGANISATIONS = 100


class Organisation(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    name: str
    type: str


class Identity(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    person_id: uuid.UUID
    id_number: str = Field(repr=False)
    name: str
    region_code: str
    organisations: list[Organisation] = Field(default_factory=list)

    def organisation_names(self) -> dict[uuid.UUID, str]:
        return {organisation.id: organisation.name for organisation in self.organisations}


class PersonFound(BaseModel):
    """Who an (ID number, name) pair is here, with the facts that decide who may act for them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["found"]
    person_id: uuid.UUID
    region_code: str
    employer_id: uuid.UUID | None = None
    industry: str = ""


class PersonMissing(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["unknown_person", "name_mismatch", "invalid_id_number"]
    reason: str


class _Lookup(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results: list[Annotated[PersonFound | PersonMissing, Field(discriminator="status")]]


class RegistryClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, tokens: ServiceTokens) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens

    async def identity(self, person_id: uuid.UUID, organisation_ids: Iterable[uuid.UUID] = ()) -> Identity:
        """The person's name and ID number, and the names of the organisations asked for (institutions)."""
        wanted = sorted({str(org) for org in organisation_ids})[:MAX_ORGANISATIONS]
        response = await self._tokens.get(
            self._http,
            self._base_url + IDENTITY_PATH.format(person_id=person_id),
            params={"organisation_id": wanted} if wanted else None,
            unavailable=RegistryUnavailable,
            peer="registry",
        )
        if response.status_code == 404:
            raise PersonNotFound(f"No person {person_id} is registered.")
        if response.status_code != 200:
            raise RegistryUnavailable(f"The registry answered an identity read with {response.status_code}.")
        try:
            identity = Identity.model_validate_json(response.content)
        except ValidationError as exc:
            raise RegistryUnavailable("The registry's identity answer could not be read.") from exc
        if identity.person_id != person_id:
            raise RegistryUnavailable("The registry answered an identity read about another person.")
        return identity

    async def lookup(self, id_number: str, name: str) -> PersonFound | PersonMissing:
        """The registered person with this ID number and name (the ID number is sent, never logged)."""
        response = await self._tokens.send(
            self._http,
            "POST",
            self._base_url + LOOKUP_PATH,
            json={"items": [{"id_number": id_number, "name": name}]},
            unavailable=RegistryUnavailable,
            peer="registry",
        )
        if response.status_code != 200:
            raise RegistryUnavailable(f"The registry answered a person lookup with {response.status_code}.")
        try:
            answer = _Lookup.model_validate_json(response.content)
        except ValidationError as exc:
            raise RegistryUnavailable("The registry's person lookup answer could not be read.") from exc
        if len(answer.results) != 1:
            raise RegistryUnavailable("The registry answered a person lookup with the wrong number of results.")
        return answer.results[0]
