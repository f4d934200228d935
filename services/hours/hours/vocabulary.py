"""The words of the hour ledger: subject categories, activities and their measures, title levels, statuses."""

from enum import StrEnum


class Category(StrEnum):
    """公需科目 (public subjects) and 专业科目 (professional subjects) — RULES.md §2."""

    PUBLIC = "public"
    PROFESSIONAL = "professional"


class Activity(StrEnum):
    """How the hours were earned (API.md's activity table; 000 art. 7, 001 §2.2)."""

    EXAM = "exam"
    ADVANCED_SEMINAR = "advanced_seminar"
    TRAINING = "training"
    UNIVERSITY_STUDY = "university_study"
    ONLINE = "online"
    IN_UNIT = "in_unit"
    DEGREE_COURSE = "degree_course"
    SELF_STUDY = "self_study"
    PUBLICATION = "publication"
    CREDITS = "credits"


# Members by value, for the intake's per-record work: a dict lookup, where calling the enum (``Activity("exam")``)
# costs half a µs.
CATEGORY_OF: dict[str, Category] = {member.value: member for member in Category}
ACTIVITY_OF: dict[str, Activity] = {member.value: member for member in Activity}


class TitleLevel(StrEnum):
    NONE = "none"
    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    ASSOCIATE_SENIOR = "associate_senior"
    SENIOR = "senior"


class Status(StrEnum):
    PENDING = "pending"
    FIRST_REVIEWED = "first_reviewed"
    CERTIFIED = "certified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Hours of these statuses are still counted (pending or credited); the others were released or withdrawn.
LIVE_STATUSES = (Status.PENDING, Status.FIRST_REVIEWED, Status.CERTIFIED)
PENDING_STATUSES = (Status.PENDING, Status.FIRST_REVIEWED)

MEASURE_FIELDS = ("days", "hours", "minutes", "months", "courses_passed", "characters", "credits")

# activity -> (fields that must be present, fields that may be present, fields of which exactly one is present)
MEASURES: dict[Activity, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    Activity.EXAM: (frozenset(), frozenset(), frozenset()),
    Activity.ADVANCED_SEMINAR: (frozenset({"hours"}), frozenset(), frozenset()),
    Activity.TRAINING: (frozenset({"days"}), frozenset({"hours"}), frozenset()),
    Activity.UNIVERSITY_STUDY: (frozenset({"months"}), frozenset(), frozenset()),
    Activity.ONLINE: (frozenset(), frozenset(), frozenset({"minutes", "hours"})),
    Activity.IN_UNIT: (frozenset({"days"}), frozenset(), frozenset()),
    Activity.DEGREE_COURSE: (frozenset({"courses_passed"}), frozenset(), frozenset()),
    Activity.SELF_STUDY: (frozenset({"characters"}), frozenset(), frozenset()),
    Activity.PUBLICATION: (frozenset({"characters"}), frozenset(), frozenset()),
    Activity.CREDITS: (frozenset({"credits"}), frozenset(), frozenset()),
}

# Results an exam or assessment record must carry to count as passed ("成绩合格", 000 art. 6, 7(1)).
PASS_RESULTS = frozenset({"passed", "pass", "qualified", "合格", "通过", "考试合格", "考核合格"})
