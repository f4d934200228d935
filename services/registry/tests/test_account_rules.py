"""The pure account rules: password policy and the attributes each role needs."""

import pytest

from registry.accounts.rules import (
    REQUIRED_ATTRIBUTES,
    missing_attribute_errors,
    organisation_fits,
    password_errors,
    unexpected_attribute_errors,
)
from registry.roles import Role
from registry.vocabulary import OrganisationType


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("twelve chars", []),
        ("eleven char", ["too_short"]),
        ("x" * 256, []),
        ("x" * 257, ["too_long"]),
        ("Zhang.Wei.2026", ["same_as_username"]),
        ("", ["too_short"]),
    ],
)
def test_password_policy(password: str, codes: list[str]) -> None:
    assert [e["code"] for e in password_errors(password, "zhang.wei.2026")] == codes


@pytest.mark.parametrize(
    ("role", "given", "missing", "unexpected"),
    [
        (Role.ADMIN, {}, [], []),
        (Role.ADMIN, {"org_id": "o"}, [], ["org_id"]),
        (Role.EXPERT, {"person_id": "p"}, [], ["person_id"]),
        (Role.PERSON, {}, ["person_id"], []),
        (Role.PERSON, {"person_id": "p"}, [], []),
        (Role.PERSON, {"person_id": "p", "org_id": "o"}, [], ["org_id"]),
        (Role.EMPLOYER_ADMIN, {"person_id": "p"}, ["org_id"], ["person_id"]),
        (Role.INSTITUTION, {"org_id": "o"}, [], []),
        (Role.HR_OFFICIAL, {"org_id": "o"}, [], []),
        (Role.INDUSTRY_OFFICIAL, {"org_id": None}, ["org_id"], []),
    ],
)
def test_what_each_role_must_be_bound_to(
    role: Role, given: dict[str, object], missing: list[str], unexpected: list[str]
) -> None:
    errors = missing_attribute_errors(role, REQUIRED_ATTRIBUTES[role], given)
    assert [e["field"] for e in errors] == missing
    assert all(e["code"] == "required_for_role" for e in errors)
    others = unexpected_attribute_errors(role, REQUIRED_ATTRIBUTES[role], given)
    assert [e["field"] for e in others] == unexpected
    assert all(e["code"] == "not_for_role" for e in others)


@pytest.mark.parametrize(
    ("role", "register", "kind", "fits"),
    [
        ("hr_official", OrganisationType.AUTHORITY, "hr", True),
        ("hr_official", OrganisationType.AUTHORITY, "industry", False),
        ("hr_official", OrganisationType.EMPLOYER, "organ", False),  # an HR bureau as an employer is not its authority
        ("industry_official", OrganisationType.AUTHORITY, "industry", True),
        ("industry_official", OrganisationType.AUTHORITY, "hr", False),
        ("employer_admin", OrganisationType.EMPLOYER, "enterprise", True),
        ("employer_admin", OrganisationType.INSTITUTION, "university", False),
        ("institution", OrganisationType.INSTITUTION, "training_org", True),
        ("institution", OrganisationType.EMPLOYER, "institution", False),  # 事业单位 employer ≠ training institution
    ],
)
def test_which_organisation_each_role_is_bound_to(role: str, register: OrganisationType, kind: str, fits: bool) -> None:
    assert organisation_fits(role, register, kind) is fits
