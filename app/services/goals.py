"""Goal use cases: setting goals, aligning them, changing them, recording their progress.

Who may do what. Organisation and team goals are everyone's to read in the tenant (alignment
is meant to be seen) and hr_admin's to set and change. A personal goal is visible to whoever
may see its employee (the employee, their managers, hr_admin, integrations) and set or changed
by the employee, a manager above them, or hr_admin; others get NotFound when they may not see
it, Forbidden when they may see but not change it. Progress may also come from an integration
(a KPI feed), on any goal. Integrations otherwise only read.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date

from app.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from app.domain.goals import (
    MAX_CAPABILITIES,
    Goal,
    GoalFilter,
    GoalLevel,
    GoalProgress,
    GoalStatus,
    Measure,
    Parent,
    level_of,
    unknown_capabilities,
)
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.people import EmployeeStatus
from app.domain.ports import UnitOfWork
from app.domain.values import UNSET, Unset
from app.services import utcnow
from app.services.employees import led_employee, visible_employees
from app.services.guards import caller_id, check_not_past, check_version

_NOT_YOUR_GOALS = "Only the employee, their managers or hr_admin set their goals."

RECENT_PROGRESS = 100
"""Progress updates shown nested in a goal (GraphQL); the REST list pages through them all."""


async def create_goal(
    uow: UnitOfWork,
    actor: Actor,
    *,
    title: str,
    employee_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    description: str = "",
    measure: Measure | None = None,
    due_date: date | None = None,
    status: GoalStatus = GoalStatus.DRAFT,
    capability_ids: Sequence[uuid.UUID] = (),
) -> Goal:
    """A goal for the organisation (no employee, no org unit), a team (an org unit) or a
    person (an employee), aligned under `parent_id` if given. Raises Forbidden, NotFound (the
    employee), InvalidInput (an unknown org unit, parent or capability; a broken rule)."""
    now = utcnow()
    if level_of(employee_id, org_unit_id) is not GoalLevel.PERSON:
        _require_hr_admin(actor)
    check_not_past(due_date, "due_date")
    async with uow:
        if employee_id is not None:
            employee = await led_employee(uow, actor, employee_id, refusal=_NOT_YOUR_GOALS)
            if employee.profile.status is not EmployeeStatus.ACTIVE:
                raise InvalidInput(
                    "The employee is not active.",
                    [FieldError("employee_id", "Set goals for active employees.")],
                )
        elif org_unit_id is not None and not await uow.org_units.existing(
            actor.tenant_id, [org_unit_id]
        ):
            raise InvalidInput(
                "The org unit does not exist.", [FieldError("org_unit_id", "No unit has this id.")]
            )
        parent = await _parent(uow, actor, parent_id)
        await _check_capabilities(uow, actor, capability_ids)
        goal = Goal.create(
            actor.tenant_id,
            employee_id=employee_id,
            org_unit_id=org_unit_id,
            parent=parent,
            title=title,
            description=description,
            measure=measure,
            due_date=due_date,
            status=status,
            capability_ids=capability_ids,
            now=now,
        )
        await uow.goals.add(goal)
        await uow.commit()
    return goal


async def get_goal(uow: UnitOfWork, actor: Actor, *, goal_id: uuid.UUID) -> Goal:
    """Raises NotFound."""
    async with uow:
        return await _visible(uow, actor, goal_id)


async def list_goals(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    employee_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    level: GoalLevel | None = None,
    status: GoalStatus | None = None,
) -> Page[Goal]:
    """The goals the caller may see, oldest first: every organisation and team goal, and the
    personal goals of the people they may see."""
    criteria = _visible_filter(
        actor,
        GoalFilter(
            employee_id=employee_id,
            org_unit_id=org_unit_id,
            parent_id=parent_id,
            level=level,
            status=status,
        ),
    )
    async with uow:
        return await uow.goals.list(actor.tenant_id, page, criteria)


async def update_goal(
    uow: UnitOfWork,
    actor: Actor,
    *,
    goal_id: uuid.UUID,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    kpi: str | Unset = UNSET,
    unit: str | Unset = UNSET,
    baseline: float | Unset | None = UNSET,
    target: float | Unset | None = UNSET,
    due_date: date | Unset | None = UNSET,
    status: GoalStatus | Unset | None = UNSET,
    parent_id: uuid.UUID | Unset | None = UNSET,
    capability_ids: Sequence[uuid.UUID] | Unset = UNSET,
    expected_version: int | None = None,
) -> Goal:
    """Change the fields given; the owner (person, team, organisation) stays. A change that
    changes nothing keeps the version. Raises NotFound, Forbidden, PreconditionFailed,
    InvalidTransition (a closed goal, a status move the lifecycle does not allow),
    InvalidInput."""
    if status is None:
        raise InvalidInput(
            "The goal is not valid.", [FieldError("status", "A goal always has a status.")]
        )
    now = utcnow()
    async with uow:
        if not isinstance(parent_id, Unset):
            await uow.goals.lock_alignment(actor.tenant_id)
        await uow.goals.lock(actor.tenant_id, goal_id)
        goal = await _visible(uow, actor, goal_id)
        await _require_goal_writer(uow, actor, goal)
        check_version("goal", goal.version, expected_version)
        if not isinstance(due_date, Unset) and due_date != goal.due_date:
            check_not_past(due_date, "due_date")
        parent: Parent | Unset | None = UNSET
        if not isinstance(parent_id, Unset) and parent_id != goal.parent_id:
            parent = await _parent(uow, actor, parent_id)
        if not isinstance(capability_ids, Unset):
            await _check_capabilities(uow, actor, capability_ids, goal.capability_ids)
        measured = {"kpi": kpi, "unit": unit, "baseline": baseline, "target": target}
        measure = replace(
            goal.measure, **{k: v for k, v in measured.items() if not isinstance(v, Unset)}
        )
        revised = goal.revise(
            now,
            title=title,
            description=description,
            measure=measure,
            due_date=due_date,
            status=status,
            parent=parent,
            capability_ids=capability_ids,
        )
        if revised is goal:
            return goal
        await uow.goals.save(revised, previous_version=goal.version)
        await uow.commit()
    return revised


async def record_progress(
    uow: UnitOfWork,
    actor: Actor,
    *,
    goal_id: uuid.UUID,
    value: float,
    note: str = "",
    expected_version: int | None = None,
) -> tuple[Goal, GoalProgress]:
    """Record the KPI's value now: it becomes the goal's current value, and a draft goal
    becomes active. Returns the goal and the update. Raises NotFound, Forbidden,
    PreconditionFailed, InvalidTransition (a closed goal), InvalidInput."""
    now = utcnow()
    async with uow:
        await uow.goals.lock(actor.tenant_id, goal_id)
        goal = await _visible(uow, actor, goal_id)
        if not actor.has_any(Role.INTEGRATION):
            await _require_goal_writer(uow, actor, goal)
        check_version("goal", goal.version, expected_version)
        moved, update = goal.record_progress(value, note, caller_id(actor), now)
        await uow.goals.save(moved, previous_version=goal.version)
        await uow.goals.add_progress(update)
        await uow.commit()
    return moved, update


async def list_progress(
    uow: UnitOfWork, actor: Actor, *, goal_id: uuid.UUID, page: PageRequest
) -> Page[GoalProgress]:
    """The goal's progress updates, oldest first. Raises NotFound."""
    async with uow:
        await _visible(uow, actor, goal_id)
        return await uow.goals.progress(actor.tenant_id, goal_id, page)


@dataclass(frozen=True)
class Alignment:
    goal: Goal
    ancestors: list[Goal]
    """The goals above it that the caller may see, nearest first."""
    hidden: int
    """Goals in the chain left out: personal goals of people the caller may not see."""


async def goal_alignment(uow: UnitOfWork, actor: Actor, *, goal_id: uuid.UUID) -> Alignment:
    """The chain of goals the goal serves, up to the top. Raises NotFound."""
    async with uow:
        goal = await _visible(uow, actor, goal_id)
        chain = await uow.goals.ancestors(actor.tenant_id, goal_id)
        shown = await _only_visible(uow, actor, chain)
    return Alignment(goal, shown, len(chain) - len(shown))


async def goals_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Goal]:
    """Those of the goals the caller may see (a batch lookup for DataLoaders)."""
    async with uow:
        found = await uow.goals.get_many(actor.tenant_id, ids)
        return {goal.id: goal for goal in await _only_visible(uow, actor, found)}


async def recent_progress_by_goal(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[GoalProgress]]:
    """Per goal the caller may see, its latest updates, oldest first (a batch lookup)."""
    async with uow:
        found = await uow.goals.get_many(actor.tenant_id, ids)
        shown = [goal.id for goal in await _only_visible(uow, actor, found)]
        progress = await uow.goals.recent_progress(actor.tenant_id, shown, RECENT_PROGRESS)
    return {goal_id: progress.get(goal_id, []) for goal_id in shown}


def _visible_filter(actor: Actor, criteria: GoalFilter) -> GoalFilter:
    if actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        return criteria
    if actor.employee_id is None:
        return replace(criteria, no_personal=True)
    return replace(
        criteria, people_visible_to=actor.employee_id, managing=actor.has_any(Role.MANAGER)
    )


async def _visible(uow: UnitOfWork, actor: Actor, goal_id: uuid.UUID) -> Goal:
    goal = await uow.goals.get(actor.tenant_id, goal_id)
    if goal is None or not await _only_visible(uow, actor, [goal]):
        raise NotFound("Goal", goal_id)
    return goal


async def _only_visible(uow: UnitOfWork, actor: Actor, found: Sequence[Goal]) -> list[Goal]:
    """Those of the goals the caller may see, in their order, with one query at most."""
    people = {goal.employee_id for goal in found if goal.employee_id is not None}
    seen = await visible_employees(uow, actor, people) if people else {}
    return [goal for goal in found if goal.employee_id is None or goal.employee_id in seen]


async def _parent(uow: UnitOfWork, actor: Actor, parent_id: uuid.UUID | None) -> Parent | None:
    """The prospective parent with the chain above it; InvalidInput unless the caller may
    see it."""
    if parent_id is None:
        return None
    found = await uow.goals.get(actor.tenant_id, parent_id)
    if found is None or not await _only_visible(uow, actor, [found]):
        raise InvalidInput(
            "The parent goal does not exist.",
            [FieldError("parent_id", "No goal you may see has this id.")],
        )
    above = await uow.goals.ancestors(actor.tenant_id, parent_id)
    return Parent(found.id, found.level, tuple(goal.id for goal in above))


async def _check_capabilities(
    uow: UnitOfWork,
    actor: Actor,
    capability_ids: Sequence[uuid.UUID],
    linked: Collection[uuid.UUID] = (),
) -> None:
    """InvalidInput naming each capability that is not a published one of the tenant; those
    the goal is `linked` to already stay acceptable (their framework may have moved on)."""
    if len(capability_ids) > MAX_CAPABILITIES:
        raise InvalidInput(
            "The goal is not valid.", [FieldError("capability_ids", f"At most {MAX_CAPABILITIES}.")]
        )
    wanted = set(capability_ids) - set(linked)
    if not wanted:
        return
    found = await uow.capabilities.get_many(actor.tenant_id, wanted)
    known = {c.id for c in found} | set(linked)
    errors = unknown_capabilities(capability_ids, known)
    if errors:
        raise InvalidInput("Some capabilities do not exist.", errors)


async def _require_goal_writer(uow: UnitOfWork, actor: Actor, goal: Goal) -> None:
    if goal.employee_id is None:
        _require_hr_admin(actor)
    else:
        await led_employee(uow, actor, goal.employee_id, refusal=_NOT_YOUR_GOALS)


def _require_hr_admin(actor: Actor) -> None:
    if not actor.has_any(Role.HR_ADMIN):
        raise Forbidden("Organisation and team goals are set by hr_admin.")
