"""Pure rules on organisations: what makes an authority well-formed. No I/O."""

from dataclasses import dataclass

from registry import regions
from registry.vocabulary import AuthorityKind, AuthorityLevel


@dataclass(frozen=True)
class AuthorityProblem:
    code: str
    field: str
    message: str


def authority_problem(
    kind: AuthorityKind, level: AuthorityLevel, region_code: str, industry: str | None
) -> AuthorityProblem | None:
    """Why an authority cannot exist as described, or None.

    An authority acts for one administrative division at that division's level (分级负责, 000 art. 3): a
    province, a city — Xiong'an New Area 133100 included, which has its own city-level HR authority — or a
    county. An industry authority (行业主管部门) is of one industry; an HR authority of none.
    """
    region = regions.get(region_code)
    if region is not None and region.level != level.value:
        return AuthorityProblem(
            "level_mismatch",
            "level",
            f"{region_code} ({region.name}) is a {region.level}-level division: its authorities are at the "
            f"{region.level} level, not {level.value}.",
        )
    if kind is AuthorityKind.INDUSTRY and industry is None:
        return AuthorityProblem("industry_required", "industry", "An industry authority needs its industry.")
    if kind is AuthorityKind.HR and industry is not None:
        return AuthorityProblem(
            "industry_not_allowed", "industry", "An HR authority acts for every industry; leave industry out."
        )
    return None
