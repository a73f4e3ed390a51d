"""Workflow automation: define, change, pause and dry-run workflows, see their runs, and the
notifications they queue (hr_admin)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.assessments import RaterType
from app.domain.notifications import DeliveryStatus
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.domain.workflow_documents import document_of
from app.domain.workflows import (
    DEFAULT_DUE_IN_DAYS,
    DEFAULT_GRACE_DAYS,
    EventType,
    Recipient,
    TargetKind,
    Unit,
    Workflow,
    WorkflowStatus,
)
from app.services import notifications, workflows

router = APIRouter(tags=["workflows"], responses=problem_responses(401, 403, 422))
WorkflowId = Annotated[uuid.UUID, Path(description="The workflow's id.")]
WORKFLOWS = "/v1/workflows"


def _untagged(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A discriminated union puts the tag in an error's location (`steps.2.wait.for`); drop
    it, so that the path is the JSON path, as in the domain's own errors (`steps.2.for`)."""
    try:
        return handler(value)
    except ValidationError as error:
        located = [
            InitErrorDetails(
                type=e["type"], loc=_without_tag(e["loc"]), input=e["input"], ctx=e.get("ctx", {})
            )
            for e in error.errors(include_url=False)
        ]
        raise ValidationError.from_exception_data(error.title, located) from None


def _without_tag(loc: tuple) -> tuple:
    """(2, "wait", "for") -> (2, "for"): an item's index, then its fields."""
    return loc[:1] + loc[2:] if len(loc) > 1 and isinstance(loc[0], int) else loc


class WorkflowTargetIn(BaseModel):
    """Whom the workflow opens assessments for."""

    model_config = ConfigDict(extra="forbid")

    kind: TargetKind
    ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="The cohorts, org units (with everyone below) or roles; none for everyone.",
    )


class ScheduleTriggerIn(BaseModel):
    """Fires at the times `cron` names, or every `every` `unit` from `starts_at`, in the
    wall-clock time of `timezone`. Periods missed (the worker down, the workflow paused) are
    not fired one by one."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["schedule"]
    cron: str | None = Field(
        None, description="Five fields, e.g. `0 9 1 * *` (09:00 on the 1st). Or `every`."
    )
    every: int | None = Field(None, description="With `unit` and `starts_at`, instead of cron.")
    unit: Unit | None = None
    timezone: str = Field("UTC", description="An IANA time zone, e.g. Europe/London.")
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class EventTriggerIn(BaseModel):
    """Fires for one person when this happens to them."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["event"]
    event: EventType


TriggerIn = Annotated[ScheduleTriggerIn | EventTriggerIn, Field(discriminator="type")]


class OpenAssessmentStepIn(BaseModel):
    """Open an assessment of each person against their current role: the loop's first step."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Unique among the steps; other steps refer to it.")
    type: Literal["open_assessment"]
    rater_types: list[RaterType] = Field(
        default_factory=lambda: [RaterType.SELF, RaterType.MANAGER],
        description="self and/or manager.",
    )
    due_in_days: int = DEFAULT_DUE_IN_DAYS
    grace_days: int = Field(
        DEFAULT_GRACE_DAYS, description="Days past the due date before it expires."
    )


class NotifyStepIn(BaseModel):
    """Email the raters of the assessment `about` names: the employee when it opens, the
    manager when it is theirs to rate, `addresses` when it opens; remind whoever it waits on,
    and tell the manager's manager when it is overdue."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["notify"]
    about: str = Field(description="The id of the open_assessment step.")
    recipients: list[Recipient] = Field(
        default_factory=lambda: [Recipient.EMPLOYEE, Recipient.MANAGER]
    )
    addresses: list[str] = Field(default_factory=list, description="Also tell these addresses.")
    remind_every_days: int | None = None
    escalate_after_days: int | None = Field(
        None, description="Days past the due date; at most the assessment's grace_days."
    )


class WaitStepIn(BaseModel):
    """Wait until the assessment is finalised."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["wait"]
    for_step: str = Field(alias="for", description="The id of the open_assessment step.")


class GeneratePlanStepIn(BaseModel):
    """Generate a development plan from the finalised assessment's gaps."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["generate_plan"]


class ScheduleReassessmentStepIn(BaseModel):
    """When the plan is completed, schedule a re-assessment."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["schedule_reassessment"]
    after_days: int | None = Field(
        None, description="Due this many days after the plan; the tenant's plan policy if null."
    )


class RestartStepIn(BaseModel):
    """Loop again from the re-assessment: a plan from it, and so on."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["restart"]
    until: Literal["requirements_met"] | None = Field(
        None, description="Stop once the person meets their role's requirements."
    )
    max_rounds: int | None = Field(
        None, description="At most this many assessments per person, the first included."
    )


class EndStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["end"]


StepIn = Annotated[
    OpenAssessmentStepIn
    | NotifyStepIn
    | WaitStepIn
    | GeneratePlanStepIn
    | ScheduleReassessmentStepIn
    | RestartStepIn
    | EndStepIn,
    Field(discriminator="type"),
]


class WorkflowDefinition(BaseModel):
    """Whom a workflow is for, what fires it, and the steps of each person's loop, in order:
    open_assessment, notify, wait, generate_plan, schedule_reassessment, then restart or end."""

    model_config = ConfigDict(extra="forbid")

    target: WorkflowTargetIn
    triggers: Annotated[list[TriggerIn], WrapValidator(_untagged)]
    steps: Annotated[list[StepIn], WrapValidator(_untagged)]

    def to_document(self) -> dict[str, Any]:
        """As sent, for the domain to validate and fill in its defaults."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class WorkflowContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    definition: WorkflowDefinition


class WorkflowCreate(WorkflowContent):
    key: str = Field(description="Unique in the tenant; cannot change.")


class WorkflowOut(BaseModel):
    """Served with `response_model_exclude_unset`, so that `definition` is the stored document
    as it is, and every field the domain has is set by `of`."""

    id: uuid.UUID
    key: str
    name: str
    status: WorkflowStatus
    definition: WorkflowDefinition = Field(description="With the defaults filled in.")
    active_since: datetime = Field(
        description="Schedule periods before this are never fired (defined, changed or resumed)."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, workflow: Workflow) -> "WorkflowOut":
        return cls(
            id=workflow.id,
            key=workflow.key,
            name=workflow.name,
            status=workflow.status,
            definition=WorkflowDefinition.model_validate(document_of(workflow.definition)),
            active_since=workflow.active_since,
            version=workflow.version,
            created_at=workflow.created_at,
            updated_at=workflow.updated_at,
        )


class WorkflowPage(PageOut[WorkflowOut]):
    pass


class FiringOut(Out):
    trigger: str = Field(description="`schedule:<index of the trigger>`.")
    period: str = Field(description="The scheduled time, ISO 8601.")


class DryRunOut(BaseModel):
    at: datetime
    due: list[FiringOut] = Field(description="Schedule periods due at `at` that have not fired.")
    upcoming: list[datetime] = Field(description="The next schedule times after `at`.")
    would_open: int = Field(description="How many people an assessment would be opened for.")
    employee_ids: list[uuid.UUID] = Field(description="Those people, a page of them.")
    has_more: bool
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page of employee_ids; null at the end."
    )


class RunOut(Out):
    id: uuid.UUID
    trigger: str = Field(description="`schedule:<index of the trigger>`, or the event.")
    period: str
    fired_at: datetime
    opened: int = Field(description="Assessments the firing opened.")
    employee_id: uuid.UUID | None = Field(description="For an event firing: whom it was for.")


class RunPage(PageOut[RunOut]):
    pass


class NotificationOut(Out):
    id: uuid.UUID
    assessment_id: uuid.UUID
    kind: str = Field(description="assessment_opened, manager_turn, reminder or escalation.")
    sequence: int = Field(description="Which reminder this is; 0 for the others.")
    recipient: str = Field(description="employee, manager, skip_manager, or an email address.")
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class NotificationPage(PageOut[NotificationOut]):
    pass


async def _query_page(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.")
    ] = 50,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page, unchanged.")
    ] = None,
) -> PageRequest:
    """As PageDep, for a POST: a bad cursor is reported in the query string, not the body."""
    return PageRequest.parse(
        limit=limit, cursor=cursor, limit_field="query.limit", cursor_field="query.cursor"
    )


@router.post(
    WORKFLOWS,
    status_code=201,
    response_model=WorkflowOut,
    response_model_exclude_unset=True,
    summary="Define a workflow",
    description="Starts active. Every problem with the definition is reported at once, with "
    "its path, e.g. `body.definition.steps.2.for`.",
    responses=problem_responses(409),
)
async def define_workflow(
    body: WorkflowCreate, uow: UowDep, actor: ActorDep, response: Response
) -> WorkflowOut:
    workflow = await workflows.define_workflow(
        uow, actor, key=body.key, name=body.name, definition=body.definition.to_document()
    )
    response.headers["Location"] = f"{WORKFLOWS}/{workflow.id}"
    return _out(workflow, response)


@router.get(
    WORKFLOWS,
    response_model=WorkflowPage,
    response_model_exclude_unset=True,
    summary="List workflows",
)
async def list_workflows(uow: UowDep, actor: ActorDep, page: PageDep) -> WorkflowPage:
    return WorkflowPage.of(await workflows.list_workflows(uow, actor, page=page), WorkflowOut.of)


@router.get(
    f"{WORKFLOWS}/{{workflow_id}}",
    response_model=WorkflowOut,
    response_model_exclude_unset=True,
    summary="Get a workflow",
    responses=problem_responses(404),
)
async def get_workflow(
    workflow_id: WorkflowId, uow: UowDep, actor: ActorDep, response: Response
) -> WorkflowOut:
    return _out(await workflows.get_workflow(uow, actor, workflow_id=workflow_id), response)


@router.put(
    f"{WORKFLOWS}/{{workflow_id}}",
    response_model=WorkflowOut,
    response_model_exclude_unset=True,
    summary="Replace a workflow's name and definition",
    description="Schedule periods already passed are not fired afterwards; what is under way "
    "(open assessments, plans) goes on.",
    responses=problem_responses(404, 412),
)
async def redefine_workflow(
    workflow_id: WorkflowId,
    body: WorkflowContent,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> WorkflowOut:
    workflow = await workflows.redefine_workflow(
        uow,
        actor,
        workflow_id=workflow_id,
        name=body.name,
        definition=body.definition.to_document(),
        expected_version=if_match,
    )
    return _out(workflow, response)


@router.post(
    f"{WORKFLOWS}/{{workflow_id}}:pause",
    response_model=WorkflowOut,
    response_model_exclude_unset=True,
    summary="Pause a workflow",
    description="It stops firing; what is under way (open assessments, plans) goes on. 409 if "
    "it is already paused.",
    responses=problem_responses(404, 409, 412),
)
async def pause_workflow(
    workflow_id: WorkflowId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep, response: Response
) -> WorkflowOut:
    workflow = await workflows.pause_workflow(
        uow, actor, workflow_id=workflow_id, expected_version=if_match
    )
    return _out(workflow, response)


@router.post(
    f"{WORKFLOWS}/{{workflow_id}}:resume",
    response_model=WorkflowOut,
    response_model_exclude_unset=True,
    summary="Resume a paused workflow",
    description="It fires again from now on; periods missed while paused are not fired. 409 "
    "if it is not paused.",
    responses=problem_responses(404, 409, 412),
)
async def resume_workflow(
    workflow_id: WorkflowId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep, response: Response
) -> WorkflowOut:
    workflow = await workflows.resume_workflow(
        uow, actor, workflow_id=workflow_id, expected_version=if_match
    )
    return _out(workflow, response)


@router.post(
    f"{WORKFLOWS}/{{workflow_id}}:dry-run",
    response_model=DryRunOut,
    summary="What firing the workflow would do, without doing it",
    description="The schedule periods due at `at` (now by default), the next times it fires, "
    "and who would get an assessment: people in the target with a role to assess against and, "
    "when managers rate, a manager, who have no unfinished assessment for it. Changes nothing.",
    responses=problem_responses(404),
)
async def dry_run(
    workflow_id: WorkflowId,
    uow: UowDep,
    actor: ActorDep,
    page: Annotated[PageRequest, Depends(_query_page)],
    at: Annotated[
        AwareDatetime | None,
        Query(description="ISO 8601 with a UTC offset, e.g. 2027-01-01T09:00:00+01:00."),
    ] = None,
) -> DryRunOut:
    found = await workflows.dry_run(uow, actor, workflow_id=workflow_id, page=page, at=at)
    return DryRunOut(
        at=found.at,
        due=[FiringOut.of(firing) for firing in found.due],
        upcoming=found.upcoming,
        would_open=found.would_open,
        employee_ids=list(found.employee_ids.items),
        has_more=found.employee_ids.has_more,
        next_cursor=found.employee_ids.next_cursor,
    )


@router.get(
    f"{WORKFLOWS}/{{workflow_id}}/runs",
    response_model=RunPage,
    summary="A workflow's firings, oldest first",
    responses=problem_responses(404),
)
async def list_runs(
    workflow_id: WorkflowId, uow: UowDep, actor: ActorDep, page: PageDep
) -> RunPage:
    return RunPage.of(
        await workflows.list_runs(uow, actor, workflow_id=workflow_id, page=page), RunOut.of
    )


@router.get(
    "/v1/notifications",
    response_model=NotificationPage,
    summary="Notifications about workflow assessments, oldest first",
    description="What was sent, is waiting (with the last error, if an attempt failed) or was "
    "given up on (dead).",
    tags=["notifications"],
)
async def list_notifications(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    assessment_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
) -> NotificationPage:
    found = await notifications.list_notifications(
        uow, actor, page=page, assessment_id=assessment_id, status=status
    )
    return NotificationPage.of(found, NotificationOut.of)


def _out(workflow: Workflow, response: Response) -> WorkflowOut:
    set_etag(response, workflow.version)
    return WorkflowOut.of(workflow)
