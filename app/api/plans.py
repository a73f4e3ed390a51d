"""Development plans: the tenant's settings, generation, the lifecycle, completions and the
training needs analysis."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.development import ItemStatus, Outcome, Plan, PlanPolicy, PlanStatus
from app.domain.impact import COMMENT_MAX_LENGTH, MAX_RATING, MIN_RATING
from app.domain.plans import Budget, Reason, Shortfall
from app.domain.views import GroupBy, Grouping
from app.services import impact, plans
from app.services.plans import CompletionReport, CompletionStatus

router = APIRouter(tags=["plans"], responses=problem_responses(401, 422))
PlanId = Annotated[uuid.UUID, Path(description="The plan's id.")]
LearningItemId = Annotated[uuid.UUID, Path(description="The learning item's id.")]
PLANS = "/v1/development-plans"
DEFAULTS = PlanPolicy()


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int | None = Field(None, description="At most this much learning time.")
    cost: float | None = Field(None, description="At most this much spend.")


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generate_on_finalise: bool = Field(
        DEFAULTS.generate_on_finalise,
        description="Generate the employee's plan when an assessment is finalised.",
    )
    start_active: bool = Field(
        DEFAULTS.start_active,
        description="Generated plans start active instead of as drafts to review.",
    )
    due_in_days: int = Field(
        DEFAULTS.due_in_days, description="A generated plan is due this many days later."
    )
    reassess_after_days: int = Field(
        DEFAULTS.reassess_after_days,
        description="The re-assessment scheduled on completion is due this many days later.",
    )
    budget: BudgetIn = Field(default_factory=BudgetIn, description="Per plan; null: no limit.")

    def to_domain(self) -> PlanPolicy:
        return PlanPolicy(
            generate_on_finalise=self.generate_on_finalise,
            start_active=self.start_active,
            due_in_days=self.due_in_days,
            reassess_after_days=self.reassess_after_days,
            budget=Budget(self.budget.minutes, self.budget.cost),
        )


class PolicyOut(PolicyIn):
    version: int

    @classmethod
    def of(cls, policy: PlanPolicy, version: int) -> "PolicyOut":
        return cls(
            generate_on_finalise=policy.generate_on_finalise,
            start_active=policy.start_active,
            due_in_days=policy.due_in_days,
            reassess_after_days=policy.reassess_after_days,
            budget=BudgetIn(minutes=policy.budget.minutes, cost=policy.budget.cost),
            version=version,
        )


class PlanItemOut(Out):
    learning_item_id: uuid.UUID
    reason: Reason = Field(description="closes_gap, or prerequisite of an item that does.")
    capability_ids: list[uuid.UUID] = Field(description="The gapped capabilities it moves.")
    status: ItemStatus
    due_date: date | None
    completed_at: datetime | None
    completion_id: str | None


class OpenGapOut(Out):
    capability_id: uuid.UUID
    reached_level: int = Field(description="Where the plan takes the person.")
    required_level: int
    shortfall: Shortfall = Field(
        description="no_content: the catalogue has nothing further (buy or build it); "
        "budget: the budget ran out."
    )


class PlanOut(Out):
    id: uuid.UUID
    employee_id: uuid.UUID
    role_id: uuid.UUID
    assessment_id: uuid.UUID = Field(description="The assessment whose gaps the plan closes.")
    status: PlanStatus
    progress: int = Field(description="Percent of the items not waived that are completed.")
    items: list[PlanItemOut] = Field(description="In order: prerequisites first, core gaps next.")
    open_gaps: list[OpenGapOut]
    minutes: int
    cost: float
    due_date: date
    reassessment_id: uuid.UUID | None = Field(
        description="The re-assessment scheduled when the plan was completed."
    )
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class PlanPage(PageOut[PlanOut]):
    pass


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=plans.MAX_EMPLOYEES, description="These employees."
    )
    group_by: GroupBy | None = Field(
        None, description="Or everyone active in groups, as for /v1/gaps."
    )
    ids: list[uuid.UUID] = Field(default_factory=list, description="The groups, by id.")
    scope: str = Field("all", pattern="^(direct|all)$", description="For group_by=team.")
    budget: BudgetIn | None = Field(None, description="Overrides the tenant's budget.")


class GeneratedOut(BaseModel):
    employee_id: uuid.UUID
    outcome: Outcome = Field(
        description="created; or why not: not_assessed, no_gaps, no_content (see open_gaps), "
        "has_active_plan, up_to_date (a plan from the same assessment is open), not_found."
    )
    plan_id: uuid.UUID | None
    open_gaps: list[OpenGapOut]


class GenerationOut(BaseModel):
    created: int
    results: list[GeneratedOut]


class ItemChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ItemStatus | None = None
    due_date: date | None = Field(None, description="Leads only.")
    completion_id: str | None = Field(
        None, description="Your system's id for the completion; the same id again is a no-op."
    )


class PlanChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_date: date


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completion_id: str = Field(min_length=1, max_length=200)
    employee_id: uuid.UUID | None = None
    employee_external_id: str | None = Field(None, description="Instead of employee_id.")
    learning_item_id: uuid.UUID | None = None
    item_external_id: str | None = Field(None, description="The item's LMS id, instead.")
    completed_at: datetime | None = None


class CompletionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completions: list[CompletionIn] = Field(max_length=plans.MAX_COMPLETIONS)


class CompletionResultOut(Out):
    index: int
    status: CompletionStatus = Field(
        description="not_in_plan: the person has no open plan with the item (nothing changed); "
        "conflict: the completion id was recorded for another person or item."
    )
    plan_id: uuid.UUID | None
    detail: str | None


class CompletionsOut(BaseModel):
    recorded: int
    results: list[CompletionResultOut]


class NeedOut(Out):
    capability_id: uuid.UUID
    people_below: int = Field(description="Assessed people below the required level.")
    levels_short: int = Field(description="Levels they are short in total: the demand.")
    weighted_demand: float
    people_uncovered: int = Field(description="People the catalogue cannot take all the way.")
    levels_uncovered: int = Field(description="Levels no active content teaches: buy or build.")
    unassessed: int


class NeedGroupOut(BaseModel):
    key: str
    needs: list[NeedOut] = Field(description="Most demanded first.")


class TrainingNeedsOut(BaseModel):
    group_by: GroupBy
    groups: list[NeedGroupOut]


@router.get("/v1/plan-policy", response_model=PolicyOut, summary="The tenant's plan settings")
async def get_policy(uow: UowDep, actor: ActorDep, response: Response) -> PolicyOut:
    policy, version = await plans.get_policy(uow, actor)
    set_etag(response, version)
    return PolicyOut.of(policy, version)


@router.put(
    "/v1/plan-policy",
    response_model=PolicyOut,
    summary="Change the tenant's plan settings",
    responses=problem_responses(403, 412),
)
async def set_policy(
    body: PolicyIn, uow: UowDep, actor: ActorDep, if_match: IfMatchDep, response: Response
) -> PolicyOut:
    policy, version = await plans.set_policy(
        uow, actor, policy=body.to_domain(), expected_version=if_match
    )
    set_etag(response, version)
    return PolicyOut.of(policy, version)


@router.post(
    f"{PLANS}:generate",
    response_model=GenerationOut,
    summary="Generate plans for employees or whole groups",
    description="From each person's latest finalised assessment: a draft from an older "
    "assessment is replaced, an active plan kept. A fixed number of statements however many "
    "people; one result per person.",
    responses=problem_responses(403, 404, 409),
)
async def generate(body: GenerateIn, uow: UowDep, actor: ActorDep) -> GenerationOut:
    grouping = (
        None
        if body.group_by is None
        else Grouping(by=body.group_by, ids=tuple(body.ids), whole_chain=body.scope == "all")
    )
    budget = None if body.budget is None else Budget(body.budget.minutes, body.budget.cost)
    made = await plans.generate_plans(
        uow, actor, employee_ids=body.employee_ids, grouping=grouping, budget=budget
    )
    return GenerationOut(
        created=sum(g.outcome is Outcome.CREATED for g in made),
        results=[
            GeneratedOut(
                employee_id=g.employee_id,
                outcome=g.outcome,
                plan_id=None if g.plan is None else g.plan.id,
                open_gaps=[OpenGapOut.of(gap) for gap in g.open_gaps],
            )
            for g in made
        ],
    )


@router.get(PLANS, response_model=PlanPage, summary="List the plans you may see")
async def list_plans(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    employee_id: uuid.UUID | None = None,
    status: PlanStatus | None = None,
) -> PlanPage:
    found = await plans.list_plans(uow, actor, page=page, employee_id=employee_id, status=status)
    return PlanPage.of(found, PlanOut.of)


@router.get(
    f"{PLANS}/{{plan_id}}",
    response_model=PlanOut,
    summary="Get a plan",
    responses=problem_responses(404),
)
async def get_plan(plan_id: PlanId, uow: UowDep, actor: ActorDep, response: Response) -> PlanOut:
    return _out(await plans.get_plan(uow, actor, plan_id=plan_id), response)


@router.post(
    f"{PLANS}/{{plan_id}}:activate",
    response_model=PlanOut,
    summary="Start a draft plan (its employee or a lead)",
    responses=problem_responses(403, 404, 409, 412),
)
async def activate(
    plan_id: PlanId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep, response: Response
) -> PlanOut:
    plan = await plans.activate_plan(uow, actor, plan_id=plan_id, expected_version=if_match)
    return _out(plan, response)


@router.post(
    f"{PLANS}/{{plan_id}}:cancel",
    response_model=PlanOut,
    summary="Cancel a draft or active plan (leads)",
    responses=problem_responses(403, 404, 409, 412),
)
async def cancel(
    plan_id: PlanId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep, response: Response
) -> PlanOut:
    plan = await plans.cancel_plan(uow, actor, plan_id=plan_id, expected_version=if_match)
    return _out(plan, response)


@router.patch(
    f"{PLANS}/{{plan_id}}",
    response_model=PlanOut,
    summary="Move a plan's due date (leads)",
    responses=problem_responses(403, 404, 409, 412),
)
async def reschedule(
    plan_id: PlanId,
    body: PlanChange,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> PlanOut:
    plan = await plans.reschedule_plan(
        uow, actor, plan_id=plan_id, due_date=body.due_date, expected_version=if_match
    )
    return _out(plan, response)


@router.patch(
    f"{PLANS}/{{plan_id}}/items/{{learning_item_id}}",
    response_model=PlanOut,
    summary="Move a plan item on: start, complete, waive (leads), reschedule (leads)",
    description="Completing the last open item completes the plan and schedules its "
    "re-assessment. Progress on a draft starts it. Repeating a change is a no-op.",
    responses=problem_responses(403, 404, 409, 412),
)
async def update_item(
    plan_id: PlanId,
    learning_item_id: LearningItemId,
    body: ItemChange,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> PlanOut:
    plan = await plans.update_item(
        uow,
        actor,
        plan_id=plan_id,
        learning_item_id=learning_item_id,
        status=body.status,
        due_date=body.due_date,
        completion_id=body.completion_id,
        expected_version=if_match,
    )
    return _out(plan, response)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(description=f"{MIN_RATING} (poor) to {MAX_RATING} (excellent).")
    comment: str = Field("", description=f"At most {COMMENT_MAX_LENGTH:,} characters.")


class FeedbackOut(Out):
    plan_id: uuid.UUID
    learning_item_id: uuid.UUID
    rating: int
    comment: str
    given_at: datetime


@router.put(
    f"{PLANS}/{{plan_id}}/items/{{learning_item_id}}/feedback",
    response_model=FeedbackOut,
    summary="Rate a completed plan item (training evaluation)",
    description="The plan's employee rates learning they completed in it (an integration may "
    "relay the rating from the LMS's survey); sent again, it replaces the rating. 409 until "
    "the item is completed. Ratings appear beside the learning impact report.",
    responses=problem_responses(403, 404, 409),
)
async def rate_learning(
    plan_id: PlanId,
    learning_item_id: LearningItemId,
    body: FeedbackIn,
    uow: UowDep,
    actor: ActorDep,
) -> FeedbackOut:
    given = await impact.rate_learning(
        uow,
        actor,
        plan_id=plan_id,
        learning_item_id=learning_item_id,
        rating=body.rating,
        comment=body.comment,
    )
    return FeedbackOut.of(given)


@router.get(
    f"{PLANS}/{{plan_id}}/items/{{learning_item_id}}/feedback",
    response_model=FeedbackOut,
    summary="Read the rating of a plan item",
    description="Whoever may see the plan reads it; 404 when the item was not rated.",
    responses=problem_responses(404),
)
async def get_feedback(
    plan_id: PlanId, learning_item_id: LearningItemId, uow: UowDep, actor: ActorDep
) -> FeedbackOut:
    found = await impact.learning_feedback(
        uow, actor, plan_id=plan_id, learning_item_id=learning_item_id
    )
    return FeedbackOut.of(found)


@router.post(
    "/v1/learning-completions",
    response_model=CompletionsOut,
    summary="Report completed learning (an LMS, the employee, a manager)",
    description="Each completion names the person (id or external id) and the item (id or "
    "LMS id) and carries your id for it: the same id again changes nothing. Matched against "
    "the person's open plan in one transaction; one result per completion.",
    responses=problem_responses(403),
)
async def report_completions(body: CompletionBatch, uow: UowDep, actor: ActorDep) -> CompletionsOut:
    results = await plans.report_completions(
        uow,
        actor,
        reports=[CompletionReport(**c.model_dump()) for c in body.completions],
    )
    return CompletionsOut(
        recorded=sum(r.status is CompletionStatus.RECORDED for r in results),
        results=[CompletionResultOut.of(r) for r in results],
    )


@router.get(
    "/v1/training-needs",
    response_model=TrainingNeedsOut,
    summary="Training needs analysis: demand per capability and what no content covers",
    description="Groups as for /v1/gaps. Per required capability: people below and levels "
    "short (weighted by the requirement), and what the active catalogue cannot teach, most "
    "demanded first. Computed in one query.",
    responses=problem_responses(403, 404),
)
async def training_needs(
    uow: UowDep,
    actor: ActorDep,
    group_by: GroupBy,
    ids: Annotated[list[uuid.UUID], Query(description="The groups, by id.")] = [],  # noqa: B006
    scope: Annotated[str, Query(pattern="^(direct|all)$")] = "all",
) -> TrainingNeedsOut:
    grouping = Grouping(by=group_by, ids=tuple(ids), whole_chain=scope == "all")
    found = await plans.training_needs(uow, actor, grouping=grouping)
    return TrainingNeedsOut(
        group_by=group_by,
        groups=[
            NeedGroupOut(key=key, needs=[NeedOut.of(n) for n in needs])
            for key, needs in sorted(found.items())
        ],
    )


def _out(plan: Plan, response: Response) -> PlanOut:
    set_etag(response, plan.version)
    return PlanOut.of(plan)
