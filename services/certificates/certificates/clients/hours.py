"""The hours ledger, as the certificates service uses it.

Contract (the hours service's, read from its API, never from its code)::

    GET {hours}/v1/compliance/{person_id}?year=YYYY          (the *caller's* bearer token, forwarded)
        → {person_id, year, jurisdiction, required: {total, public, professional, public_required},
           credited: {…}, compliant, …}                                            or 404 outside the caller's scope
    GET {hours}/v1/internal/hours/persons/{person_id}/certified-records?year=YYYY   (our service token)
        → {person_id, records: [{record_id, year, category, activity, title, start_date, end_date, hours, required,
           result, submitter_type, submitter_id, institution_id, source, recognised_from}]}   or 404 (no hours)
    POST {hours}/v1/internal/hours/recognised-credits                                  (our service token)
        {id_number, name, issuer, partner_region_code, credential_id, entries: [{entry_id, category, activity, title,
         start_date, end_date, hours, required, result?, institution?}]}
        → {person_id, results: [{entry_id, status: created | duplicate, record_id, credited_hours}]}
          422 (unknown_person, name_mismatch, …), 409 (an entry recognised for another person); idempotent per
          (issuer, entry_id)
    POST {hours}/v1/internal/hours/recognised-credits:withdraw                          (our service token)
        {issuer, credential_id, reason} → {withdrawn: [record ids], hours}; a second run withdraws nothing

Why the caller's token for compliance: the hours service is the one authority on whose hours someone may see
(the person, their employer, officials in scope, admin). Asking it *as the caller* makes every certificate read and
every statement go through that rule, rather than a copy of it here. The certified records themselves are an
internal read (service role) made only after that check passed.
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from cekit.problems import Conflict, Unauthorized, Unprocessable
from cekit.service_tokens import ServiceTokens
from certificates.errors import HoursUnavailable, PersonNotFound

COMPLIANCE_PATH = "/v1/compliance/{person_id}"
CERTIFIED_PATH = "/v1/internal/hours/persons/{person_id}/certified-records"
RECOGNISE_PATH = "/v1/internal/hours/recognised-credits"
WITHDRAW_PATH = "/v1/internal/hours/recognised-credits:withdraw"
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


class RecognisedResult(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    entry_id: str
    status: Literal["created", "duplicate"]
    record_id: uuid.UUID
    credited_hours: Decimal


class Recognised(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    person_id: uuid.UUID
    results: list[RecognisedResult]


class Withdrawn(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    withdrawn: list[uuid.UUID]
    hours: Decimal


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

    async def recognise(self, body: dict[str, Any]) -> Recognised:
        """Credits a verified partner statement's entries (hours makes it idempotent per partner entry). Its
        refusals keep their codes: 422 (the person is not registered here under that name, …), 409 (an entry
        already recognised for someone else)."""
        response = await self._tokens.send(
            self._http, "POST", self._base_url + RECOGNISE_PATH, json=body, unavailable=HoursUnavailable, peer="hours"
        )
        if response.status_code in (409, 422):
            code, detail = _problem(response)
            if response.status_code == 409:
                raise Conflict(f"The hours ledger refused the recognition: {detail}", code="entry_recognised_elsewhere")
            raise Unprocessable(f"The hours ledger refused the recognition: {detail}", code=code)
        if response.status_code != 200:
            raise HoursUnavailable(f"The hours service answered a recognition with {response.status_code}.")
        try:
            answer = Recognised.model_validate_json(response.content)
        except ValidationError as exc:
            raise HoursUnavailable("The hours service's recognition answer could not be read.") from exc
        if sorted(r.entry_id for r in answer.results) != sorted(e["entry_id"] for e in body["entries"]):
            raise HoursUnavailable("The hours service answered a recognition about other entries.")
        return answer

    async def withdraw(self, issuer: str, credential_id: str, reason: str) -> Withdrawn:
        """Reverses the hours recognised from a credential its issuer revoked; nothing the second time."""
        response = await self._tokens.send(
            self._http,
            "POST",
            self._base_url + WITHDRAW_PATH,
            json={"issuer": issuer, "credential_id": credential_id, "reason": reason},
            unavailable=HoursUnavailable,
            peer="hours",
        )
        if response.status_code != 200:
            raise HoursUnavailable(f"The hours service answered a withdrawal with {response.status_code}.")
        try:
            return Withdrawn.model_validate_json(response.content)
        except ValidationError as exc:
            raise HoursUnavailable("The hours service's withdrawal answer could not be read.") from exc


def _problem(response: httpx.Response) -> tuple[str, str]:
    """The problem's code and detail (RFC 9457), with fallbacks for an answer that is not one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return "hours_refused", f"status {response.status_code}"
    code = body.get("code")
    detail = body.get("detail")
    return (
        code if isinstance(code, str) and code else "hours_refused",
        detail if isinstance(detail, str) and detail else f"status {response.status_code}",
    )
