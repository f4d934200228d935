"""Domain errors of the hours service, each with its HTTP status and a stable ``code``; and the stable codes of
per-item refusals in a batch (``ItemCode``), which are answers inside a 200, not HTTP errors."""

from enum import StrEnum
from typing import Any

from cekit.problems import Conflict, DomainError, Forbidden, NotFound, ServiceUnavailable, Unprocessable


class RecordNotFound(NotFound):
    code = "record_not_found"


class PersonNotFound(NotFound):
    code = "person_not_found"


class SpotCheckNotFound(NotFound):
    code = "spot_check_not_found"


class NotReviewer(Forbidden):
    """The caller may see the record but is not the one who reviews it (000 art. 14)."""

    code = "not_reviewer"


class NotPermitted(Forbidden):
    code = "not_permitted"


class OutsideScope(Forbidden):
    code = "outside_scope"


class IllegalTransition(Conflict):
    """The review step does not follow from the record's status; ``allowed_next`` lists what does."""

    code = "illegal_transition"

    def __init__(self, detail: str, *, allowed_next: list[dict[str, Any]]) -> None:
        super().__init__(detail, allowed_next=allowed_next)


class RecordConflict(Conflict):
    code = "conflict"


class AlreadyChecked(Conflict):
    code = "already_checked"


class CommentRequired(Unprocessable):
    code = "comment_required"


class RecordRefused(Unprocessable):
    """A declared record that cannot be taken (the same reasons as a batch item's ``error``)."""

    code = "record_refused"


class RegistryUnavailable(ServiceUnavailable):
    """The registry did not answer usably; nothing was written. Retry later."""

    code = "registry_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class CourseNotFound(NotFound):
    code = "course_not_found"


class CourseExists(Conflict):
    """The year's catalogue already holds the code with other content (a published course is not overwritten)."""

    code = "course_exists"


class CourseCited(Conflict):
    """Records cite the course: it can no longer be withdrawn."""

    code = "course_cited"


class YearNotOpen(Unprocessable):
    """A year that has not begun cannot be assessed or evaluated yet."""

    code = "year_not_open"


class InvalidWindow(Unprocessable):
    """A window of years that is reversed or longer than the service evaluates at once."""

    code = "invalid_window"


class BadCursor(DomainError):
    status, code, title = 400, "invalid_cursor", "Invalid cursor"


class ItemCode(StrEnum):
    """Why a batch item (or a declaration) was refused."""

    INVALID_RECORD = "invalid_record"  # schema: a field missing, of the wrong type or out of range
    DUPLICATE_IN_BATCH = "duplicate_in_batch"  # the same external_id twice in one batch
    CONFLICT = "conflict"  # the external_id was used before with different content
    INVALID_DATES = "invalid_dates"  # start after end
    FUTURE_DATE = "future_date"
    MEASURE_MISSING = "measure_missing"  # the activity's measure is absent (or the rule needs one more)
    MEASURE_UNEXPECTED = "measure_unexpected"  # a measure the activity does not take
    MEASURE_INCONSISTENT = "measure_inconsistent"  # e.g. more days than the date range has
    REQUIRED_NOT_PUBLIC = "required_not_public"
    UNKNOWN_PERSON = "unknown_person"
    NAME_MISMATCH = "name_mismatch"
    INVALID_ID_NUMBER = "invalid_id_number"
    NOT_YOUR_STAFF = "not_your_staff"
    NOT_SELF = "not_self"
    NOT_DECLARABLE = "not_declarable"
    NO_RULE = "no_rule"
    NOT_PASSED = "not_passed"
    NO_CREDIT_CONVERSION = "no_credit_conversion"
    UNKNOWN_COURSE = "unknown_course"  # course_code not in the catalogue of the record's year
    COURSE_NOT_APPLICABLE = "course_not_applicable"  # published for another region or industry than the person's
    COURSE_CATEGORY_MISMATCH = "course_category_mismatch"  # the record's category is not the course's
    COURSE_REQUIRED_MISMATCH = "course_required_mismatch"  # the record says required (必修); the course is not
