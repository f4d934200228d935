"""Cursor pagination of lists: ``?cursor=&limit=`` (at most 100) → ``{items, next_cursor}``.

Lists are ordered by creation time, then id; the cursor is the position of the last item returned, opaque to
clients. Keyset rather than offset pagination: a page never skips or repeats items because others were added.
"""

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import InvalidCursor

MAX_LIMIT = 100
DEFAULT_LIMIT = 50

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    cursor: str | None
    limit: int


def _page_request(
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = DEFAULT_LIMIT,
) -> PageRequest:
    return PageRequest(cursor, limit)


PageDep = Annotated[PageRequest, Depends(_page_request)]


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: uuid.UUID


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, row_id = text.split("|")
        position = Position(datetime.fromisoformat(created_at), uuid.UUID(row_id))
    except ValueError:
        raise InvalidCursor() from None
    if position.created_at.tzinfo is None:
        raise InvalidCursor()
    return position


async def fetch_page(
    session: AsyncSession, statement: Select[T], created_column: Any, id_column: Any, page: PageRequest
) -> tuple[Sequence[T], str | None]:
    """One page of ``statement``'s rows (ORM entities with ``created_at`` and ``id``) and the next cursor."""
    if page.cursor is not None:
        position = decode_cursor(page.cursor)
        statement = statement.where(tuple_(created_column, id_column) > (position.created_at, position.id))
    statement = statement.order_by(created_column, id_column).limit(page.limit + 1)
    rows = list((await session.execute(statement)).scalars())
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    last: Any = rows[-1]
    return rows, encode_cursor(last.created_at, last.id)
