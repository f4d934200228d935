"""Every query of learning records and person profiles. The intake path is bulk: one statement per step for a
whole batch (``INSERT … SELECT unnest(…) … ON CONFLICT DO NOTHING RETURNING``), never a statement per row."""

import base64
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Row, and_, func, or_, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.context import request_id_var
from cekit.db import driver_connection
from cekit.ids import uuid7s
from cekit.tokens import Principal
from hours import access
from hours.errors import BadCursor
from hours.models import learning_record, person_profile
from hours.vocabulary import LIVE_STATUSES, Status


@dataclass(frozen=True)
class Existing:
    id: uuid.UUID
    content_hash: str
    credit_hours: Decimal


_EXISTING = text(
    """
    SELECT t.external_id, t.id, t.content_hash, t.credit_hours
    FROM unnest(CAST(:external_ids AS text[])) AS e(external_id)
    CROSS JOIN LATERAL (
        SELECT r.external_id, r.id, r.content_hash, r.credit_hours FROM learning_record AS r
        WHERE r.submitter_type = :submitter_type AND r.submitter_id = :submitter_id
          AND r.external_id = e.external_id
        LIMIT 1
    ) AS t
    """
)


async def existing_by_external_id(
    session: AsyncSession, submitter_type: str, submitter_id: uuid.UUID, external_ids: Sequence[str]
) -> dict[str, Existing]:
    """One probe of the unique index per id. Written as a lateral join because ``external_id IN (…)`` lets the
    planner scan every record of the submitter when its statistics are stale (a young table, a busy
    institution): 300 ms per batch instead of 2 ms. The ``LIMIT 1`` (the key is unique, so it changes no answer)
    keeps the planner from flattening the lateral subquery into that same scan as a hash join: measured 10.7 ms
    against 0.8 ms for 500 ids on an institution's 20,000 records."""
    if not external_ids:
        return {}
    rows = await session.execute(
        _EXISTING,
        {"external_ids": list(external_ids), "submitter_type": submitter_type, "submitter_id": submitter_id},
    )
    return {row.external_id: Existing(row.id, row.content_hash, row.credit_hours) for row in rows}


async def cap_usage(
    session: AsyncSession, keys: Iterable[tuple[uuid.UUID, int, str]]
) -> dict[tuple[uuid.UUID, int, str], Decimal]:
    """Live (pending or credited) hours per person, year and cap group."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    t = learning_record
    rows = await session.execute(
        select(t.c.person_id, t.c.year, t.c.cap_group, func.sum(t.c.credit_hours))
        .where(
            tuple_(t.c.person_id, t.c.year, t.c.cap_group).in_(wanted),
            t.c.status.in_([s.value for s in LIVE_STATUSES]),
        )
        .group_by(t.c.person_id, t.c.year, t.c.cap_group)
    )
    return {(row[0], row[1], row[2]): row[3] for row in rows}


# The columns a new record is copied in with, in the order of the values (``records.service._row``).
RECORD_NAMES: tuple[str, ...] = (
    "id",
    "submitter_type",
    "submitter_id",
    "external_id",
    "person_id",
    "region_code",
    "employer_id",
    "industry",
    "title_level",
    "year",
    "category",
    "activity",
    "title",
    "start_date",
    "end_date",
    "result",
    "course_code",
    "required",
    "days",
    "hours",
    "minutes",
    "months",
    "courses_passed",
    "characters",
    "credits",
    "credit_hours",
    "cap_group",
    "rule",
    "source",
    "explanation",
    "status",
    "content_hash",
)
_ID, _EXPLANATION = RECORD_NAMES.index("id"), RECORD_NAMES.index("explanation")
_RECORD_VALUES = itemgetter(*RECORD_NAMES)  # a row's values in that order, in one C call

# Records reach PostgreSQL by COPY (binary). Measured per record, against the alternatives: one JSON document for
# ``json_populate_recordset`` cost PostgreSQL 15 µs to parse; one typed array per column cost asyncpg 10 µs to
# encode (it tests every element against the collection ABCs); COPY costs 4 µs. COPY knows no ON CONFLICT, so
# where a (submitter, external_id) may have been taken meanwhile the rows are copied into a staging table of the
# connection, then one INSERT … SELECT … ON CONFLICT moves them. The staging table is the connection's own
# (TEMP), created on its first use, and empty outside a batch: the INSERT consumes it, ON COMMIT empties it
# whatever happened.
_STAGE = "learning_record_incoming"
_CREATE_STAGE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (LIKE learning_record INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_NAMES = ", ".join(RECORD_NAMES)
_INSERT_STAGED = (
    f"WITH staged AS (DELETE FROM {_STAGE} RETURNING {_NAMES}) "  # noqa: S608 - constant names; values are copied
    f"INSERT INTO learning_record ({_NAMES}) SELECT {_NAMES} FROM staged "
    "ON CONFLICT (submitter_type, submitter_id, external_id) DO NOTHING RETURNING id"
)


# A person's profile, written only when the registry's facts changed (an unchanged row is not rewritten).
_PROFILES_INSERT = """INSERT INTO person_profile AS p (person_id, region_code, province_code, employer_id, title_level,
                                         industry, updated_at)"""
_PROFILES_ON_CONFLICT = """ON CONFLICT (person_id) DO UPDATE SET
            region_code = EXCLUDED.region_code, province_code = EXCLUDED.province_code,
            employer_id = EXCLUDED.employer_id, title_level = EXCLUDED.title_level, industry = EXCLUDED.industry,
            updated_at = now()
        WHERE (p.region_code, p.province_code, p.employer_id, p.title_level, p.industry)
              IS DISTINCT FROM (EXCLUDED.region_code, EXCLUDED.province_code, EXCLUDED.employer_id,
                                EXCLUDED.title_level, EXCLUDED.industry)"""

# The intake's write. The new records go straight into ``learning_record`` by COPY, under a savepoint; their pending
# hours on the person-year totals, their audit events ("record.created", one per record) and their people's profiles
# are then made from those rows by one statement, so Python neither builds nor encodes the totals', the events' and
# the profiles' arrays (they cost the intake 12 µs a record). The totals follow ``ledger.repository.apply_deltas``:
# rows in key order, a zero delta skipped. The COPY fails when one of the batch's (submitter, external_id) is taken (a
# repeat, or another batch's in flight): the savepoint undoes it, and the intake looks for repeats and sends the rest
# the slower way (``insert_pending_records``), through the staging table and ``ON CONFLICT DO NOTHING``, where only
# the rows actually inserted count. The direct way costs PostgreSQL 7 µs a record less than the staging table. The
# events' ids are made here, time-ordered (``cekit.ids``), one per record ($6 beside the records' ids in $5):
# ``gen_random_uuid()`` cost PostgreSQL 4 µs a row (a strong random draw each), and its random ids land all over the
# primary-key index instead of at its right edge.
_PENDING_OF_INSERTED = f"""
    totals AS (
        INSERT INTO person_year_total AS t (person_id, year, category, pending, required_pending, updated_at)
        SELECT person_id, year, category, sum(credit_hours),
               coalesce(sum(credit_hours) FILTER (WHERE required), 0), now()
        FROM inserted GROUP BY person_id, year, category HAVING sum(credit_hours) <> 0
        ORDER BY person_id, year, category
        ON CONFLICT (person_id, year, category) DO UPDATE SET
            pending = t.pending + EXCLUDED.pending,
            required_pending = t.required_pending + EXCLUDED.required_pending,
            updated_at = now()
    ),
    audited AS (
        INSERT INTO audit_event (id, occurred_at, actor, actor_roles, action, object_type, object_id, reason,
                                 details, request_id)
        SELECT event_id, $1, $2, $3, 'record.created', 'learning_record', id::text, NULL,
               jsonb_build_object('status', status, 'hours', credit_hours::text, 'rule', rule,
                                  'external_id', external_id, 'submitter', submitter_type),
               $4
        FROM inserted
    ),
    profiles AS (
        -- The registry's facts the records were taken with: the latest, in person order (as upsert_profiles).
        -- The province is the region's first two digits (hours.regions.province_of). A profile that already
        -- says so is left out before the insert: ON CONFLICT would lock its row (and log the lock) to find
        -- that out, 2 µs a person.
        {_PROFILES_INSERT}
        SELECT * FROM (
            SELECT DISTINCT ON (person_id) person_id, region_code, left(region_code, 2) || '0000' AS province_code,
                   employer_id, title_level, industry, now()
            FROM inserted ORDER BY person_id
        ) AS i
        WHERE NOT EXISTS (
            SELECT FROM person_profile AS known
            WHERE known.person_id = i.person_id
              AND (known.region_code, known.province_code, known.employer_id, known.title_level, known.industry)
                  IS NOT DISTINCT FROM (i.region_code, i.province_code, i.employer_id, i.title_level, i.industry)
        )
        ORDER BY person_id
        {_PROFILES_ON_CONFLICT}
    )
"""  # noqa: S608 - constant fragments; values are bound
_INSERTED_COLUMNS = (
    "id, person_id, year, category, credit_hours, required, status, rule, external_id, submitter_type, "
    "region_code, employer_id, title_level, industry"
)
_PENDING_OF_COPIED = f"""
    WITH inserted AS (
        SELECT {_INSERTED_COLUMNS}, event_id
        FROM unnest($5::uuid[], $6::uuid[]) AS e(id, event_id) JOIN learning_record USING (id)
    ),
    {_PENDING_OF_INSERTED}
    SELECT count(*) FROM inserted
"""  # noqa: S608 - constant names; values are bound
_INSERT_STAGED_PENDING = f"""
    WITH staged AS (DELETE FROM {_STAGE} RETURNING {_NAMES}),
    inserted_rows AS (
        INSERT INTO learning_record ({_NAMES}) SELECT {_NAMES} FROM staged
        ON CONFLICT (submitter_type, submitter_id, external_id) DO NOTHING
        RETURNING {_INSERTED_COLUMNS}
    ),
    inserted AS (SELECT * FROM inserted_rows JOIN unnest($5::uuid[], $6::uuid[]) AS e(id, event_id) USING (id)),
    {_PENDING_OF_INSERTED}
    SELECT id FROM inserted
"""  # noqa: S608 - constant names; values are copied


async def copy_new_records(session: AsyncSession, records: Sequence[Sequence[Any]], actor: Principal) -> bool:
    """The intake's write (see above) for records taken to be new: copies them in, adds their hours to the
    totals as pending, audits each and refreshes their people's profiles. False, with nothing written (the
    savepoint undone), when one of their (submitter, external_id) is taken. ``records`` are as the COPY takes
    them: values in ``RECORD_NAMES`` order, the explanation as JSON text."""
    if not records:
        return True
    connection = await driver_connection(session)
    ids = [record[_ID] for record in records]
    try:
        async with connection.transaction():  # a savepoint: a failed COPY undoes only itself
            await connection.copy_records_to_table("learning_record", records=records, columns=RECORD_NAMES)
    except asyncpg.UniqueViolationError:
        return False
    await connection.fetchval(_PENDING_OF_COPIED, *_stamp(actor), ids, uuid7s(len(ids)))
    return True


async def insert_pending_records(
    session: AsyncSession, records: Sequence[Sequence[Any]], actor: Principal
) -> set[uuid.UUID]:
    """As ``copy_new_records``, through the staging table and ``ON CONFLICT DO NOTHING``: a record whose
    (submitter, external_id) another transaction took meanwhile is skipped. Returns the ids inserted."""
    if not records:
        return set()
    connection = await driver_connection(session)
    ids = [record[_ID] for record in records]
    await _stage(connection, records)
    return {row[0] for row in await connection.fetch(_INSERT_STAGED_PENDING, *_stamp(actor), ids, uuid7s(len(ids)))}


def _stamp(actor: Principal) -> tuple[datetime, str, str, str | None]:
    """The audit events' when, who, in which roles, and the request: $1 to $4 of the intake's statements."""
    return datetime.now(UTC), actor.subject, " ".join(actor.roles), request_id_var.get()


async def insert_records(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[uuid.UUID]:
    """Inserts the rows that are new; returns the ids of those inserted (a row whose (submitter, external_id)
    another transaction took meanwhile is skipped)."""
    if not rows:
        return set()
    connection = await driver_connection(session)
    await _stage(connection, _copy_rows(rows))
    return {row[0] for row in await connection.fetch(_INSERT_STAGED)}


def _copy_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """Rows by column name as COPY takes them: values in ``RECORD_NAMES`` order, the explanation as JSON text."""
    records = []
    for row in rows:
        values = list(_RECORD_VALUES(row))
        values[_EXPLANATION] = explanation_json(values[_EXPLANATION])
        records.append(values)
    return records


def explanation_json(explanation: Mapping[str, Any]) -> str:
    """A credit's explanation as the ``explanation`` column takes it (amounts as decimal strings)."""
    return orjson.dumps(explanation, default=_decimal).decode()


async def _stage(connection: asyncpg.Connection, records: Sequence[Sequence[Any]]) -> None:
    """Copies the rows into the connection's staging table (made on its first batch)."""
    await connection.execute(_CREATE_STAGE)  # its "already exists" notice is dropped: no log listener
    await connection.copy_records_to_table(_STAGE, records=records, columns=RECORD_NAMES)


def _decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_UPSERT_PROFILES = text(
    f"""
    {_PROFILES_INSERT}
    SELECT person_id, region_code, province_code, employer_id, title_level, industry, now()
    FROM unnest(CAST(:person_id AS uuid[]), CAST(:region_code AS text[]), CAST(:province_code AS text[]),
                CAST(:employer_id AS uuid[]), CAST(:title_level AS text[]), CAST(:industry AS text[]))
         AS r(person_id, region_code, province_code, employer_id, title_level, industry)
    {_PROFILES_ON_CONFLICT}
    """  # noqa: S608 - constant fragments; values are bound
)


async def upsert_profiles(session: AsyncSession, profiles: Mapping[uuid.UUID, Mapping[str, Any]]) -> None:
    """The registry's latest facts about each person (one row per person, in id order)."""
    if not profiles:
        return
    ids = sorted(profiles)
    columns = ("region_code", "province_code", "employer_id", "title_level", "industry")
    params: dict[str, list[Any]] = {"person_id": ids}
    for column in columns:
        params[column] = [profiles[i][column] for i in ids]
    await session.execute(_UPSERT_PROFILES, params)


async def get_profile(session: AsyncSession, person_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(select(person_profile).where(person_profile.c.person_id == person_id))
    return result.one_or_none()


async def get(session: AsyncSession, record_id: uuid.UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(learning_record).where(learning_record.c.id == record_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def set_status(session: AsyncSession, record_id: uuid.UUID, status: Status) -> Row[Any]:
    result = await session.execute(
        update(learning_record)
        .where(learning_record.c.id == record_id)
        .values(status=status.value, updated_at=func.now())
        .returning(*learning_record.c)
    )
    return result.one()


def encode_cursor(row: Row[Any]) -> str:
    raw = json.dumps([row.created_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), uuid.UUID(record_id)
    except (ValueError, TypeError) as exc:
        raise BadCursor("The cursor is not one this service gave out; start again without it.") from exc


async def page(
    session: AsyncSession,
    scopes: Sequence[access.Scope],
    *,
    person_id: uuid.UUID | None,
    year: int | None,
    status: Status | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row[Any]], str | None]:
    """Records the caller may read, oldest first, keyset-paginated on (created_at, id)."""
    t = learning_record
    conditions = [access.scope_condition(scopes, t)]
    if person_id is not None:
        conditions.append(t.c.person_id == person_id)
    if year is not None:
        conditions.append(t.c.year == year)
    if status is not None:
        conditions.append(t.c.status == status.value)
    if cursor is not None:
        created_at, last_id = decode_cursor(cursor)
        conditions.append(or_(t.c.created_at > created_at, and_(t.c.created_at == created_at, t.c.id > last_id)))
    rows = list(
        (await session.execute(select(t).where(*conditions).order_by(t.c.created_at, t.c.id).limit(limit + 1))).all()
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def sample_certified(
    session: AsyncSession, scope: access.Scope, *, year: int, category: str | None, size: int
) -> list[uuid.UUID]:
    """A uniformly random sample of certified records in the scope (抽查, 000 art. 16)."""
    t = learning_record
    conditions = [access.scope_condition([scope], t), t.c.status == Status.CERTIFIED.value, t.c.year == year]
    if category is not None:
        conditions.append(t.c.category == category)
    rows = await session.execute(select(t.c.id).where(*conditions).order_by(func.random()).limit(size))
    return [row[0] for row in rows]
