"""Keyset pagination on (created_at, id), as every list of the platform pages: an opaque cursor, newest first."""

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, or_

from cekit.problems import DomainError


class BadCursor(DomainError):
    status, code, title = 400, "invalid_cursor", "Invalid cursor"


def encode(row: Row[Any]) -> str:
    raw = json.dumps([row.created_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after(table: Table, cursor: str) -> ColumnElement[bool]:
    """The rows after the cursor, in the order (created_at DESC, id DESC)."""
    try:
        created_at, last_id = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        moment, row_id = datetime.fromisoformat(created_at), uuid.UUID(last_id)
    except (ValueError, TypeError) as exc:
        raise BadCursor("The cursor is not one this service gave out; start again without it.") from exc
    return or_(table.c.created_at < moment, and_(table.c.created_at == moment, table.c.id < row_id))
