"""The pure account rules: password policy and the attributes each role needs."""

import pytest

from registry.accounts.rules import REQUIRED_ATTRIBUTES, missing_attribute_errors, password_errors
from registry.roles import Role


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
    ("role", "given", "missing"),
    [
        (Role.ADMIN, {}, []),
        (Role.EXPERT, {}, []),
        (Role.PERSON, {}, ["person_id"]),
        (Role.PERSON, {"person_id": "p"}, []),
        (Role.EMPLOYER_ADMIN, {"person_id": "p"}, ["org_id"]),
        (Role.INSTITUTION, {"org_id": "o"}, []),
        (Role.HR_OFFICIAL, {"org_id": "o"}, ["region_code"]),
        (Role.INDUSTRY_OFFICIAL, {"org_id": "o", "region_code": "130000", "industry": None}, ["industry"]),
    ],
)
def test_what_each_role_must_be_attached_to(role: Role, given: dict[str, object], missing: list[str]) -> None:
    errors = missing_attribute_errors(role, REQUIRED_ATTRIBUTES[role], given)
    assert [e["field"] for e in errors] == missing
    assert all(e["code"] == "required_for_role" for e in errors)
