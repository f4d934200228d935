"""GB/T 2260 region codes as the hours service needs them: containment for authorisation and the chain of
jurisdictions a person's policy pack is resolved along (most specific first).

Codes carry their hierarchy in their digits (province ``13xxxx``, city ``1301xx``, county ``130102``), with one
exception the rules name: Xiong'an New Area (133100) is a city-level authority of Hebei that administers three
counties which keep their Baoding codes (容城 130629, 雄县 130638, 安新 130632; 000 art. 3, art. 16). Those
belong to Xiong'an, not to Baoding (130600), for every purpose here.
"""

from sqlalchemy import ColumnElement, and_, not_, or_

XIONGAN = "133100"
ADMINISTERED_BY = {"130629": XIONGAN, "130632": XIONGAN, "130638": XIONGAN}
# Municipalities have no prefecture level: their districts belong directly to the province-level city.
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
# Not a GB/T 2260 code: the whole country, for rules and requirements set nationally.
NATIONAL = "000000"


def is_code(value: str) -> bool:
    return len(value) == 6 and value.isdigit()


def level(code: str) -> str:
    """``national`` | ``province`` | ``city`` | ``county``."""
    if code == NATIONAL:
        return "national"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def province_of(code: str) -> str:
    return code[:2] + "0000"


def city_of(code: str) -> str | None:
    """The city-level division a code belongs to (itself for a city; None for a province or a municipality's
    district)."""
    if code in ADMINISTERED_BY:
        return ADMINISTERED_BY[code]
    if code.endswith("0000") or province_of(code) in MUNICIPALITIES:
        return None
    return code[:4] + "00"


def ancestors(code: str) -> list[str]:
    """Most specific first: the code itself, its city, its province (never ``NATIONAL``)."""
    chain = [code]
    for parent in (city_of(code), province_of(code)):
        if parent is not None and parent not in chain:
            chain.append(parent)
    return chain


def within(code: str, scope: str) -> bool:
    """Whether ``code`` lies inside the division ``scope`` (an authority's region)."""
    return scope == NATIONAL or scope in ancestors(code)


def sql_within(column: ColumnElement[str], scope: str) -> ColumnElement[bool]:
    """The condition ``within(column, scope)`` as SQL (prefix matches that an index on the column can serve)."""
    kind = level(scope)
    if kind == "national":
        return column.is_not(None)
    if kind == "province":
        return column.like(scope[:2] + "%")
    if kind == "county":
        return column == scope
    if province_of(scope) in MUNICIPALITIES:
        return column == scope  # a municipality has no city level: nothing else lies within such a code
    administered_here = sorted(c for c, city in ADMINISTERED_BY.items() if city == scope)
    administered_elsewhere = sorted(c for c, city in ADMINISTERED_BY.items() if c[:4] == scope[:4] and city != scope)
    own: ColumnElement[bool] = column.like(scope[:4] + "%")
    if administered_elsewhere:
        own = and_(own, not_(column.in_(administered_elsewhere)))
    return or_(own, column.in_(administered_here)) if administered_here else own
