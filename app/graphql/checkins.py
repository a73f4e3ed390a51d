"""GraphQL for check-in templates and the check-ins logged from them."""

import uuid
from datetime import date, datetime

import strawberry

from app.domain.checkins import AnswerInput, PlanItemRef, Question
from app.domain.checkins import Checkin as DomainCheckin
from app.domain.checkins import CheckinTemplate as DomainCheckinTemplate
from app.domain.values import UNSET
from app.graphql.context import Info
from app.graphql.learning import LearningItem
from app.graphql.pagination import Connection, page_request
from app.graphql.people import Employee
from app.services import checkins


@strawberry.type
class CheckinQuestion:
    key: str
    text: str


@strawberry.type
class CheckinTemplate:
    id: uuid.UUID
    name: str
    questions: list[CheckinQuestion]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, template: DomainCheckinTemplate) -> "CheckinTemplate":
        return cls(
            id=template.id,
            name=template.name,
            questions=[CheckinQuestion(key=q.key, text=q.text) for q in template.questions],
            active=template.active,
            version=template.version,
            created_at=template.created_at,
            updated_at=template.updated_at,
        )


@strawberry.type
class CheckinAnswer:
    key: str
    question: str = strawberry.field(description="The question as it was asked.")
    employee_answer: str | None
    manager_answer: str | None


@strawberry.type
class CheckinPlanItem:
    plan_id: uuid.UUID
    learning_item_id: uuid.UUID

    @strawberry.field
    async def learning_item(self, info: Info) -> LearningItem | None:
        found = await info.context.loaders.learning_item.load(self.learning_item_id)
        return None if found is None else LearningItem.of(found)


@strawberry.type
class Checkin:
    id: uuid.UUID
    employee_id: uuid.UUID
    manager_id: uuid.UUID | None
    template_id: uuid.UUID | None
    held_on: date
    answers: list[CheckinAnswer]
    goal_ids: list[uuid.UUID] = strawberry.field(description="The employee's goals discussed.")
    plan_items: list[CheckinPlanItem]
    logged_by: str
    created_at: datetime

    @classmethod
    def of(cls, checkin: DomainCheckin) -> "Checkin":
        return cls(
            id=checkin.id,
            employee_id=checkin.employee_id,
            manager_id=checkin.manager_id,
            template_id=checkin.template_id,
            held_on=checkin.held_on,
            answers=[CheckinAnswer(**vars(a)) for a in checkin.answers],
            goal_ids=list(checkin.goal_ids),
            plan_items=[
                CheckinPlanItem(plan_id=i.plan_id, learning_item_id=i.learning_item_id)
                for i in checkin.plan_items
            ],
            logged_by=checkin.logged_by,
            created_at=checkin.created_at,
        )

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def manager(self, info: Info) -> Employee | None:
        if self.manager_id is None:
            return None
        found = await info.context.loaders.employee.load(self.manager_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def template(self, info: Info) -> CheckinTemplate | None:
        if self.template_id is None:
            return None
        found = await info.context.loaders.checkin_template.load(self.template_id)
        return None if found is None else CheckinTemplate.of(found)


@strawberry.input
class CheckinQuestionInput:
    key: str
    text: str


@strawberry.input
class CheckinTemplateInput:
    name: str
    questions: list[CheckinQuestionInput]
    active: bool = True


@strawberry.input
class CheckinTemplateChanges:
    """Only the fields given change."""

    name: str | None = strawberry.UNSET
    questions: list[CheckinQuestionInput] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class CheckinAnswerInput:
    key: str
    question: str | None = strawberry.field(
        default=None, description="Only for a check-in without a template."
    )
    employee_answer: str | None = None
    manager_answer: str | None = None


@strawberry.input
class CheckinPlanItemInput:
    plan_id: uuid.UUID
    learning_item_id: uuid.UUID


@strawberry.input
class LogCheckinInput:
    employee_id: uuid.UUID
    held_on: date
    answers: list[CheckinAnswerInput]
    template_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = strawberry.field(
        default=None, description="By default the employee's manager."
    )
    goal_ids: list[uuid.UUID] = strawberry.field(default_factory=list)
    plan_items: list[CheckinPlanItemInput] = strawberry.field(default_factory=list)


@strawberry.type
class CheckinQuery:
    @strawberry.field(description="The tenant's check-in templates, oldest first.")
    async def checkin_templates(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        active: bool | None = None,
    ) -> Connection[CheckinTemplate]:
        context = info.context
        page = await checkins.list_templates(
            context.uow(), context.actor, page=page_request(first, after), active=active
        )
        return Connection.of(page, CheckinTemplate.of)

    @strawberry.field
    async def checkin_template(self, info: Info, id: uuid.UUID) -> CheckinTemplate:
        context = info.context
        template = await checkins.get_template(context.uow(), context.actor, template_id=id)
        return CheckinTemplate.of(template)

    @strawberry.field(description="The check-ins you may read, newest first.")
    async def checkins(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        employee_id: uuid.UUID | None = None,
    ) -> Connection[Checkin]:
        context = info.context
        page = await checkins.list_checkins(
            context.uow(), context.actor, page=page_request(first, after), employee_id=employee_id
        )
        return Connection.of(page, Checkin.of)

    @strawberry.field
    async def checkin(self, info: Info, id: uuid.UUID) -> Checkin:
        context = info.context
        return Checkin.of(await checkins.get_checkin(context.uow(), context.actor, checkin_id=id))


@strawberry.type
class CheckinMutation:
    @strawberry.mutation(description="Add a check-in template (hr_admin).")
    async def create_checkin_template(
        self, info: Info, input: CheckinTemplateInput
    ) -> CheckinTemplate:
        context = info.context
        template = await checkins.create_template(
            context.uow(),
            context.actor,
            name=input.name,
            questions=_questions(input.questions),
            active=input.active,
        )
        return CheckinTemplate.of(template)

    @strawberry.mutation(
        description="Change a check-in template (hr_admin); active=false retires it."
    )
    async def update_checkin_template(
        self,
        info: Info,
        id: uuid.UUID,
        changes: CheckinTemplateChanges,
        expected_version: int | None = None,
    ) -> CheckinTemplate:
        context = info.context
        template = await checkins.update_template(
            context.uow(),
            context.actor,
            template_id=id,
            name=UNSET if changes.name is strawberry.UNSET else (changes.name or ""),
            questions=UNSET
            if changes.questions is strawberry.UNSET
            else _questions(changes.questions or []),
            active=changes.active if isinstance(changes.active, bool) else UNSET,
            expected_version=expected_version,
        )
        return CheckinTemplate.of(template)

    @strawberry.mutation(
        description="Log a check-in (the employee, their managers, hr_admin); records "
        "checkin_logged."
    )
    async def log_checkin(self, info: Info, input: LogCheckinInput) -> Checkin:
        context = info.context
        checkin = await checkins.log_checkin(
            context.uow(),
            context.actor,
            employee_id=input.employee_id,
            held_on=input.held_on,
            answers=[AnswerInput(**vars(a)) for a in input.answers],
            template_id=input.template_id,
            manager_id=input.manager_id,
            goal_ids=input.goal_ids,
            plan_items=[PlanItemRef(p.plan_id, p.learning_item_id) for p in input.plan_items],
        )
        return Checkin.of(checkin)


def _questions(questions: list[CheckinQuestionInput]) -> list[Question]:
    return [Question(q.key, q.text) for q in questions]
