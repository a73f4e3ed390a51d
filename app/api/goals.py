"""Goals: set for the organisation, a team or a person, aligned in a tree, with progress."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.goals import MAX_CAPABILITIES, Goal, GoalLevel, GoalStatus, Measure
from app.services import goals

router = APIRouter(tags=["goals"], responses=problem_responses(401, 422))
GoalId = Annotated[uuid.UUID, Path(description="The goal's id.")]
GOALS = "/v1/goals"


class GoalCreate(BaseModel):
    """Neither `employee_id` nor `org_unit_id`: an organisation goal; `org_unit_id`: a team
    goal; `employee_id`: a personal goal."""

    model_config = ConfigDict(extra="forbid")

    employee_id: uuid.UUID | None = Field(None, description="Whose goal it is, for a person.")
    org_unit_id: uuid.UUID | None = Field(None, description="The team's unit, for a team.")
    parent_id: uuid.UUID | None = Field(
        None, description="The goal this one serves: at its level or above."
    )
    title: str
    description: str = ""
    kpi: str = Field("", description="What is measured; required with a target.")
    unit: str = Field("", description="The KPI's unit, e.g. `%` or `EUR`.")
    baseline: float | None = Field(None, description="The KPI's value at the start.")
    target: float | None = Field(None, description="The value that achieves the goal.")
    due_date: date | None = None
    status: GoalStatus = Field(GoalStatus.DRAFT, description="draft or active.")
    capability_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_CAPABILITIES,
        description="The capabilities the goal draws on.",
    )


class GoalPatch(BaseModel):
    """Only the fields sent change; `null` clears an optional one. The owner stays."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    description: str | None = None
    kpi: str | None = None
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    due_date: date | None = None
    status: GoalStatus | None = Field(
        None,
        description="draft -> active -> achieved, missed or cancelled; a draft may be "
        "cancelled. A closed goal no longer changes.",
    )
    parent_id: uuid.UUID | None = None
    capability_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_CAPABILITIES)

    def changes(self) -> dict[str, object]:
        given: dict[str, object] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None and name in ("title", "description", "kpi", "unit"):
                value = ""  # the domain refuses an empty title, with the field's path
            elif value is None and name == "capability_ids":
                value = ()
            given[name] = value
        return given


class GoalOut(BaseModel):
    id: uuid.UUID
    level: GoalLevel
    employee_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    title: str
    description: str
    kpi: str
    unit: str
    baseline: float | None
    target: float | None
    current_value: float | None = Field(description="The latest progress update's value.")
    progress: float | None = Field(
        description="How far from the baseline to the target, 0 to 1 (clamped); null for a "
        "goal without a target or without progress yet."
    )
    due_date: date | None
    status: GoalStatus
    capability_ids: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, goal: Goal) -> "GoalOut":
        return cls(**goal.fields())


class GoalPage(PageOut[GoalOut]):
    pass


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(description="The KPI's value now.")
    note: str = ""


class ProgressOut(Out):
    id: uuid.UUID
    goal_id: uuid.UUID
    value: float
    note: str
    recorded_by: str = Field(description="The credential that recorded it.")
    recorded_at: datetime


class ProgressPage(PageOut[ProgressOut]):
    pass


class ProgressRecordedOut(BaseModel):
    progress: ProgressOut
    goal: GoalOut = Field(description="The goal with its new current value.")


class AlignmentOut(BaseModel):
    goal: GoalOut
    ancestors: list[GoalOut] = Field(
        description="The goals it serves, nearest first, up to the top of its tree."
    )
    hidden: int = Field(
        description="Goals of the chain left out: personal goals of people you may not see."
    )


@router.post(
    GOALS,
    status_code=201,
    response_model=GoalOut,
    summary="Set a goal for the organisation, a team or a person",
    responses=problem_responses(403, 404),
)
async def create_goal(
    body: GoalCreate, uow: UowDep, actor: ActorDep, response: Response
) -> GoalOut:
    goal = await goals.create_goal(
        uow,
        actor,
        title=body.title,
        employee_id=body.employee_id,
        org_unit_id=body.org_unit_id,
        parent_id=body.parent_id,
        description=body.description,
        measure=Measure(body.kpi, body.unit, body.baseline, body.target),
        due_date=body.due_date,
        status=body.status,
        capability_ids=body.capability_ids,
    )
    response.headers["Location"] = f"{GOALS}/{goal.id}"
    return _out(goal, response)


@router.get(GOALS, response_model=GoalPage, summary="List the goals you may see")
async def list_goals(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    employee_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    level: GoalLevel | None = None,
    status: GoalStatus | None = None,
) -> GoalPage:
    """Every organisation and team goal, and the personal goals of the people you may see,
    oldest first."""
    found = await goals.list_goals(
        uow,
        actor,
        page=page,
        employee_id=employee_id,
        org_unit_id=org_unit_id,
        parent_id=parent_id,
        level=level,
        status=status,
    )
    return GoalPage.of(found, GoalOut.of)


@router.get(
    f"{GOALS}/{{goal_id}}",
    response_model=GoalOut,
    summary="Get a goal",
    responses=problem_responses(404),
)
async def get_goal(goal_id: GoalId, uow: UowDep, actor: ActorDep, response: Response) -> GoalOut:
    return _out(await goals.get_goal(uow, actor, goal_id=goal_id), response)


@router.patch(
    f"{GOALS}/{{goal_id}}",
    response_model=GoalOut,
    summary="Change a goal, move it on, or align it elsewhere",
    responses=problem_responses(403, 404, 409, 412),
)
async def update_goal(
    goal_id: GoalId,
    body: GoalPatch,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> GoalOut:
    goal = await goals.update_goal(
        uow, actor, goal_id=goal_id, expected_version=if_match, **body.changes()
    )
    return _out(goal, response)


@router.post(
    f"{GOALS}/{{goal_id}}/progress",
    status_code=201,
    response_model=ProgressRecordedOut,
    summary="Record progress: the KPI's value now",
    description="The value becomes the goal's current value; a draft goal becomes active. "
    "A closed goal takes no more progress (409).",
    responses=problem_responses(403, 404, 409, 412),
)
async def record_progress(
    goal_id: GoalId,
    body: ProgressIn,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> ProgressRecordedOut:
    goal, update = await goals.record_progress(
        uow, actor, goal_id=goal_id, value=body.value, note=body.note, expected_version=if_match
    )
    set_etag(response, goal.version)
    return ProgressRecordedOut(progress=ProgressOut.of(update), goal=GoalOut.of(goal))


@router.get(
    f"{GOALS}/{{goal_id}}/progress",
    response_model=ProgressPage,
    summary="A goal's progress over time, oldest first",
    responses=problem_responses(404),
)
async def list_progress(
    goal_id: GoalId, uow: UowDep, actor: ActorDep, page: PageDep
) -> ProgressPage:
    found = await goals.list_progress(uow, actor, goal_id=goal_id, page=page)
    return ProgressPage.of(found, ProgressOut.of)


@router.get(
    f"{GOALS}/{{goal_id}}/alignment",
    response_model=AlignmentOut,
    summary="The chain of goals a goal serves, up to the organisation",
    responses=problem_responses(404),
)
async def alignment(goal_id: GoalId, uow: UowDep, actor: ActorDep) -> AlignmentOut:
    found = await goals.goal_alignment(uow, actor, goal_id=goal_id)
    return AlignmentOut(
        goal=GoalOut.of(found.goal),
        ancestors=[GoalOut.of(goal) for goal in found.ancestors],
        hidden=found.hidden,
    )


def _out(goal: Goal, response: Response) -> GoalOut:
    set_etag(response, goal.version)
    return GoalOut.of(goal)
