"""How a policy ``Scope`` becomes a query condition (the same rule that ``Scope.admits_*`` applies in memory)."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, false, true

from registry import regions
from registry.policy import Scope


def scope_condition(
    scope: Scope,
    *,
    id_column: Any,
    region_column: Any,
    industry_column: Any,
    employer_column: Any | None = None,
) -> ColumnElement[bool]:
    if scope.empty:
        return false()
    conditions: list[ColumnElement[bool]] = []
    if scope.region is not None:
        # Stored codes are always known codes, so the known codes within the region are exactly the matches.
        conditions.append(region_column.in_(sorted(regions.codes_within(scope.region))))
    if scope.industry is not None:
        conditions.append(industry_column == scope.industry)
    if scope.employer_id is not None:
        if employer_column is None:
            return false()
        conditions.append(employer_column == _uuid(scope.employer_id))
    if scope.object_id is not None:
        conditions.append(id_column == _uuid(scope.object_id))
    return and_(true(), *conditions)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None  # compares equal to nothing
