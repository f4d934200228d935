"""A record's content hash decides whether a repeated ``external_id`` is a ``duplicate`` (identical) or a
``conflict`` (different content). Records already stored carry hashes made from ``model_dump``'s JSON, so the
hash built field by field must give the very same bytes, for every field and every value a record can hold —
and a field added to the record schema must not be left out of it."""

import hashlib
import uuid
from datetime import date
from decimal import Decimal

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from hours.records.schemas import DeclaredRecord, PushedRecord, RecordFields
from hours.records.service import content_hash


def hash_as_first_stored(record: RecordFields, person_id: uuid.UUID) -> str:
    """The original definition, kept here as the reference."""
    content = record.model_dump(mode="json", exclude={"id_number", "name", "external_id"})
    content["person_id"] = str(person_id)
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


tenths = st.integers(min_value=1, max_value=99_999).map(lambda n: Decimal(n) / 10)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Z")), min_size=1, max_size=40)
records = st.fixed_dictionaries(
    {
        "external_id": text,
        "id_number": st.just("11010119900307451X"),
        "name": text,
        "category": st.sampled_from(["public", "professional"]),
        "activity": st.sampled_from(["exam", "training", "online", "self_study", "credits", "university_study"]),
        "title": text,
        "start_date": st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
        "end_date": st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
        "result": optional(text),
        "course_code": optional(text),
        "required": st.booleans(),
        "days": optional(st.integers(min_value=1, max_value=3660)),
        "hours": optional(tenths),
        "minutes": optional(st.integers(min_value=1, max_value=10_000_000)),
        "months": optional(st.integers(min_value=1, max_value=120)),
        "courses_passed": optional(st.integers(min_value=1, max_value=100)),
        "characters": optional(st.integers(min_value=1, max_value=100_000_000)),
        "credits": optional(tenths),
    }
)


@settings(max_examples=300, deadline=None)
@given(fields=records, person_id=st.uuids())
def test_the_hash_is_the_one_records_were_stored_with(fields: dict[str, object], person_id: uuid.UUID) -> None:
    for schema in (PushedRecord, DeclaredRecord):
        record = schema.model_validate(fields)
        assert content_hash(record, person_id) == hash_as_first_stored(record, person_id)


def test_content_differs_in_any_field_or_person() -> None:
    base = PushedRecord.model_validate(
        {
            "external_id": "A-1",
            "id_number": "11010119900307451X",
            "name": "张三",
            "category": "professional",
            "activity": "training",
            "title": "Bridge inspection",
            "start_date": "2025-03-01",
            "end_date": "2025-03-03",
            "days": 3,
        }
    )
    person = uuid.uuid4()
    same = base.model_copy(update={"external_id": "B-2", "name": "张 三"})
    assert content_hash(same, person) == content_hash(base, person)
    assert content_hash(base.model_copy(update={"days": 2}), person) != content_hash(base, person)
    assert content_hash(base.model_copy(update={"hours": Decimal("8.0")}), person) != content_hash(base, person)
    assert content_hash(base, uuid.uuid4()) != content_hash(base, person)
