"""Region containment (who is within an authority's region) and the chain packs resolve along; Xiong'an
(133100) administers three counties that keep their Baoding codes (000 art. 3)."""

import pytest

from hours import regions


@pytest.mark.parametrize(
    ("code", "scope", "inside"),
    [
        ("130102", "130000", True),
        ("130102", "130100", True),
        ("130102", "130102", True),
        ("130102", "130200", False),
        ("130202", "130100", False),
        ("510104", "130000", False),
        ("130629", "133100", True),  # 容城: Xiong'an's
        ("130632", "133100", True),  # 安新
        ("130638", "133100", True),  # 雄县
        ("130629", "130600", False),  # no longer Baoding's
        ("130602", "130600", True),  # Baoding's own districts stay Baoding's
        ("133100", "130000", True),
        ("130629", "130000", True),
        ("110101", "110000", True),  # a Beijing district, directly in the municipality
        ("410221", "410200", True),
        ("410221", regions.NATIONAL, True),
    ],
)
def test_containment(code: str, scope: str, inside: bool) -> None:
    assert regions.within(code, scope) is inside


def test_ancestors_are_most_specific_first() -> None:
    assert regions.ancestors("410221") == ["410221", "410200", "410000"]
    assert regions.ancestors("130629") == ["130629", "133100", "130000"]
    assert regions.ancestors("130000") == ["130000"]
    assert regions.ancestors("110101") == ["110101", "110000"]
