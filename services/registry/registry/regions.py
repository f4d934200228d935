"""GB/T 2260 administrative divisions: which codes exist and where each belongs.

The table (``data/regions.csv``) covers every province-level division and every city (prefecture) of Beijing,
Tianjin, Hebei (with Xiong'an New Area, 133100, a city-level authority of Hebei: seeds 000 art. 3), Sichuan
and Henan, with the districts of Beijing and Tianjin and the counties the rules name (Kaifeng: seeds 004).

Xiong'an's three counties (容城, 安新, 雄县) keep their Baoding codes in GB/T 2260 but are administered by
Xiong'an; ``ADMINISTERED_BY`` records that, so a Xiong'an HR authority's scope includes them.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "regions.csv"
XIONGAN = "133100"
ADMINISTERED_BY = {"130629": XIONGAN, "130632": XIONGAN, "130638": XIONGAN}
# Municipalities have no prefecture level: their districts belong directly to the province-level city.
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # "province" | "city" | "county"


@cache
def _table() -> dict[str, Region]:
    with _DATA.open(encoding="utf-8") as handle:
        return {row["code"]: Region(row["code"], row["name"], row["level"]) for row in csv.DictReader(handle)}


def get(code: str) -> Region | None:
    return _table().get(code)


def is_known(code: str) -> bool:
    return code in _table()


def province_of(code: str) -> str:
    return code[:2] + "0000"


def city_of(code: str) -> str | None:
    """The city-level division a county belongs to (itself for a city; None for a province or municipality)."""
    if code in ADMINISTERED_BY:
        return ADMINISTERED_BY[code]
    region = get(code)
    if region is not None and region.level == "city":
        return code
    if code.endswith("0000") or province_of(code) in MUNICIPALITIES:
        return None
    return code[:4] + "00"


def ancestors(code: str) -> list[str]:
    """Most specific first: the code itself, its city, its province (the order policy packs resolve in)."""
    chain = [code]
    city = city_of(code)
    if city and city not in chain:
        chain.append(city)
    province = province_of(code)
    if province not in chain:
        chain.append(province)
    return chain


def within(code: str, scope: str) -> bool:
    """Whether ``code`` lies inside the division ``scope`` (an authority's region)."""
    return scope in ancestors(code)


@cache
def codes_within(scope: str) -> frozenset[str]:
    """Every known code inside ``scope`` (itself included): how a region scope becomes a query condition.

    Registered people and organisations only ever carry known codes, so this set is exact for them.
    """
    return frozenset(code for code in _table() if within(code, scope))
