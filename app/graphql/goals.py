"""GraphQL for goals, their alignment and progress, and recognition."""

import uuid
from datetime import date, datetime

import strawberry

from app.domain.goals import Goal as DomainGoal
from app.domain.goals import GoalLevel as DomainGoalLevel
from app.domain.goals import GoalProgress as DomainGoalProgress
from app.domain.goals import GoalStatus as DomainGoalStatus
from app.domain.goals import Measure
from app.domain.recognitions import Recognition as DomainRecognition
from app.graphql.catalogue import Capability
from app.graphql.context import Info
from app.graphql.pagination import Connection, page_request
from app.graphql.people import Employee, OrgUnit
from app.services import goals, recognitions

GoalLevel = strawberry.enum(DomainGoalLevel, name="GoalLevel")
GoalStatus = strawberry.enum(DomainGoalStatus, name="GoalStatus")
_CLEARED_TO_EMPTY = ("title", "description", "kpi", "unit")


@strawberry.type
class GoalProgressUpdate:
    id: uuid.UUID
    goal_id: uuid.UUID
    value: float
    note: str
    recorded_by: str = strawberry.field(description="The credential that recorded it.")
    recorded_at: datetime

    @classmethod
    def of(cls, update: DomainGoalProgress) -> "GoalProgressUpdate":
        return cls(
            id=update.id,
            goal_id=update.goal_id,
            value=update.value,
            note=update.note,
            recorded_by=update.recorded_by,
            recorded_at=update.recorded_at,
        )


@strawberry.type
class Goal:
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
    current_value: float | None = strawberry.field(description="The latest progress value.")
    progress: float | None = strawberry.field(
        description="How far from the baseline to the target, 0 to 1 (clamped)."
    )
    due_date: date | None
    status: GoalStatus
    capability_ids: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, goal: DomainGoal) -> "Goal":
        return cls(**goal.fields())

    @strawberry.field(description="The goal it serves; null at the top or when hidden from you.")
    async def parent(self, info: Info) -> "Goal | None":
        if self.parent_id is None:
            return None
        found = await info.context.loaders.goal.load(self.parent_id)
        return None if found is None else Goal.of(found)

    @strawberry.field(description=f"The latest {goals.RECENT_PROGRESS} updates, oldest first.")
    async def progress_updates(self, info: Info) -> list[GoalProgressUpdate]:
        found = await info.context.loaders.goal_progress.load(self.id)
        return [GoalProgressUpdate.of(update) for update in found or []]

    @strawberry.field
    async def capabilities(self, info: Info) -> list[Capability]:
        found = await info.context.loaders.capability.load_many(self.capability_ids)
        return [Capability.of(capability) for capability in found if capability is not None]

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        if self.employee_id is None:
            return None
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def org_unit(self, info: Info) -> OrgUnit | None:
        if self.org_unit_id is None:
            return None
        found = await info.context.loaders.org_unit.load(self.org_unit_id)
        return None if found is None else OrgUnit.of(found)


@strawberry.type
class GoalAlignment:
    goal: Goal
    ancestors: list[Goal] = strawberry.field(
        description="The goals it serves, nearest first, up to the top of its tree."
    )
    hidden: int = strawberry.field(
        description="Goals of the chain left out: personal goals of people you may not see."
    )


@strawberry.type
class GoalProgressRecorded:
    goal: Goal
    update: GoalProgressUpdate


@strawberry.type
class Recognition:
    id: uuid.UUID
    employee_id: uuid.UUID
    given_by_id: uuid.UUID
    message: str
    capability_id: uuid.UUID | None
    goal_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, recognition: DomainRecognition) -> "Recognition":
        return cls(
            id=recognition.id,
            employee_id=recognition.employee_id,
            given_by_id=recognition.given_by,
            message=recognition.message,
            capability_id=recognition.capability_id,
            goal_id=recognition.goal_id,
            created_at=recognition.created_at,
        )

    @strawberry.field(description="Null when you may not see them.")
    async def employee(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)

    @strawberry.field(description="Null when you may not see them.")
    async def given_by(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.given_by_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        if self.capability_id is None:
            return None
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)

    @strawberry.field(description="Null when you may not see it.")
    async def goal(self, info: Info) -> Goal | None:
        if self.goal_id is None:
            return None
        found = await info.context.loaders.goal.load(self.goal_id)
        return None if found is None else Goal.of(found)


@strawberry.input(
    description="No employeeId and no orgUnitId: an organisation goal; orgUnitId: a team "
    "goal; employeeId: a personal goal."
)
class GoalInput:
    title: str
    employee_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    description: str = ""
    kpi: str = ""
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    due_date: date | None = None
    status: GoalStatus = DomainGoalStatus.DRAFT
    capability_ids: list[uuid.UUID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; null clears an optional one.")
class GoalChangesInput:
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    kpi: str | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    baseline: float | None = strawberry.UNSET
    target: float | None = strawberry.UNSET
    due_date: date | None = strawberry.UNSET
    status: GoalStatus | None = strawberry.UNSET
    parent_id: uuid.UUID | None = strawberry.UNSET
    capability_ids: list[uuid.UUID] | None = strawberry.UNSET

    def changes(self) -> dict[str, object]:
        given: dict[str, object] = {}
        for name, value in vars(self).items():
            if value is strawberry.UNSET:
                continue
            if value is None and name in _CLEARED_TO_EMPTY:
                value = ""  # the domain refuses an empty title, with the field's path
            elif value is None and name == "capability_ids":
                value = ()
            given[name] = value
        return given


@strawberry.type
class GoalQuery:
    @strawberry.field(
        description="Every organisation and team goal, and the personal goals of the people "
        "you may see, oldest first."
    )
    async def goals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        employee_id: uuid.UUID | None = None,
        org_unit_id: uuid.UUID | None = None,
        parent_id: uuid.UUID | None = None,
        level: GoalLevel | None = None,
        status: GoalStatus | None = None,
    ) -> Connection[Goal]:
        context = info.context
        page = await goals.list_goals(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            employee_id=employee_id,
            org_unit_id=org_unit_id,
            parent_id=parent_id,
            level=level,
            status=status,
        )
        return Connection.of(page, Goal.of)

    @strawberry.field
    async def goal(self, info: Info, id: uuid.UUID) -> Goal:
        context = info.context
        return Goal.of(await goals.get_goal(context.uow(), context.actor, goal_id=id))

    @strawberry.field(description="The chain of goals a goal serves, up to the organisation.")
    async def goal_alignment(self, info: Info, id: uuid.UUID) -> GoalAlignment:
        context = info.context
        found = await goals.goal_alignment(context.uow(), context.actor, goal_id=id)
        return GoalAlignment(
            goal=Goal.of(found.goal),
            ancestors=[Goal.of(goal) for goal in found.ancestors],
            hidden=found.hidden,
        )

    @strawberry.field(description="Recognition you may see, newest first.")
    async def recognitions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        employee_id: uuid.UUID | None = None,
        given_by: uuid.UUID | None = None,
    ) -> Connection[Recognition]:
        context = info.context
        page = await recognitions.list_recognitions(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            employee_id=employee_id,
            given_by=given_by,
        )
        return Connection.of(page, Recognition.of)


@strawberry.type
class GoalMutation:
    @strawberry.mutation(description="Set a goal for the organisation, a team or a person.")
    async def create_goal(self, info: Info, input: GoalInput) -> Goal:
        context = info.context
        goal = await goals.create_goal(
            context.uow(),
            context.actor,
            title=input.title,
            employee_id=input.employee_id,
            org_unit_id=input.org_unit_id,
            parent_id=input.parent_id,
            description=input.description,
            measure=Measure(input.kpi, input.unit, input.baseline, input.target),
            due_date=input.due_date,
            status=input.status,
            capability_ids=input.capability_ids,
        )
        return Goal.of(goal)

    @strawberry.mutation(description="Change a goal, move it on, or align it elsewhere.")
    async def update_goal(
        self,
        info: Info,
        id: uuid.UUID,
        changes: GoalChangesInput,
        expected_version: int | None = None,
    ) -> Goal:
        context = info.context
        goal = await goals.update_goal(
            context.uow(),
            context.actor,
            goal_id=id,
            expected_version=expected_version,
            **changes.changes(),
        )
        return Goal.of(goal)

    @strawberry.mutation(description="Record the KPI's value now; a draft goal becomes active.")
    async def record_goal_progress(
        self,
        info: Info,
        id: uuid.UUID,
        value: float,
        note: str = "",
        expected_version: int | None = None,
    ) -> GoalProgressRecorded:
        context = info.context
        goal, update = await goals.record_progress(
            context.uow(),
            context.actor,
            goal_id=id,
            value=value,
            note=note,
            expected_version=expected_version,
        )
        return GoalProgressRecorded(goal=Goal.of(goal), update=GoalProgressUpdate.of(update))

    @strawberry.mutation(description="Recognise an employee (not yourself).")
    async def recognise(
        self,
        info: Info,
        employee_id: uuid.UUID,
        message: str,
        capability_id: uuid.UUID | None = None,
        goal_id: uuid.UUID | None = None,
    ) -> Recognition:
        context = info.context
        given = await recognitions.recognise(
            context.uow(),
            context.actor,
            employee_id=employee_id,
            message=message,
            capability_id=capability_id,
            goal_id=goal_id,
        )
        return Recognition.of(given)
