"""Who may submit a partner's statement for whom, and who may read recognitions.

=====================  ============================================================================
role                   may recognise / read the recognitions of
=====================  ============================================================================
admin                  anyone
person                 themself (the registry's person for the ID number must be the token's person)
employer_admin         its staff (the person's employer in the registry is the token's organisation)
hr_official            people registered in its region (a province its cities and counties; Xiong'an
                       133100 its three counties, 000 art. 3)
industry_official      people of its industry (within its region when the token names one)
=====================  ============================================================================

Reading goes through the hours service as the caller, like every certificate read (``certificates.access``).
Submitting cannot: the person is often not known to our hours ledger yet — recognition is how someone who moved
here from a partner province gets their first hours — so the hours service would answer 404 to anyone but
themself. The same rule is applied here to the registry's facts about the person (``clients.registry.lookup``).
Out of scope answers 404, as if the person did not exist.
"""

import uuid

from cekit.tokens import Principal
from certificates.access import ADMIN, EMPLOYER, HR, INDUSTRY, PERSON
from certificates.clients.registry import PersonFound

RECOGNISERS = (ADMIN, HR, INDUSTRY, EMPLOYER, PERSON)
READERS = RECOGNISERS
REVERIFIERS = (ADMIN,)

XIONGAN = "133100"
# Counties that keep their Baoding codes but are administered by Xiong'an New Area (000 art. 3).
ADMINISTERED_BY = {"130629": XIONGAN, "130632": XIONGAN, "130638": XIONGAN}
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})


def _ancestors(code: str) -> set[str]:
    province = code[:2] + "0000"
    chain = {code, province}
    if code in ADMINISTERED_BY:
        chain.add(ADMINISTERED_BY[code])
    elif not code.endswith("0000") and province not in MUNICIPALITIES:
        chain.add(code[:4] + "00")
    return chain


def within(code: str, region: str) -> bool:
    """Whether the region ``code`` lies inside the authority's ``region``."""
    return region in _ancestors(code)


def as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def may_act_for(principal: Principal, person: PersonFound) -> bool:
    if principal.has_role(ADMIN):
        return True
    if principal.has_role(PERSON) and as_uuid(principal.person_id) == person.person_id:
        return True
    employer = as_uuid(principal.org_id)
    if principal.has_role(EMPLOYER) and employer is not None and employer == person.employer_id:
        return True
    if principal.has_role(HR) and principal.region_code and within(person.region_code, principal.region_code):
        return True
    return bool(
        principal.has_role(INDUSTRY)
        and principal.industry
        and principal.industry == person.industry
        and (not principal.region_code or within(person.region_code, principal.region_code))
    )
