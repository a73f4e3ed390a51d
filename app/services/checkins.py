"""Check-in use cases: the tenant's templates of questions, and the check-ins logged.

Who may do what: hr_admin writes templates; everyone in the tenant reads them. A check-in is
logged by the employee themself, a manager above them, or hr_admin, who sends both sides'
answers; it is read by the same people (a performance conversation is not for integrations).
Others get NotFound for a check-in, Forbidden for logging one about someone they can see
but do not lead. Logging records checkin_logged, which a workflow's event trigger can react
to (opening an assessment, say).
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date

from app.domain.checkins import (
    AnswerInput,
    Checkin,
    CheckinFilter,
    CheckinTemplate,
    PlanItemRef,
    Question,
    too_many_links,
)
from app.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from app.domain.events import DomainEvent, EventType
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.values import UNSET, Unset
from app.services import utcnow
from app.services.employees import led_employee, visible_employees
from app.services.guards import caller_id, check_version

PARTICIPANTS = (Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE)


async def create_template(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    questions: Sequence[Question],
    active: bool = True,
) -> CheckinTemplate:
    """Raises Forbidden, InvalidInput, Conflict (the name is taken)."""
    actor.require_any(Role.HR_ADMIN)
    template = CheckinTemplate.create(
        actor.tenant_id, name=name, questions=questions, active=active, now=utcnow()
    )
    async with uow:
        await _refuse_taken_name(uow, template)
        await uow.checkins.add_template(template)
        await uow.commit()
    return template


async def get_template(uow: UnitOfWork, actor: Actor, *, template_id: uuid.UUID) -> CheckinTemplate:
    """Raises NotFound."""
    async with uow:
        template = await uow.checkins.get_template(actor.tenant_id, template_id)
    if template is None:
        raise NotFound("Check-in template", template_id)
    return template


async def list_templates(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest, active: bool | None = None
) -> Page[CheckinTemplate]:
    """The tenant's templates, oldest first."""
    async with uow:
        return await uow.checkins.list_templates(actor.tenant_id, page, active=active)


async def update_template(
    uow: UnitOfWork,
    actor: Actor,
    *,
    template_id: uuid.UUID,
    name: str | Unset = UNSET,
    questions: Sequence[Question] | Unset = UNSET,
    active: bool | Unset = UNSET,
    expected_version: int | None = None,
) -> CheckinTemplate:
    """Change the fields given; deactivate with active=false (templates are never deleted:
    check-ins refer to them). Check-ins logged before keep the questions as they were asked.
    Raises Forbidden, NotFound, InvalidInput, Conflict (the name is taken),
    PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        template = await uow.checkins.get_template(actor.tenant_id, template_id)
        if template is None:
            raise NotFound("Check-in template", template_id)
        check_version("check-in template", template.version, expected_version)
        revised = template.revise(name=name, questions=questions, active=active, now=utcnow())
        if revised is template:
            return template
        if revised.name != template.name:
            await _refuse_taken_name(uow, revised)
        await uow.checkins.save_template(revised, previous_version=template.version)
        await uow.commit()
    return revised


async def templates_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, CheckinTemplate]:
    """For DataLoaders: the tenant's templates among `ids`."""
    async with uow:
        found = await uow.checkins.templates_by_ids(actor.tenant_id, ids)
    return {template.id: template for template in found}


async def log_checkin(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: uuid.UUID,
    held_on: date,
    answers: Sequence[AnswerInput],
    template_id: uuid.UUID | None = None,
    manager_id: uuid.UUID | None = None,
    goal_ids: Sequence[uuid.UUID] = (),
    plan_items: Sequence[PlanItemRef] = (),
) -> Checkin:
    """Record a check-in about the employee, with the manager (by default the employee's
    current one), the answers to the template's questions (or, without a template, to the
    questions sent), and the employee's goals and plan items discussed; and record
    checkin_logged in the same transaction. Raises Forbidden, NotFound (the employee),
    InvalidInput (naming each field: a template, manager, goal or plan item that is not
    there or not the employee's, and the answers' rules)."""
    actor.require_any(*PARTICIPANTS)
    now = utcnow()
    async with uow:
        employee = await led_employee(
            uow,
            actor,
            employee_id,
            refusal="Only the employee, their managers or hr_admin log their check-ins.",
        )
        errors = too_many_links(goal_ids=goal_ids, plan_items=plan_items)
        if errors:
            raise InvalidInput("The check-in is not valid.", errors)
        template = None
        if template_id is not None:
            template = await uow.checkins.get_template(actor.tenant_id, template_id)
            if template is None:
                errors.append(FieldError("template_id", "No check-in template has this id."))
        if manager_id is not None and manager_id not in (employee_id, employee.manager_id):
            errors += await _manager_problems(uow, actor, employee_id, manager_id)
        errors += await _foreign_links(uow, actor, employee_id, goal_ids, plan_items)
        if template_id is not None and template is None:
            # The answers cannot be checked against questions nobody can see.
            raise InvalidInput("The check-in is not valid.", errors)
        try:
            checkin = Checkin.log(
                actor.tenant_id,
                employee_id=employee_id,
                manager_id=manager_id or employee.manager_id,
                template=template,
                held_on=held_on,
                answers=answers,
                goal_ids=goal_ids,
                plan_items=plan_items,
                logged_by=caller_id(actor),
                now=now,
            )
        except InvalidInput as invalid:
            raise InvalidInput(invalid.detail, invalid.errors + errors) from None
        if errors:
            raise InvalidInput("The check-in is not valid.", errors)
        await uow.checkins.add(checkin)
        await uow.events.record(
            [
                DomainEvent.of(
                    actor.tenant_id,
                    EventType.CHECKIN_LOGGED,
                    now,
                    employee_id=employee_id,
                    subject_id=checkin.id,
                    data={"held_on": held_on.isoformat()},
                )
            ]
        )
        await uow.commit()
    return checkin


async def get_checkin(uow: UnitOfWork, actor: Actor, *, checkin_id: uuid.UUID) -> Checkin:
    """Raises NotFound (also for check-ins the caller may not read)."""
    async with uow:
        checkin = await uow.checkins.get(actor.tenant_id, checkin_id)
        if (
            checkin is None
            or not actor.has_any(*PARTICIPANTS)
            or not await visible_employees(uow, actor, [checkin.employee_id])
        ):
            raise NotFound("Check-in", checkin_id)
    return checkin


async def list_checkins(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest, employee_id: uuid.UUID | None = None
) -> Page[Checkin]:
    """The check-ins the caller may read, newest first: everyone's for hr_admin, a manager's
    own and their reports', an employee's own."""
    criteria = CheckinFilter(employee_id=employee_id)
    if not actor.has_any(Role.HR_ADMIN):
        if actor.employee_id is None or not actor.has_any(*PARTICIPANTS):
            return Page([], (), False)
        if actor.has_any(Role.MANAGER):
            criteria = replace(criteria, visible_to_manager=actor.employee_id)
        else:
            criteria = replace(criteria, only_employee=actor.employee_id)
    async with uow:
        return await uow.checkins.list(actor.tenant_id, page, criteria)


async def _manager_problems(
    uow: UnitOfWork, actor: Actor, employee_id: uuid.UUID, manager_id: uuid.UUID
) -> list[FieldError]:
    """A manager other than the employee's own must be above them in the reporting line;
    hr_admin, who records conversations for anyone, may name any employee."""
    if actor.has_any(Role.HR_ADMIN):
        if await uow.employees.existing(actor.tenant_id, [manager_id]):
            return []
        return [FieldError("manager_id", "No employee has this id.")]
    if manager_id in await uow.employees.chain_up(actor.tenant_id, employee_id):
        return []
    return [FieldError("manager_id", "Name a manager above the employee in the reporting line.")]


async def _foreign_links(
    uow: UnitOfWork,
    actor: Actor,
    employee_id: uuid.UUID,
    goal_ids: Sequence[uuid.UUID],
    plan_items: Sequence[PlanItemRef],
) -> list[FieldError]:
    own_goals = await uow.checkins.goals_of(actor.tenant_id, employee_id, goal_ids)
    own_items = await uow.checkins.plan_items_of(actor.tenant_id, employee_id, plan_items)
    return [
        FieldError(f"goal_ids.{index}", "The employee has no goal with this id.")
        for index, goal in enumerate(goal_ids)
        if goal not in own_goals
    ] + [
        FieldError(f"plan_items.{index}", "No plan of the employee has this item.")
        for index, item in enumerate(plan_items)
        if item not in own_items
    ]


async def _refuse_taken_name(uow: UnitOfWork, template: CheckinTemplate) -> None:
    taken = await uow.checkins.template_named(template.tenant_id, template.name)
    if taken is not None and taken != template.id:
        raise Conflict(f"A check-in template named {template.name!r} exists already.")
