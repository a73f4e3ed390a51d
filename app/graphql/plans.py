"""GraphQL for development plans, completions and the training needs analysis."""

import uuid
from datetime import date, datetime

import strawberry

from app.domain.development import ItemStatus as DomainItemStatus
from app.domain.development import Outcome as DomainOutcome
from app.domain.development import Plan as DomainPlan
from app.domain.development import PlanPolicy as DomainPlanPolicy
from app.domain.development import PlanStatus as DomainPlanStatus
from app.domain.impact import Feedback
from app.domain.plans import Budget, OpenGap
from app.domain.plans import Reason as DomainReason
from app.domain.plans import Shortfall as DomainShortfall
from app.domain.views import Grouping
from app.graphql.assessments import GroupBy
from app.graphql.catalogue import Capability, Role
from app.graphql.context import Info
from app.graphql.learning import LearningItem
from app.graphql.pagination import Connection, page_request
from app.graphql.people import Employee
from app.services import impact, plans
from app.services.plans import CompletionReport
from app.services.plans import CompletionStatus as DomainCompletionStatus

PlanStatus = strawberry.enum(DomainPlanStatus, name="PlanStatus")
PlanItemStatus = strawberry.enum(DomainItemStatus, name="PlanItemStatus")
PlanItemReason = strawberry.enum(DomainReason, name="PlanItemReason")
Shortfall = strawberry.enum(DomainShortfall, name="Shortfall")
GenerationOutcome = strawberry.enum(DomainOutcome, name="GenerationOutcome")
CompletionStatus = strawberry.enum(DomainCompletionStatus, name="CompletionStatus")
DEFAULTS = DomainPlanPolicy()


@strawberry.type
class PlanItem:
    learning_item_id: uuid.UUID
    reason: PlanItemReason
    capability_ids: list[uuid.UUID]
    status: PlanItemStatus
    due_date: date | None
    completed_at: datetime | None
    completion_id: str | None

    @strawberry.field
    async def learning_item(self, info: Info) -> LearningItem | None:
        found = await info.context.loaders.learning_item.load(self.learning_item_id)
        return None if found is None else LearningItem.of(found)


@strawberry.type
class PlanOpenGap:
    capability_id: uuid.UUID
    reached_level: int
    required_level: int
    shortfall: Shortfall

    @classmethod
    def of(cls, gap: OpenGap) -> "PlanOpenGap":
        return cls(**vars(gap))

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)


@strawberry.type
class DevelopmentPlan:
    id: uuid.UUID
    employee_id: uuid.UUID
    role_id: uuid.UUID
    assessment_id: uuid.UUID
    status: PlanStatus
    progress: int = strawberry.field(description="Percent of the items not waived completed.")
    items: list[PlanItem]
    open_gaps: list[PlanOpenGap]
    minutes: int
    cost: float
    due_date: date
    reassessment_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, plan: DomainPlan) -> "DevelopmentPlan":
        return cls(
            id=plan.id,
            employee_id=plan.employee_id,
            role_id=plan.role_id,
            assessment_id=plan.assessment_id,
            status=plan.status,
            progress=plan.progress,
            items=[
                PlanItem(
                    learning_item_id=i.learning_item_id,
                    reason=i.reason,
                    capability_ids=list(i.capability_ids),
                    status=i.status,
                    due_date=i.due_date,
                    completed_at=i.completed_at,
                    completion_id=i.completion_id,
                )
                for i in plan.items
            ],
            open_gaps=[PlanOpenGap.of(g) for g in plan.open_gaps],
            minutes=plan.minutes,
            cost=plan.cost,
            due_date=plan.due_date,
            reassessment_id=plan.reassessment_id,
            version=plan.version,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
            closed_at=plan.closed_at,
        )

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def role(self, info: Info) -> Role | None:
        found = await info.context.loaders.role.load(self.role_id)
        return None if found is None else Role.of(found)


@strawberry.type
class GeneratedPlan:
    employee_id: uuid.UUID
    outcome: GenerationOutcome
    plan: DevelopmentPlan | None
    open_gaps: list[PlanOpenGap]


@strawberry.type
class CompletionResult:
    index: int
    status: CompletionStatus
    plan_id: uuid.UUID | None
    detail: str | None


@strawberry.type
class TrainingNeed:
    capability_id: uuid.UUID
    people_below: int
    levels_short: int
    weighted_demand: float
    people_uncovered: int = strawberry.field(
        description="People the catalogue cannot take all the way: content to buy or build."
    )
    levels_uncovered: int
    unassessed: int

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)


@strawberry.type
class TrainingNeedsGroup:
    key: str
    needs: list[TrainingNeed]


@strawberry.type
class PlanBudget:
    minutes: int | None
    cost: float | None


@strawberry.type
class PlanPolicy:
    generate_on_finalise: bool
    start_active: bool
    due_in_days: int
    reassess_after_days: int
    budget: PlanBudget
    version: int

    @classmethod
    def of(cls, policy: DomainPlanPolicy, version: int) -> "PlanPolicy":
        return cls(
            generate_on_finalise=policy.generate_on_finalise,
            start_active=policy.start_active,
            due_in_days=policy.due_in_days,
            reassess_after_days=policy.reassess_after_days,
            budget=PlanBudget(minutes=policy.budget.minutes, cost=policy.budget.cost),
            version=version,
        )


@strawberry.input
class BudgetInput:
    minutes: int | None = None
    cost: float | None = None


@strawberry.input
class CompletionInput:
    completion_id: str
    employee_id: uuid.UUID | None = None
    employee_external_id: str | None = None
    learning_item_id: uuid.UUID | None = None
    item_external_id: str | None = None
    completed_at: datetime | None = None


@strawberry.type
class LearningFeedback:
    plan_id: uuid.UUID
    learning_item_id: uuid.UUID
    rating: int
    comment: str
    given_at: datetime

    @classmethod
    def of(cls, feedback: Feedback) -> "LearningFeedback":
        return cls(
            plan_id=feedback.plan_id,
            learning_item_id=feedback.learning_item_id,
            rating=feedback.rating,
            comment=feedback.comment,
            given_at=feedback.given_at,
        )


@strawberry.type
class PlanQuery:
    @strawberry.field(description="The plans you may see.")
    async def development_plans(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        employee_id: uuid.UUID | None = None,
        status: PlanStatus | None = None,
    ) -> Connection[DevelopmentPlan]:
        context = info.context
        page = await plans.list_plans(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            employee_id=employee_id,
            status=status,
        )
        return Connection.of(page, DevelopmentPlan.of)

    @strawberry.field
    async def development_plan(self, info: Info, id: uuid.UUID) -> DevelopmentPlan:
        context = info.context
        return DevelopmentPlan.of(await plans.get_plan(context.uow(), context.actor, plan_id=id))

    @strawberry.field(description="The rating of a plan item, for whoever may see the plan.")
    async def learning_feedback(
        self, info: Info, plan_id: uuid.UUID, learning_item_id: uuid.UUID
    ) -> LearningFeedback:
        context = info.context
        found = await impact.learning_feedback(
            context.uow(), context.actor, plan_id=plan_id, learning_item_id=learning_item_id
        )
        return LearningFeedback.of(found)

    @strawberry.field(description="The tenant's plan settings.")
    async def plan_policy(self, info: Info) -> PlanPolicy:
        context = info.context
        return PlanPolicy.of(*await plans.get_policy(context.uow(), context.actor))

    @strawberry.field(
        description="Demand per required capability and what no active content covers."
    )
    async def training_needs(
        self,
        info: Info,
        group_by: GroupBy,
        ids: list[uuid.UUID] | None = None,
        whole_chain: bool = True,
    ) -> list[TrainingNeedsGroup]:
        context = info.context
        grouping = Grouping(by=group_by, ids=tuple(ids or ()), whole_chain=whole_chain)
        found = await plans.training_needs(context.uow(), context.actor, grouping=grouping)
        return [
            TrainingNeedsGroup(key=key, needs=[TrainingNeed(**vars(n)) for n in needs])
            for key, needs in sorted(found.items())
        ]


@strawberry.type
class PlanMutation:
    @strawberry.mutation(
        description="The plan's employee rates (1-5) an item they completed in it; sent again, "
        "it replaces the rating."
    )
    async def rate_learning(
        self,
        info: Info,
        plan_id: uuid.UUID,
        learning_item_id: uuid.UUID,
        rating: int,
        comment: str = "",
    ) -> LearningFeedback:
        context = info.context
        given = await impact.rate_learning(
            context.uow(),
            context.actor,
            plan_id=plan_id,
            learning_item_id=learning_item_id,
            rating=rating,
            comment=comment,
        )
        return LearningFeedback.of(given)

    @strawberry.mutation(
        description="Plans from each person's latest finalised assessment, for employees or "
        "whole groups; one result per person."
    )
    async def generate_plans(
        self,
        info: Info,
        employee_ids: list[uuid.UUID] | None = None,
        group_by: GroupBy | None = None,
        ids: list[uuid.UUID] | None = None,
        whole_chain: bool = True,
        budget: BudgetInput | None = None,
    ) -> list[GeneratedPlan]:
        context = info.context
        grouping = (
            None
            if group_by is None
            else Grouping(by=group_by, ids=tuple(ids or ()), whole_chain=whole_chain)
        )
        made = await plans.generate_plans(
            context.uow(),
            context.actor,
            employee_ids=employee_ids or (),
            grouping=grouping,
            budget=None if budget is None else Budget(budget.minutes, budget.cost),
        )
        return [
            GeneratedPlan(
                employee_id=g.employee_id,
                outcome=g.outcome,
                plan=None if g.plan is None else DevelopmentPlan.of(g.plan),
                open_gaps=[PlanOpenGap.of(gap) for gap in g.open_gaps],
            )
            for g in made
        ]

    @strawberry.mutation
    async def activate_plan(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> DevelopmentPlan:
        context = info.context
        plan = await plans.activate_plan(
            context.uow(), context.actor, plan_id=id, expected_version=expected_version
        )
        return DevelopmentPlan.of(plan)

    @strawberry.mutation
    async def cancel_plan(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> DevelopmentPlan:
        context = info.context
        plan = await plans.cancel_plan(
            context.uow(), context.actor, plan_id=id, expected_version=expected_version
        )
        return DevelopmentPlan.of(plan)

    @strawberry.mutation(description="Move a plan's due date (leads).")
    async def reschedule_plan(
        self, info: Info, id: uuid.UUID, due_date: date, expected_version: int | None = None
    ) -> DevelopmentPlan:
        context = info.context
        plan = await plans.reschedule_plan(
            context.uow(),
            context.actor,
            plan_id=id,
            due_date=due_date,
            expected_version=expected_version,
        )
        return DevelopmentPlan.of(plan)

    @strawberry.mutation(description="Start, complete, waive (leads) or reschedule an item.")
    async def update_plan_item(
        self,
        info: Info,
        plan_id: uuid.UUID,
        learning_item_id: uuid.UUID,
        status: PlanItemStatus | None = None,
        due_date: date | None = None,
        completion_id: str | None = None,
        expected_version: int | None = None,
    ) -> DevelopmentPlan:
        context = info.context
        plan = await plans.update_item(
            context.uow(),
            context.actor,
            plan_id=plan_id,
            learning_item_id=learning_item_id,
            status=status,
            due_date=due_date,
            completion_id=completion_id,
            expected_version=expected_version,
        )
        return DevelopmentPlan.of(plan)

    @strawberry.mutation(description="Report completed learning, each once by its id.")
    async def report_completions(
        self, info: Info, completions: list[CompletionInput]
    ) -> list[CompletionResult]:
        context = info.context
        results = await plans.report_completions(
            context.uow(),
            context.actor,
            reports=[CompletionReport(**vars(c)) for c in completions],
        )
        return [CompletionResult(**vars(r)) for r in results]

    @strawberry.mutation(description="Change the tenant's plan settings (hr_admin).")
    async def set_plan_policy(
        self,
        info: Info,
        generate_on_finalise: bool = DEFAULTS.generate_on_finalise,
        start_active: bool = DEFAULTS.start_active,
        due_in_days: int = DEFAULTS.due_in_days,
        reassess_after_days: int = DEFAULTS.reassess_after_days,
        budget: BudgetInput | None = None,
        expected_version: int | None = None,
    ) -> PlanPolicy:
        context = info.context
        chosen = budget or BudgetInput()
        policy, version = await plans.set_policy(
            context.uow(),
            context.actor,
            policy=DomainPlanPolicy(
                generate_on_finalise=generate_on_finalise,
                start_active=start_active,
                due_in_days=due_in_days,
                reassess_after_days=reassess_after_days,
                budget=Budget(chosen.minutes, chosen.cost),
            ),
            expected_version=expected_version,
        )
        return PlanPolicy.of(policy, version)
