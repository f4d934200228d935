"""Who may see which records and people's hours: every rule in one place, as pure functions of the caller
(the token the registry signed) and the facts stored with the record at intake.

=====================  ===============================================================================
role                   sees
=====================  ===============================================================================
admin                  everything
person                 their own records and compliance (token ``person_id``)
employer_admin         its staff's: records whose person worked for its organisation at intake, and the
                       compliance of people whose latest known employer it is (token ``org_id``)
hr_official            records and people whose region lies within its authority's region (Xiong'an 133100
                       includes its three counties, ``hours.regions``)
industry_official      records and people of its industry (within its region when the token names one)
institution            the records it pushed itself; no one's compliance
service                everyone's compliance (machine clients of this deployment: certificates)
=====================  ===============================================================================

Anything outside the caller's scope answers 404, exactly as if it did not exist; lists simply leave it out.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, false, or_, true

from cekit.tokens import Principal
from hours import regions

ADMIN = "admin"
PERSON = "person"
EMPLOYER = "employer_admin"
HR = "hr_official"
INDUSTRY = "industry_official"
INSTITUTION = "institution"
SERVICE = "service"  # this deployment's machine clients (certificates reads certified hours)
OFFICIALS = (HR, INDUSTRY)


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a record (or, with ``submitter_id=None``, about a person)."""

    person_id: uuid.UUID
    region_code: str
    employer_id: uuid.UUID | None
    industry: str
    submitter_type: str | None = None
    submitter_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Scope:
    """A part of the records or people; every condition that is set must hold. ``Scope()`` is everything."""

    person_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    region: str | None = None
    industry: str | None = None
    institution_id: uuid.UUID | None = None

    def admits(self, facts: Facts) -> bool:
        if self.person_id is not None and facts.person_id != self.person_id:
            return False
        if self.employer_id is not None and facts.employer_id != self.employer_id:
            return False
        if self.region is not None and not regions.within(facts.region_code, self.region):
            return False
        if self.industry is not None and facts.industry != self.industry:
            return False
        return self.institution_id is None or (
            facts.submitter_type == "institution" and facts.submitter_id == self.institution_id
        )


def as_uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def official_scope(principal: Principal) -> Scope | None:
    """An HR or industry official's scope (their authority's region, and industry); None for anyone else."""
    if principal.has_role(HR) and principal.region_code:
        return Scope(region=principal.region_code)
    if principal.has_role(INDUSTRY) and principal.industry:
        return Scope(industry=principal.industry, region=principal.region_code or None)
    return None


def record_scopes(principal: Principal) -> list[Scope]:
    """The records the caller may read: the union of what each of its roles allows."""
    if principal.has_role(ADMIN):
        return [Scope()]
    scopes = person_scopes(principal)
    institution = as_uuid(principal.org_id)
    if principal.has_role(INSTITUTION) and institution is not None:
        scopes.append(Scope(institution_id=institution))
    return scopes


def person_scopes(principal: Principal) -> list[Scope]:
    """The people whose hours (compliance, records) the caller may read."""
    if principal.has_role(ADMIN) or principal.has_role(SERVICE):
        return [Scope()]
    scopes: list[Scope] = []
    person = as_uuid(principal.person_id)
    if principal.has_role(PERSON) and person is not None:
        scopes.append(Scope(person_id=person))
    employer = as_uuid(principal.org_id)
    if principal.has_role(EMPLOYER) and employer is not None:
        scopes.append(Scope(employer_id=employer))
    if principal.has_role(HR) and principal.region_code:
        scopes.append(Scope(region=principal.region_code))
    if principal.has_role(INDUSTRY) and principal.industry:
        scopes.append(Scope(industry=principal.industry, region=principal.region_code or None))
    return scopes


def admits(scopes: Sequence[Scope], facts: Facts) -> bool:
    return any(scope.admits(facts) for scope in scopes)


def scope_condition(scopes: Sequence[Scope], table: Table) -> ColumnElement[bool]:
    """The same rule as ``admits``, as a condition on ``learning_record`` (or any table with its columns)."""
    if not scopes:
        return false()
    return or_(*(_condition(scope, table) for scope in scopes))


def _condition(scope: Scope, table: Table) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if scope.person_id is not None:
        parts.append(table.c.person_id == scope.person_id)
    if scope.employer_id is not None:
        parts.append(table.c.employer_id == scope.employer_id)
    if scope.region is not None:
        parts.append(regions.sql_within(table.c.region_code, scope.region))
    if scope.industry is not None:
        parts.append(table.c.industry == scope.industry)
    if scope.institution_id is not None:
        parts.append(and_(table.c.submitter_type == "institution", table.c.submitter_id == scope.institution_id))
    return and_(true(), *parts)
