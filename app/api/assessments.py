"""Assessments: the tenant's combination rule, the lifecycle, ratings and results."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.assessments import (
    DEFAULT_WEIGHTS,
    Assessment,
    AssessmentStatus,
    CombinationMethod,
    CombinationRule,
    Purpose,
    RaterType,
    Rating,
    Result,
)
from app.services import assessments

router = APIRouter(tags=["assessments"], responses=problem_responses(401, 422))
AssessmentId = Annotated[uuid.UUID, Path(description="The assessment's id.")]


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: CombinationMethod = Field(
        description="manager_decides: the manager's rating. weighted_mean: ratings weighted by "
        "rater type (peers count once, as their mean), rounded half up (2.5 -> 3). "
        "sme_overrides: the SMEs' rating when there is one, else the manager's. Ratings marked "
        "not observed are ignored."
    )
    weights: dict[RaterType, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


class PolicyOut(PolicyIn):
    version: int


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: uuid.UUID
    role_id: uuid.UUID | None = Field(
        None,
        description="Defaults to the employee's current role; another role assesses "
        "readiness for it (succession).",
    )
    required_rater_types: list[RaterType] = Field(
        default_factory=lambda: [RaterType.SELF, RaterType.MANAGER]
    )
    peer_ids: list[uuid.UUID] = Field(default_factory=list)
    sme_ids: list[uuid.UUID] = Field(default_factory=list)
    due_date: date | None = None
    open: bool = Field(True, description="Open at once; false leaves it scheduled.")


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capability_id: uuid.UUID
    level: int | None = Field(description="A level of the capability's scale; null: not observed.")
    evidence: str = ""
    links: list[str] = Field(default_factory=list)


class RatingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ratings: list[RatingIn] = Field(max_length=500)
    submit: bool = Field(False, description="Hand the ratings in; they cannot change after.")


class ItemOut(Out):
    capability_id: uuid.UUID
    required_level: int
    max_level: int
    weight: float
    core: bool


class RaterOut(Out):
    employee_id: uuid.UUID
    type: RaterType
    submitted_at: datetime | None


class AssessmentOut(Out):
    id: uuid.UUID
    employee_id: uuid.UUID
    role_id: uuid.UUID
    purpose: Purpose
    status: AssessmentStatus
    items: list[ItemOut]
    required_rater_types: list[RaterType]
    raters: list[RaterOut]
    due_date: date | None
    version: int
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None

    @field_validator("required_rater_types", mode="before")
    @classmethod
    def _in_a_stable_order(cls, value: object) -> object:
        return sorted(value) if isinstance(value, set | frozenset) else value


class AssessmentPage(PageOut[AssessmentOut]):
    pass


class RatingOut(Out):
    capability_id: uuid.UUID
    level: int | None
    evidence: str
    links: list[str]


class ResultOut(Out):
    capability_id: uuid.UUID
    level: int | None = Field(description="The combined level; null when nobody observed it.")
    self_level: int | None
    manager_level: int | None
    divergence: int | None = Field(description="Self minus manager.")


def _out(assessment: Assessment, response: Response) -> AssessmentOut:
    set_etag(response, assessment.version)
    return AssessmentOut.of(assessment)


@router.get("/v1/assessment-policy", response_model=PolicyOut, summary="How ratings combine")
async def get_policy(uow: UowDep, actor: ActorDep, response: Response) -> PolicyOut:
    rule, version = await assessments.get_policy(uow, actor)
    set_etag(response, version)
    return PolicyOut(method=rule.method, weights=dict(rule.weights), version=version)


@router.put(
    "/v1/assessment-policy",
    response_model=PolicyOut,
    summary="Choose how ratings combine (applies to later finalisations)",
    responses=problem_responses(403, 412),
)
async def set_policy(
    body: PolicyIn, uow: UowDep, actor: ActorDep, if_match: IfMatchDep, response: Response
) -> PolicyOut:
    rule, version = await assessments.set_policy(
        uow, actor, rule=CombinationRule(body.method, body.weights), expected_version=if_match
    )
    set_etag(response, version)
    return PolicyOut(method=rule.method, weights=dict(rule.weights), version=version)


@router.post(
    "/v1/assessments",
    status_code=201,
    response_model=AssessmentOut,
    summary="Assess an employee against a role",
    responses=problem_responses(403, 404),
)
async def create_assessment(
    body: AssessmentCreate, uow: UowDep, actor: ActorDep, response: Response
) -> AssessmentOut:
    assessment = await assessments.create_assessment(
        uow,
        actor,
        employee_id=body.employee_id,
        role_id=body.role_id,
        required_rater_types=body.required_rater_types,
        peer_ids=body.peer_ids,
        sme_ids=body.sme_ids,
        due_date=body.due_date,
        open_now=body.open,
    )
    response.headers["Location"] = f"/v1/assessments/{assessment.id}"
    return _out(assessment, response)


@router.get(
    "/v1/assessments",
    response_model=AssessmentPage,
    summary="List the assessments the caller may see",
)
async def list_assessments(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    employee_id: uuid.UUID | None = None,
    status: Annotated[AssessmentStatus | None, Query()] = None,
) -> AssessmentPage:
    found = await assessments.list_assessments(
        uow, actor, page=page, employee_id=employee_id, status=status
    )
    return AssessmentPage.of(found, AssessmentOut.of)


@router.get(
    "/v1/assessments/{assessment_id}",
    response_model=AssessmentOut,
    summary="Get an assessment",
    responses=problem_responses(404),
)
async def get_assessment(
    assessment_id: AssessmentId, uow: UowDep, actor: ActorDep, response: Response
) -> AssessmentOut:
    return _out(await assessments.get_assessment(uow, actor, assessment_id=assessment_id), response)


@router.post(
    "/v1/assessments/{assessment_id}:open",
    response_model=AssessmentOut,
    summary="Open a scheduled assessment",
    responses=problem_responses(403, 404, 409),
)
async def open_assessment(
    assessment_id: AssessmentId, uow: UowDep, actor: ActorDep, response: Response
) -> AssessmentOut:
    return _out(
        await assessments.open_assessment(uow, actor, assessment_id=assessment_id), response
    )


@router.post(
    "/v1/assessments/{assessment_id}:cancel",
    response_model=AssessmentOut,
    summary="Cancel an assessment",
    responses=problem_responses(403, 404, 409),
)
async def cancel_assessment(
    assessment_id: AssessmentId, uow: UowDep, actor: ActorDep, response: Response
) -> AssessmentOut:
    return _out(
        await assessments.cancel_assessment(uow, actor, assessment_id=assessment_id), response
    )


@router.post(
    "/v1/assessments/{assessment_id}:finalise",
    response_model=list[ResultOut],
    summary="Combine the submitted ratings into results",
    description="Needs a submission from every required rater type. The results become the "
    "employee's current levels; they are immutable, and a later assessment supersedes them.",
    responses=problem_responses(403, 404, 409),
)
async def finalise_assessment(
    assessment_id: AssessmentId, uow: UowDep, actor: ActorDep, response: Response
) -> list[ResultOut]:
    finalised, results = await assessments.finalise_assessment(
        uow, actor, assessment_id=assessment_id
    )
    set_etag(response, finalised.version)
    return [ResultOut.of(result) for result in results]


@router.put(
    "/v1/assessments/{assessment_id}/ratings",
    response_model=AssessmentOut,
    summary="Save (and optionally submit) the caller's ratings",
    description="The caller rates as the employee their credential speaks for, and must be "
    "invited. Ratings of the same capabilities replace earlier drafts.",
    responses=problem_responses(403, 404, 409),
)
async def rate(
    assessment_id: AssessmentId, body: RatingsIn, uow: UowDep, actor: ActorDep, response: Response
) -> AssessmentOut:
    given = [
        Rating(uuid.UUID(int=0), r.capability_id, r.level, r.evidence, tuple(r.links))
        for r in body.ratings
    ]
    assessment = await assessments.rate(
        uow, actor, assessment_id=assessment_id, ratings=given, submit=body.submit
    )
    return _out(assessment, response)


@router.get(
    "/v1/assessments/{assessment_id}/ratings",
    response_model=list[RatingOut],
    summary="The caller's own ratings, drafts included",
    responses=problem_responses(403, 404),
)
async def my_ratings(assessment_id: AssessmentId, uow: UowDep, actor: ActorDep) -> list[RatingOut]:
    found = await assessments.my_ratings(uow, actor, assessment_id=assessment_id)
    return [RatingOut.of(rating) for rating in found]


@router.get(
    "/v1/assessments/{assessment_id}/results",
    response_model=list[ResultOut],
    summary="Results of a finalised assessment, with self/manager divergence",
    responses=problem_responses(404),
)
async def get_results(assessment_id: AssessmentId, uow: UowDep, actor: ActorDep) -> list[ResultOut]:
    results: list[Result] = await assessments.get_results(uow, actor, assessment_id=assessment_id)
    return [ResultOut.of(result) for result in results]
