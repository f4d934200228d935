"""Who may do what in the registry: every rule in one place, as pure functions of the caller and the object.

The caller is the ``Principal`` the registry itself vouched for in the access token: its role and the
organisation, region, industry and person its account is bound to (derived from that organisation or person
when the account was made, never from the caller's input).

=====================  ===============================================================================
role                   may
=====================  ===============================================================================
admin                  everything
hr_official            people, employers, institutions and authorities whose region lies within the region of
                       its authority (``regions.within``; Xiong'an 133100 administers its three counties,
                       000 art. 3); create and change authorities *below* its own level within that region
industry_official      read people and employers of its industry within its region, and its own authority
employer_admin         read and manage its own staff (people whose current employer is its organisation),
                       register new staff to its own employer, read its own employer
person                 read themself (``GET /v1/persons/me``, ``GET /v1/persons/{own id}``)
institution            only the pre-check of a trainee (``POST /v1/persons/checks``) and its own record
service                only the batch lookup (``POST /v1/internal/registry/person-lookups``), one person's facts
                       (``GET /v1/internal/registry/persons/{id}/facts``) and one person's
                       name and ID number for their certificate (``GET /v1/internal/registry/persons/{id}/identity``)
expert, partner        nothing here
=====================  ===============================================================================

How a refusal looks (the same everywhere):

* a role that has no business with a route at all: **403** ``role_required`` (the route's declared roles);
* an object named in the path that exists but lies outside the caller's scope: **404**, exactly as if it did
  not exist, so nobody can probe what exists outside their scope;
* an object the caller may see but not change in this way: **403** ``not_permitted``;
* a request whose *input* (a region code, an employer id) is outside the caller's scope: **403**
  ``outside_scope`` — decided from the input and the caller's own claims alone, before any lookup, so it
  reveals nothing about what exists.

Lists apply the same scope as a filter: someone else's objects are simply absent.
"""

import uuid
from dataclasses import dataclass
from typing import Protocol

from cekit.tokens import Principal
from registry import regions
from registry.roles import ClientRole, Role
from registry.vocabulary import AUTHORITY_LEVEL_RANK, AuthorityLevel, OrganisationType

ADMIN = Role.ADMIN.value
HR = Role.HR_OFFICIAL.value
INDUSTRY = Role.INDUSTRY_OFFICIAL.value
EMPLOYER = Role.EMPLOYER_ADMIN.value
PERSON = Role.PERSON.value
INSTITUTION = Role.INSTITUTION.value  # an institution's staff account or its machine client: the same rights
SERVICE = ClientRole.SERVICE.value

# ---- the roles each route admits (declared on the route; the scope rules below then narrow further) ------
PERSON_REGISTRARS = (ADMIN, HR, EMPLOYER)
PERSON_READERS = (ADMIN, HR, INDUSTRY, EMPLOYER, PERSON)
PERSON_LISTERS = (ADMIN, HR, INDUSTRY, EMPLOYER)
PERSON_EDITORS = (ADMIN, HR, EMPLOYER)
SELF = (PERSON,)
PERSON_CHECKERS = (INSTITUTION,)
PERSON_LOOKUP_SERVICES = (SERVICE,)
PERSON_IDENTITY_SERVICES = (SERVICE,)
ORGANISATION_MANAGERS = (ADMIN, HR)
EMPLOYER_READERS = (ADMIN, HR, INDUSTRY, EMPLOYER)
INSTITUTION_READERS = (ADMIN, HR, INSTITUTION)
AUTHORITY_READERS = (ADMIN, HR, INDUSTRY)


class PersonFacts(Protocol):
    """What the rules need to know about a person."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def region_code(self) -> str: ...
    @property
    def industry(self) -> str: ...
    @property
    def employer_id(self) -> uuid.UUID | None: ...


class OrganisationFacts(Protocol):
    """What the rules need to know about an organisation."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def type(self) -> OrganisationType: ...
    @property
    def region_code(self) -> str: ...
    @property
    def industry(self) -> str | None: ...
    @property
    def level(self) -> AuthorityLevel | None: ...


@dataclass(frozen=True)
class Scope:
    """The part of a collection a caller sees: every condition that is set must hold. ``Scope()`` is all.

    The same value decides a single object (``admits_*``) and filters a list (``registry.scopes``), so a
    list never shows what a direct read would refuse, and the other way round.
    """

    region: str | None = None  # the object's region lies within this region
    industry: str | None = None  # the object's industry is this one
    employer_id: str | None = None  # a person's current employer is this one
    object_id: str | None = None  # only this one object (the caller themself, its own organisation)
    empty: bool = False  # nothing at all

    def admits_person(self, person: PersonFacts) -> bool:
        employer = str(person.employer_id) if person.employer_id is not None else None
        return self._admits(str(person.id), person.region_code, person.industry) and (
            self.employer_id is None or self.employer_id == employer
        )

    def admits_organisation(self, organisation: OrganisationFacts) -> bool:
        # Organisations have no employer: a scope by employer admits none of them.
        return self.employer_id is None and self._admits(
            str(organisation.id), organisation.region_code, organisation.industry
        )

    def _admits(self, object_id: str, region_code: str, industry: str | None) -> bool:
        if self.empty:
            return False
        if self.region is not None and not regions.within(region_code, self.region):
            return False
        if self.industry is not None and industry != self.industry:
            return False
        return self.object_id is None or self.object_id == object_id


EVERYTHING = Scope()
NOTHING = Scope(empty=True)


# ---- people ----------------------------------------------------------------------------------------------
def person_scope(principal: Principal) -> Scope:
    """Whom the caller may read (and list)."""
    if principal.has_role(ADMIN):
        return EVERYTHING
    if principal.has_role(HR) and principal.region_code:
        return Scope(region=principal.region_code)
    if principal.has_role(INDUSTRY) and principal.region_code and principal.industry:
        return Scope(region=principal.region_code, industry=principal.industry)
    if principal.has_role(EMPLOYER) and principal.org_id:
        return Scope(employer_id=principal.org_id)
    if principal.has_role(PERSON) and principal.person_id:
        return Scope(object_id=principal.person_id)
    return NOTHING


def person_change_scope(principal: Principal) -> Scope:
    """Whose employment and title history the caller may add to (HR manages, industry only reads)."""
    if principal.has_role(ADMIN, HR, EMPLOYER):
        return person_scope(principal)
    return NOTHING


def id_number_scope(principal: Principal) -> Scope:
    """Whose national ID number the caller may see in plaintext: the person themself and the officials with
    rights over them (admin; HR of a region containing the person's; the industry authority of the person's
    industry within its region; the person's current employer). Everyone else sees the masked form."""
    return person_scope(principal)


def may_register_person(principal: Principal, region_code: str, employer_id: uuid.UUID | None) -> bool:
    """HR registers people of its region; an employer registers its own new staff (any region of residence)."""
    if principal.has_role(ADMIN):
        return True
    if principal.has_role(HR):
        return principal.region_code is not None and regions.within(region_code, principal.region_code)
    if principal.has_role(EMPLOYER):
        return principal.org_id is not None and employer_id is not None and str(employer_id) == principal.org_id
    return False


# ---- organisations ---------------------------------------------------------------------------------------
def organisation_scope(principal: Principal, register: OrganisationType) -> Scope:
    """Which employers, institutions or authorities the caller may read (and list)."""
    if principal.has_role(ADMIN):
        return EVERYTHING
    if principal.has_role(HR) and principal.region_code:
        return Scope(region=principal.region_code)
    if principal.has_role(INDUSTRY) and principal.region_code and principal.industry:
        if register is OrganisationType.EMPLOYER:
            return Scope(region=principal.region_code, industry=principal.industry)
        if register is OrganisationType.AUTHORITY and principal.org_id:
            return Scope(object_id=principal.org_id)
    if principal.has_role(EMPLOYER) and register is OrganisationType.EMPLOYER and principal.org_id:
        return Scope(object_id=principal.org_id)
    if principal.has_role(INSTITUTION) and register is OrganisationType.INSTITUTION and principal.org_id:
        return Scope(object_id=principal.org_id)
    return NOTHING


def own_authority_level(principal: Principal) -> AuthorityLevel | None:
    """An HR official's level is its region's level (the authority's level always matches its region)."""
    region = regions.get(principal.region_code) if principal.region_code else None
    return AuthorityLevel(region.level) if region is not None else None


def may_create_organisation(
    principal: Principal, register: OrganisationType, region_code: str, level: AuthorityLevel | None = None
) -> bool:
    """HR registers employers and institutions of its region, and authorities below its own level there
    (分级负责, 000 art. 3); everything else is the admin's."""
    if principal.has_role(ADMIN):
        return True
    if not principal.has_role(HR) or principal.region_code is None:
        return False
    if not regions.within(region_code, principal.region_code):
        return False
    if register is OrganisationType.AUTHORITY:
        own = own_authority_level(principal)
        return own is not None and level is not None and AUTHORITY_LEVEL_RANK[level] > AUTHORITY_LEVEL_RANK[own]
    return True


def may_manage_organisation(principal: Principal, organisation: OrganisationFacts) -> bool:
    """Who may change an organisation's name, contact, kind or industry: whoever could have registered it."""
    return may_create_organisation(principal, organisation.type, organisation.region_code, organisation.level)
