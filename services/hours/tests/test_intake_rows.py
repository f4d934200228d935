"""The intake hands its new records to COPY as plain lists, in ``RECORD_NAMES`` order, built by position. A value
in the wrong place would store, say, the minutes as the months, silently: every place is held to its column
here, with a record whose every field holds a value of its own."""

import uuid
from datetime import date
from decimal import Decimal

from cekit.tokens import Principal
from hours.clients.registry import PersonFound
from hours.policy.crediting import Computed
from hours.policy.resolve import PolicyBook
from hours.records.repository import RECORD_NAMES
from hours.records.schemas import PushedRecord
from hours.records.service import Submitter, _New, _row
from hours.vocabulary import MEASURE_FIELDS, Activity, Category, Status, TitleLevel


def test_every_value_of_a_new_record_lands_in_its_own_column() -> None:
    # Hebei's university study has a yearly cap (002 art. 9: at most 90 hours a year), so cap_group is set too.
    resolved = PolicyBook.default().credit_rule("130102", Category.PROFESSIONAL, Activity.UNIVERSITY_STUDY, 2025)
    assert resolved.cap is not None
    record = PushedRecord.model_construct(
        external_id="ext-1",
        id_number="11010519491231002X",
        name="张三",
        category="professional",
        activity="university_study",
        title="在职研究生课程",
        start_date=date(2025, 1, 2),
        end_date=date(2025, 3, 4),
        result="passed",
        course_code="HB-2025-07",
        required=True,
        days=11,
        hours=Decimal("12.5"),
        minutes=13,
        months=14,
        courses_passed=15,
        characters=16,
        credits=Decimal("17.5"),
    )
    person = PersonFound(
        status="found",
        person_id=uuid.uuid4(),
        region_code="130102",
        province_code="130000",
        employer_id=uuid.uuid4(),
        title_level=TitleLevel.SENIOR,
        industry="education",
    )
    institution = uuid.uuid4()
    principal = Principal(
        subject="client:x", client_id="x", roles=("institution",), scopes=(), token_id="t", expires_at=0
    )
    submitter = Submitter("institution", institution, principal)
    new = _New(0, record, person, "c0ffee", resolved, Computed(hours=Decimal(20), arithmetic="-"))
    record_id = uuid.uuid4()

    values = _row(record_id, submitter, new, Decimal("19.5"), '{"e": 1}', Status.PENDING)
    row = dict(zip(RECORD_NAMES, values, strict=True))

    assert row == {
        "id": record_id,
        "submitter_type": "institution",
        "submitter_id": institution,
        "external_id": "ext-1",
        "person_id": person.person_id,
        "region_code": "130102",
        "employer_id": person.employer_id,
        "industry": "education",
        "title_level": "senior",
        "year": 2025,
        "category": "professional",
        "activity": "university_study",
        "title": "在职研究生课程",
        "start_date": date(2025, 1, 2),
        "end_date": date(2025, 3, 4),
        "result": "passed",
        "course_code": "HB-2025-07",
        "required": True,
        **{name: getattr(record, name) for name in MEASURE_FIELDS},
        "credit_hours": Decimal("19.5"),
        "cap_group": resolved.cap.group,
        "rule": resolved.rule.id,
        "source": resolved.rule.source,
        "explanation": '{"e": 1}',
        "status": "pending",
        "content_hash": "c0ffee",
    }
