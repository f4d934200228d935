"""The hours ledger, as the certificates service uses it.

Contract (the hours service's, read from its API, never from its code)::

    GET {hours}/v1/compliance/{person_id}?year=YYYY          (the *caller's* bearer token, forwarded)
        → {person_id, year, jurisdiction, required: {total, public, professional, public_required},
           credited: {…}, compliant, …}                                            or 404 outside the caller's scope
    GET {hours}/v1/internal/hours/persons/{person_id}/certified-records?year=YYYY   (our service token)
        → {person_id, records: [{record_id, year, category, activity, title, start_date, end_date, hours, required,
           result, submitter_type, submitter_id, institution_id, source, recognised_from}]}   or 404 (no hours)

Why the caller's token for compliance: the hours service is the one authority on whose hours someone may see
(the person, their employer, officials in scope, admin). Asking it *as the caller* makes every certificate read and
every statement go through that rule, rather than a copy of it here. The certified records themselves are an
internal read (service role) made only after that check passed.
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from cekit.problems import Unauthorized
from certificates.clients.service_token import ServiceTokens
from certificates.errors import HoursUnavailable, PersonNotFound

COMPLIANCE_PATH = "/v1/compliance/{person_id}"
CERTIFIED_PATH = "/v1/internal/hours/persons/{person_id}/certified-records"
REQUIREMENT_KEYS = ("total", "public", "professional", "public_required")


class HoursByKey(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    total: Decimal | None = None
    public: Decimal | None = None
    professional: Decimal | None = None
    public_required: Decimal | None = None


class Compliance(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    person_id: uuid.UUID
    year: int
    jurisdiction: str
    required: HoursByKey
    credited: HoursByKey
    compliant: bool


class CertifiedRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    record_id: uuid.UUID
    year: int
    category: str
    activity: str
    title: str
    start_date: date
    end_date: date
    hours: Decimal
    required: bool = False
    result: str | None = None
    submitter_type: str | None = None
    submitter_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    source: Literal["local", "recognised"] = "local"
    recognised_from: str | None = None


class _CertifiedRecords(BaseModel):
    model_config = ConfigDict(extra="ignore")

    person_id: uuid.UUID
    records: list[CertifiedRecord]


class HoursClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, tokens: ServiceTokens) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens

    async def compliance(self, person_id: uuid.UUID, year: int, *, authorization: str) -> Compliance:
        """The person's year as the caller may see it; 404 (``PersonNotFound``) when the caller may not."""
        try:
            response = await self._http.get(
                self._base_url + COMPLIANCE_PATH.format(person_id=person_id),
                params={"year": str(year)},
                headers={"Authorization": authorization},
            )
        except httpx.HTTPError as exc:
            raise HoursUnavailable(f"The hours service cannot be reached ({type(exc).__name__}).") from exc
        if response.status_code == 404:
            raise PersonNotFound(f"No person {person_id} whose hours you may see.")
        if response.status_code == 401:
            raise Unauthorized("The hours service refused your access token.", code="token_invalid")
        if response.status_code != 200:
            raise HoursUnavailable(f"The hours service answered a compliance read with {response.status_code}.")
        try:
            compliance = Compliance.model_validate_json(response.content)
        except ValidationError as exc:
            raise HoursUnavailable("The hours service's compliance answer could not be read.") from exc
        if compliance.person_id != person_id or compliance.year != year:
            raise HoursUnavailable("The hours service answered a compliance read about another person or year.")
        return compliance

    async def certified_records(self, person_id: uuid.UUID, year: int | None = None) -> list[CertifiedRecord]:
        """Every certified record of the person (of ``year`` when given), oldest first; none if hours knows none."""
        response = await self._tokens.get(
            self._http,
            self._base_url + CERTIFIED_PATH.format(person_id=person_id),
            params={"year": str(year)} if year is not None else None,
            unavailable=HoursUnavailable,
            peer="hours",
        )
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise HoursUnavailable(f"The hours service answered a certified-records read with {response.status_code}.")
        try:
            answer = _CertifiedRecords.model_validate_json(response.content)
        except ValidationError as exc:
            raise HoursUnavailable("The hours service's certified records could not be read.") from exc
        if answer.person_id != person_id:
            raise HoursUnavailable("The hours service answered a certified-records read about another person.")
        if year is not None and any(record.year != year for record in answer.records):
            raise HoursUnavailable("The hours service answered certified records of another year.")
        return sorted(answer.records, key=lambda r: (r.year, r.start_date, r.end_date, str(r.record_id)))
