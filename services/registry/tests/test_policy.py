"""The rules of registry.policy as pure functions: who sees and manages which people and organisations."""

import uuid
from dataclasses import dataclass

import pytest

from cekit.tokens import Principal
from registry import policy
from registry.vocabulary import AuthorityLevel, OrganisationType

EMPLOYER = uuid.uuid4()


def _caller(role: str, **claims: str) -> Principal:
    return Principal(subject="s", client_id="c", roles=(role,), scopes=(), token_id="t", expires_at=0, **claims)


@dataclass(frozen=True)
class _Person:
    id: uuid.UUID
    region_code: str
    industry: str
    employer_id: uuid.UUID | None


PERSON = _Person(uuid.uuid4(), "130629", "health", EMPLOYER)  # 容城县: a Baoding code, administered by Xiong'an


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        (_caller("admin"), True),
        (_caller("hr_official", region_code="133100"), True),  # Xiong'an administers 容城 (000 art. 3)
        (_caller("hr_official", region_code="130600"), False),  # Baoding no longer does
        (_caller("hr_official", region_code="130000"), True),  # the province contains both
        (_caller("hr_official"), False),  # an official without a region sees nobody
        (_caller("industry_official", region_code="133100", industry="health"), True),
        (_caller("industry_official", region_code="133100", industry="education"), False),
        (_caller("employer_admin", org_id=str(EMPLOYER)), True),
        (_caller("employer_admin", org_id=str(uuid.uuid4())), False),
        (_caller("person", person_id=str(PERSON.id)), True),
        (_caller("person", person_id=str(uuid.uuid4())), False),
        (_caller("institution", org_id=str(EMPLOYER)), False),
        (_caller("service"), False),
        (_caller("expert"), False),
    ],
)
def test_who_sees_a_person_and_their_id_number(caller: Principal, sees: bool) -> None:
    assert policy.person_scope(caller).admits_person(PERSON) is sees
    assert policy.id_number_scope(caller).admits_person(PERSON) is sees


@pytest.mark.parametrize(
    ("caller", "changes"),
    [
        (_caller("hr_official", region_code="133100"), True),
        (_caller("employer_admin", org_id=str(EMPLOYER)), True),
        (_caller("industry_official", region_code="133100", industry="health"), False),  # reads only
        (_caller("person", person_id=str(PERSON.id)), False),  # reads themself only
    ],
)
def test_who_adds_to_a_persons_history(caller: Principal, changes: bool) -> None:
    assert policy.person_change_scope(caller).admits_person(PERSON) is changes


@pytest.mark.parametrize(
    ("caller", "region", "employer", "allowed"),
    [
        (_caller("hr_official", region_code="130100"), "130102", None, True),
        (_caller("hr_official", region_code="130100"), "130202", EMPLOYER, False),
        (_caller("employer_admin", org_id=str(EMPLOYER)), "110105", EMPLOYER, True),  # staff may live anywhere
        (_caller("employer_admin", org_id=str(EMPLOYER)), "130102", uuid.uuid4(), False),
        (_caller("employer_admin", org_id=str(EMPLOYER)), "130102", None, False),
        (_caller("industry_official", region_code="130100", industry="health"), "130102", None, False),
    ],
)
def test_who_registers_a_person(caller: Principal, region: str, employer: uuid.UUID | None, allowed: bool) -> None:
    assert policy.may_register_person(caller, region, employer) is allowed


@pytest.mark.parametrize(
    ("own_region", "level", "region", "allowed"),
    [
        ("130000", AuthorityLevel.CITY, "133100", True),  # the province registers Xiong'an's authorities
        ("133100", AuthorityLevel.COUNTY, "130638", True),  # Xiong'an (city level) its counties'
        ("133100", AuthorityLevel.CITY, "133100", False),  # not its own level
        ("130100", AuthorityLevel.COUNTY, "130202", False),  # not another city's
        ("130102", AuthorityLevel.COUNTY, "130102", False),  # a county has nothing below it
    ],
)
def test_hr_registers_authorities_below_its_own_level(
    own_region: str, level: AuthorityLevel, region: str, allowed: bool
) -> None:
    caller = _caller("hr_official", region_code=own_region)
    assert policy.may_create_organisation(caller, OrganisationType.AUTHORITY, region, level) is allowed


@pytest.mark.parametrize(
    ("register", "caller", "region", "industry", "own", "sees"),
    [
        (OrganisationType.EMPLOYER, _caller("industry_official", region_code="130100", industry="health"),
         "130102", "health", False, True),
        (OrganisationType.EMPLOYER, _caller("industry_official", region_code="130100", industry="health"),
         "130102", "mining", False, False),
        (OrganisationType.INSTITUTION, _caller("industry_official", region_code="130100", industry="health"),
         "130102", None, False, False),
        (OrganisationType.AUTHORITY, _caller("industry_official", region_code="130100", industry="health"),
         "130100", "health", True, True),
        (OrganisationType.EMPLOYER, _caller("employer_admin"), "130100", "health", True, True),
        (OrganisationType.INSTITUTION, _caller("institution"), "130100", None, True, True),
        (OrganisationType.INSTITUTION, _caller("institution"), "130100", None, False, False),
        (OrganisationType.EMPLOYER, _caller("person"), "130100", "health", True, False),
    ],
)  # fmt: skip
def test_who_sees_an_organisation(
    register: OrganisationType, caller: Principal, region: str, industry: str | None, own: bool, sees: bool
) -> None:
    org_id = uuid.uuid4()
    if own:  # the caller's own organisation
        caller = _caller(caller.roles[0], org_id=str(org_id), region_code=caller.region_code or "",
                         industry=caller.industry or "")  # fmt: skip

    @dataclass(frozen=True)
    class _Organisation:
        id: uuid.UUID
        type: OrganisationType
        region_code: str
        industry: str | None
        level: AuthorityLevel | None = None

    organisation = _Organisation(org_id, register, region, industry)
    assert policy.organisation_scope(caller, register).admits_organisation(organisation) is sees
