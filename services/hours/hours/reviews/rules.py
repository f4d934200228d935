"""The review chain as pure rules (000 art. 14): who reviews a record at which stage, and where each step
leads. The stage follows the caller: an employer's admin does the first review (初审) of its staff's records;
an HR official whose region contains the person's certifies public-subject records, an industry official of
the record's industry certifies professional ones. A person with no employer at intake has no first review:
their records go straight to certification. Rejection (with a reason) is open to the reviewer of the stage
the record is at; it releases the pending hours. Certified records leave the chain; only a failed spot check
(抽查, 000 art. 16) withdraws them."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from cekit.tokens import Principal
from hours import access, regions
from hours.errors import CommentRequired, IllegalTransition, NotReviewer
from hours.vocabulary import Category, Status

Decision = Literal["approve", "reject"]


class Stage(StrEnum):
    FIRST_REVIEW = "first_review"  # 初审, by the employer
    CERTIFICATION = "certification"  # 审核认定, by HR (public) or the industry authority (professional)


@dataclass(frozen=True)
class ReviewFacts:
    status: Status
    category: Category
    employer_id: Any  # uuid.UUID | None
    region_code: str
    industry: str


@dataclass(frozen=True)
class Transition:
    stage: Stage
    decision: Decision
    from_status: Status
    to_status: Status


def current_stage(facts: ReviewFacts) -> Stage | None:
    if facts.status is Status.PENDING:
        return Stage.FIRST_REVIEW if facts.employer_id is not None else Stage.CERTIFICATION
    if facts.status is Status.FIRST_REVIEWED:
        return Stage.CERTIFICATION
    return None


def certifier_role(category: Category) -> str:
    return access.HR if category is Category.PUBLIC else access.INDUSTRY


def stages_of(principal: Principal, facts: ReviewFacts) -> set[Stage]:
    """The stages at which the caller reviews this record, whatever its status now."""
    if principal.has_role(access.ADMIN):
        return {Stage.FIRST_REVIEW, Stage.CERTIFICATION}
    stages = set()
    employer = access.as_uuid(principal.org_id)
    if principal.has_role(access.EMPLOYER) and employer is not None and employer == facts.employer_id:
        stages.add(Stage.FIRST_REVIEW)
    in_region = not principal.region_code or regions.within(facts.region_code, principal.region_code)
    if facts.category is Category.PUBLIC:
        if principal.has_role(access.HR) and principal.region_code and in_region:
            stages.add(Stage.CERTIFICATION)
    elif principal.has_role(access.INDUSTRY) and principal.industry == facts.industry and in_region:
        stages.add(Stage.CERTIFICATION)
    return stages


def allowed_next(facts: ReviewFacts) -> list[dict[str, Any]]:
    """The steps that may follow from the record's status, and who takes them."""
    stage = current_stage(facts)
    if stage is Stage.FIRST_REVIEW:
        by = access.EMPLOYER
        approved = Status.FIRST_REVIEWED
    elif stage is Stage.CERTIFICATION:
        by = certifier_role(facts.category)
        approved = Status.CERTIFIED
    elif facts.status is Status.CERTIFIED:
        return [{"stage": "spot_check", "decision": "fail", "by": [access.HR, access.INDUSTRY], "to": "withdrawn"}]
    else:
        return []
    return [
        {"stage": str(stage), "decision": "approve", "by": [by], "to": str(approved)},
        {"stage": str(stage), "decision": "reject", "by": [by], "to": str(Status.REJECTED)},
    ]


def decide(principal: Principal, facts: ReviewFacts, decision: Decision, comment: str | None) -> Transition:
    """The transition the caller's decision makes, or the reason it makes none."""
    stages = stages_of(principal, facts)
    if not stages:
        certifier = (
            "an HR official of its region"
            if facts.category is Category.PUBLIC
            else "an industry official of its industry"
        )
        raise NotReviewer(
            f"You do not review this record: its employer's admin does the first review, then {certifier} "
            "certifies it (000 art. 14)."
        )
    stage = current_stage(facts)
    if stage is None or stage not in stages:
        what = f"at stage {stage}" if stage is not None else "and no review follows"
        raise IllegalTransition(
            f"The record is {facts.status} {what}; you review at {', '.join(sorted(stages))}.",
            allowed_next=allowed_next(facts),
        )
    if decision == "reject":
        if not comment or not comment.strip():
            raise CommentRequired("A rejection needs a comment saying why.")
        return Transition(stage, decision, facts.status, Status.REJECTED)
    to = Status.FIRST_REVIEWED if stage is Stage.FIRST_REVIEW else Status.CERTIFIED
    return Transition(stage, decision, facts.status, to)
