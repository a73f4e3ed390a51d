"""Development plan use cases: generation, the lifecycle, completions, training needs.

Who may do what: hr_admin plans for anyone; a manager for the people below them. A plan is
visible to whoever may see its employee (the employee, their managers, hr_admin,
integrations); others get NotFound. The employee starts their own draft and reports progress
on its items; waiving an item, cancelling and rescheduling are for leads. Completions come from
the employee, their managers, hr_admin or an integration (an LMS).
"""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.assessments import Assessment, Purpose, RaterType
from app.domain.development import (
    Candidate,
    ItemStatus,
    Need,
    Outcome,
    Plan,
    PlanPolicy,
    PlanStatus,
    budget_problems,
    outcome_before_proposal,
    outcome_of,
    sorted_by_demand,
)
from app.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from app.domain.events import DomainEvent, EventType, driven_by
from app.domain.gaps import employee_gaps
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.people import EmployeeStatus
from app.domain.plans import Budget, OpenGap, PlanProposal, catalogue_reach, propose_plan
from app.domain.ports import UnitOfWork
from app.domain.values import check_reference
from app.domain.views import EmployeeFilter, Grouping, PlanFilter
from app.services import utcnow
from app.services.employees import visible_employees
from app.services.gaps import check_grouping, cohorts_of, require_roll_up_access
from app.services.guards import check_not_past, check_version

MAX_EMPLOYEES = 1_000
MAX_COMPLETIONS = 1_000


async def get_policy(uow: UnitOfWork, actor: Actor) -> tuple[PlanPolicy, int]:
    """The tenant's plan settings and their version (0: the defaults, never changed)."""
    async with uow:
        stored = await uow.plans.policy(actor.tenant_id)
    return stored if stored is not None else (PlanPolicy(), 0)


async def set_policy(
    uow: UnitOfWork, actor: Actor, *, policy: PlanPolicy, expected_version: int | None = None
) -> tuple[PlanPolicy, int]:
    """Raises Forbidden, InvalidInput, PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    errors = policy.problems()
    if errors:
        raise InvalidInput("The plan settings are not valid.", errors)
    async with uow:
        stored = await uow.plans.policy(actor.tenant_id)
        version = 0 if stored is None else stored[1]
        check_version("plan policy", version, expected_version)
        await uow.plans.save_policy(actor.tenant_id, policy, version + 1, utcnow())
        await uow.commit()
    return policy, version + 1


@dataclass(frozen=True)
class Generated:
    """What generation did for one employee."""

    employee_id: uuid.UUID
    outcome: Outcome
    plan: Plan | None = None
    open_gaps: tuple[OpenGap, ...] = ()


async def generate_plans(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_ids: Sequence[uuid.UUID] = (),
    grouping: Grouping | None = None,
    budget: Budget | None = None,
) -> list[Generated]:
    """Plans from each employee's latest finalised assessment, for the listed employees or
    everyone active in the groups, in a fixed number of statements however many there are.
    A draft from an older assessment is replaced; an active plan is kept. `budget` overrides
    the tenant's. Raises Forbidden, NotFound (a cohort), InvalidInput, Conflict (a concurrent
    generation for the same people: retry)."""
    errors = budget_problems(budget or Budget())
    if bool(employee_ids) == (grouping is not None):
        errors.append(FieldError("employee_ids", "Give either employee ids or a group."))
    if len(employee_ids) > MAX_EMPLOYEES:
        errors.append(FieldError("employee_ids", f"At most {MAX_EMPLOYEES}; plan for a group."))
    if errors:
        raise InvalidInput("The plan request is not valid.", errors)
    actor.require_any(Role.HR_ADMIN, Role.MANAGER)
    now = utcnow()
    async with uow:
        if grouping is not None:
            check_grouping(grouping)
            await require_roll_up_access(uow, actor, grouping)
            cohorts = await cohorts_of(uow, actor, grouping)
            wanted = await uow.gaps.member_ids(actor.tenant_id, grouping, cohorts)
            allowed = set(wanted)
        else:
            wanted = list(dict.fromkeys(employee_ids))
            allowed = await _plannable(uow, actor, wanted)
        policy = await _policy(uow, actor.tenant_id)
        if budget is not None:
            policy = replace(policy, budget=budget)
        made = await _generate(
            uow, actor.tenant_id, [e for e in wanted if e in allowed], policy, now
        )
        await uow.commit()
    return [made.get(e) or Generated(e, Outcome.NOT_FOUND) for e in wanted]


async def plan_after_finalising(uow: UnitOfWork, assessment: Assessment, now: datetime) -> None:
    """Inside the unit of work that finalised `assessment`: generate the employee's plan when
    the workflow driving the assessment plans after this round, or, for an assessment no
    workflow drives, when the tenant wants plans on finalisation."""
    policy = await _policy(uow, assessment.tenant_id)
    wanted = policy.generate_on_finalise
    lineage = await uow.assessments.workflow_rounds(assessment.tenant_id, [assessment.id])
    if assessment.id in lineage:
        workflow_id, round_number = lineage[assessment.id]
        workflow = await uow.workflows.get(assessment.tenant_id, workflow_id)
        wanted = workflow is not None and workflow.definition.plans_after(round_number)
    if wanted:
        await _generate(uow, assessment.tenant_id, [assessment.employee_id], policy, now)


async def get_plan(uow: UnitOfWork, actor: Actor, *, plan_id: uuid.UUID) -> Plan:
    """Raises NotFound."""
    async with uow:
        return await visible_plan(uow, actor, plan_id)


async def list_plans(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    employee_id: uuid.UUID | None = None,
    status: PlanStatus | None = None,
) -> Page[Plan]:
    """The plans the caller may see: everyone's for hr_admin and integrations, a manager's own
    and their reports', an employee's own."""
    criteria = PlanFilter(employee_id, None if status is None else status.value)
    if not actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        if actor.employee_id is None:
            return Page([], (), False)
        if actor.has_any(Role.MANAGER):
            criteria = replace(criteria, visible_to_manager=actor.employee_id)
        else:
            criteria = replace(criteria, only_employee=actor.employee_id)
    async with uow:
        return await uow.plans.list(actor.tenant_id, page, criteria)


async def activate_plan(
    uow: UnitOfWork, actor: Actor, *, plan_id: uuid.UUID, expected_version: int | None = None
) -> Plan:
    """Start a draft plan: its employee or a lead. Raises NotFound, Forbidden,
    InvalidTransition, PreconditionFailed."""
    return await _change(
        uow,
        actor,
        plan_id,
        expected_version,
        lambda plan, now: plan.activate(now),
        leads_only=False,
    )


async def cancel_plan(
    uow: UnitOfWork, actor: Actor, *, plan_id: uuid.UUID, expected_version: int | None = None
) -> Plan:
    """Raises NotFound, Forbidden (not a lead), InvalidTransition, PreconditionFailed."""
    return await _change(uow, actor, plan_id, expected_version, lambda plan, now: plan.cancel(now))


async def reschedule_plan(
    uow: UnitOfWork,
    actor: Actor,
    *,
    plan_id: uuid.UUID,
    due_date: date,
    expected_version: int | None = None,
) -> Plan:
    """Move the plan's due date (leads). Raises NotFound, Forbidden, InvalidInput,
    InvalidTransition, PreconditionFailed."""
    check_not_past(due_date, "due_date")
    return await _change(
        uow, actor, plan_id, expected_version, lambda plan, now: plan.reschedule(due_date, now)
    )


async def update_item(
    uow: UnitOfWork,
    actor: Actor,
    *,
    plan_id: uuid.UUID,
    learning_item_id: uuid.UUID,
    status: ItemStatus | None = None,
    due_date: date | None = None,
    completion_id: str | None = None,
    expected_version: int | None = None,
) -> Plan:
    """Move one item on; the plan completes (and its re-assessment is scheduled) when its last
    item is done. The employee may start and complete their items; waiving and due dates are
    for leads. Raises NotFound, Forbidden, InvalidInput, InvalidTransition, Conflict,
    PreconditionFailed."""
    if due_date is not None:
        check_not_past(due_date, "due_date")
    leads_only = status is ItemStatus.WAIVED or due_date is not None
    return await _change(
        uow,
        actor,
        plan_id,
        expected_version,
        lambda plan, now: plan.update_item(
            learning_item_id, now, status=status, due_date=due_date, completion_id=completion_id
        ),
        leads_only=leads_only,
    )


@dataclass(frozen=True)
class CompletionReport:
    """One completion as a reporting system knows it: its own id, the person, the item."""

    completion_id: str
    employee_id: uuid.UUID | None = None
    employee_external_id: str | None = None
    learning_item_id: uuid.UUID | None = None
    item_external_id: str | None = None
    completed_at: datetime | None = None


class CompletionStatus(StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    NOT_IN_PLAN = "not_in_plan"
    """The person has no open plan with this item: reported, nothing changed."""
    UNKNOWN_EMPLOYEE = "unknown_employee"
    UNKNOWN_ITEM = "unknown_item"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass(frozen=True)
class CompletionResult:
    index: int
    status: CompletionStatus
    plan_id: uuid.UUID | None = None
    detail: str | None = None


async def report_completions(
    uow: UnitOfWork, actor: Actor, *, reports: Sequence[CompletionReport]
) -> list[CompletionResult]:
    """Record completed learning against the people's open plans, each report once by its
    completion id, in one transaction with a result per report. Plans whose last item this
    completes are completed and their re-assessment scheduled. Raises InvalidInput (too many,
    or one completion id twice in the batch)."""
    if len(reports) > MAX_COMPLETIONS:
        raise InvalidInput(
            "Too many completions.", [FieldError("completions", f"At most {MAX_COMPLETIONS}.")]
        )
    reports, invalid = _normalised(reports)
    seen: dict[str, int] = {}
    for index, report in enumerate(reports):
        if index in invalid:
            continue
        if report.completion_id in seen:
            raise InvalidInput(
                "A completion id appears twice in the batch.",
                [FieldError(f"completions.{index}.completion_id", "Listed twice.")],
            )
        seen[report.completion_id] = index
    async with uow:
        results = await record_completions(uow, actor, reports, invalid)
        await uow.commit()
    return results


async def record_completions(
    uow: UnitOfWork,
    actor: Actor,
    reports: Sequence[CompletionReport],
    invalid: Mapping[int, str],
) -> list[CompletionResult]:
    """Inside an open unit of work: report_completions for reports already checked (`invalid`
    says which are unusable, and why); the caller commits."""
    now = utcnow()
    tenant = actor.tenant_id
    people = await _resolve_people(uow, actor, reports)
    items = await _resolve_items(uow, actor, reports)
    recorded = await uow.plans.completions(
        tenant, {r.completion_id for i, r in enumerate(reports) if i not in invalid}
    )
    plans = await uow.plans.open_plans(tenant, set(people.values()), lock=True)
    versions = {plan.id: plan.version for plan in plans.values()}
    results = []
    for index, report in enumerate(reports):
        employee, item = people.get(index), items.get(index)
        if index in invalid:
            results.append(CompletionResult(index, CompletionStatus.INVALID, detail=invalid[index]))
            continue
        if employee is None:
            results.append(CompletionResult(index, CompletionStatus.UNKNOWN_EMPLOYEE))
            continue
        if item is None:
            results.append(CompletionResult(index, CompletionStatus.UNKNOWN_ITEM))
            continue
        if report.completion_id in recorded:
            same = recorded[report.completion_id] == (employee, item)
            results.append(
                CompletionResult(
                    index,
                    CompletionStatus.ALREADY_RECORDED if same else CompletionStatus.CONFLICT,
                    detail=None
                    if same
                    else "The completion id was recorded for another person or item.",
                )
            )
            continue
        plan = plans.get(employee)
        if plan is None or not any(i.learning_item_id == item for i in plan.items):
            results.append(CompletionResult(index, CompletionStatus.NOT_IN_PLAN))
            continue
        try:
            plans[employee] = plan.update_item(
                item,
                now,
                status=ItemStatus.COMPLETED,
                completion_id=report.completion_id,
                completed_at=report.completed_at,
            )
        except DomainError as error:
            status = (
                CompletionStatus.CONFLICT
                if isinstance(error, Conflict)
                else CompletionStatus.INVALID
            )
            results.append(CompletionResult(index, status, plan.id, str(error)))
            continue
        results.append(CompletionResult(index, CompletionStatus.RECORDED, plan.id))
    changed = [p for p in plans.values() if p.version != versions[p.id]]
    changed = await _schedule_reassessments(uow, changed, now)
    await uow.plans.save_many([(plan, versions[plan.id]) for plan in changed])
    return results


async def training_needs(
    uow: UnitOfWork, actor: Actor, *, grouping: Grouping
) -> dict[str, list[Need]]:
    """Per group, per required capability: the demand (people x levels short, weighted) and
    what the active catalogue cannot teach, most demanded first, in one query. Access as for
    gap roll-ups. Raises Forbidden, NotFound (a cohort), InvalidInput."""
    check_grouping(grouping)
    async with uow:
        await require_roll_up_access(uow, actor, grouping)
        cohorts = await cohorts_of(uow, actor, grouping)
        reach = catalogue_reach(await uow.learning.offers(actor.tenant_id))
        found = await uow.gaps.training_needs(actor.tenant_id, grouping, cohorts, reach)
    return {group: sorted_by_demand(needs) for group, needs in found.items()}


async def _generate(
    uow: UnitOfWork,
    tenant_id: uuid.UUID,
    employee_ids: Collection[uuid.UUID],
    policy: PlanPolicy,
    now: datetime,
) -> dict[uuid.UUID, Generated]:
    """Set-based: a fixed number of reads, then the new plans and the superseded drafts
    written in a few statements. Learning a person completed before is not proposed again.
    People with the same levels and history share one proposal."""
    if not employee_ids:
        return {}
    latest = await uow.assessments.latest_finalised(tenant_id, employee_ids)
    open_plans = await uow.plans.open_plans(tenant_id, employee_ids, lock=True)
    planned = await uow.plans.planned_assessments(
        tenant_id, [assessment for assessment, _ in latest.values()]
    )
    candidates = [
        Candidate(
            e,
            *(latest.get(e) or (None, None)),
            open_plan=open_plans.get(e),
            planned=e in latest and latest[e][0] in planned,
        )
        for e in employee_ids
    ]
    going_on = [c for c in candidates if outcome_before_proposal(c) is None]
    roles = {
        r.id: r
        for r in await uow.roles.get_many(tenant_id, {c.role_id for c in going_on if c.role_id})
    }
    levels = await uow.gaps.current_levels_of_many(tenant_id, [c.employee_id for c in going_on])
    completed = await uow.plans.completed_items(tenant_id, [c.employee_id for c in going_on])
    offers = await uow.learning.offers(tenant_id) if going_on else []
    proposals: dict[tuple, PlanProposal] = {}
    made: dict[uuid.UUID, Generated] = {}
    new_plans: list[Plan] = []
    superseded: list[tuple[Plan, int]] = []
    for candidate in candidates:
        employee = candidate.employee_id
        early = outcome_before_proposal(candidate)
        role = roles.get(candidate.role_id) if early is None else None
        if early is not None or role is None or candidate.assessment_id is None:
            made[employee] = Generated(employee, early or Outcome.NOT_ASSESSED)
            continue
        gaps = employee_gaps(role.requirements, levels.get(employee, {}))
        done = frozenset(completed.get(employee, ()))
        # A proposal depends only on the gaps below requirement (and what was done before).
        below = frozenset((g.capability_id, g.current_level) for g in gaps if g.gap)
        key = (role.id, below, done)
        if key not in proposals:
            proposals[key] = propose_plan(gaps, offers, policy.budget, done)
        proposal = proposals[key]
        if candidate.open_plan is not None:
            # A draft from an older assessment is out of date whether or not a new plan follows.
            superseded.append((candidate.open_plan.cancel(now), candidate.open_plan.version))
        outcome = outcome_of(gaps, proposal)
        if outcome is not Outcome.CREATED:
            made[employee] = Generated(employee, outcome, open_gaps=proposal.open_gaps)
            continue
        plan = Plan.generate(
            tenant_id,
            employee_id=employee,
            role_id=role.id,
            assessment_id=candidate.assessment_id,
            proposal=proposal,
            policy=policy,
            now=now,
        )
        new_plans.append(plan)
        made[employee] = Generated(employee, Outcome.CREATED, plan, plan.open_gaps)
    await uow.plans.save_many(superseded)
    await uow.plans.add_many(new_plans)
    return made


async def _schedule_reassessments(uow: UnitOfWork, plans: list[Plan], now: datetime) -> list[Plan]:
    """Each newly completed plan with its re-assessment scheduled: against the plan's role,
    rated by the employee and their manager, due after the tenant's interval (or the
    interval of the workflow whose loop it is part of). A role that no longer requires
    anything gets none. Records plan_completed for each."""
    completed = [p for p in plans if p.status is PlanStatus.COMPLETED and p.reassessment_id is None]
    if not completed:
        return plans
    tenant_id = completed[0].tenant_id
    lineage = await uow.assessments.workflow_rounds(tenant_id, [p.assessment_id for p in completed])
    await uow.events.record(
        [
            DomainEvent.of(
                tenant_id,
                EventType.PLAN_COMPLETED,
                now,
                employee_id=plan.employee_id,
                subject_id=plan.id,
                data={"assessment_id": str(plan.assessment_id)}
                | driven_by(lineage.get(plan.assessment_id, (None,))[0]),
            )
            for plan in completed
        ]
    )
    policy = await _policy(uow, tenant_id)
    due = now.date() + timedelta(days=policy.reassess_after_days)
    loops = await _workflow_loops(uow, tenant_id, lineage, now, due)
    ids = tuple({p.employee_id for p in completed})
    found = await uow.employees.list(
        tenant_id, PageRequest(limit=len(ids)), EmployeeFilter(ids=ids)
    )
    people = {e.id: e for e in found.items}
    roles = {r.id: r for r in await uow.roles.get_many(tenant_id, {p.role_id for p in completed})}
    capabilities = {r.capability_id for role in roles.values() for r in role.requirements}
    max_levels = await uow.capabilities.max_levels(tenant_id, capabilities)
    scheduled: dict[uuid.UUID, Plan] = {}
    reassessments = []
    links = []
    for plan in completed:
        employee, role = people.get(plan.employee_id), roles.get(plan.role_id)
        if employee is None or role is None:
            continue
        try:
            reassessment = Assessment.create(
                tenant_id,
                employee_id=plan.employee_id,
                manager_id=employee.manager_id,
                role_id=role.id,
                purpose=Purpose.CURRENT_ROLE
                if role.id == employee.current_role_id
                else Purpose.ASPIRED_ROLE,
                requirements=role.requirements,
                max_levels=max_levels,
                required_rater_types=loop.rater_types
                if (loop := loops.get(plan.assessment_id))
                else (RaterType.SELF, RaterType.MANAGER)
                if employee.manager_id
                else (RaterType.SELF,),
                due_date=loop.due_date if loop else due,
                now=now,
            )
        except InvalidInput:
            continue
        reassessments.append(reassessment)
        scheduled[plan.id] = plan.scheduled_reassessment(reassessment.id)
        if loop:
            links.append((reassessment.id, loop.workflow_id, loop.round_number))
    await uow.assessments.add_many(reassessments)
    await uow.assessments.join_workflow(tenant_id, links)
    return [scheduled.get(p.id, p) for p in plans]


@dataclass(frozen=True)
class _Loop:
    """The re-assessment a workflow's loop schedules after a plan."""

    workflow_id: uuid.UUID
    round_number: int
    due_date: date
    rater_types: tuple[RaterType, ...]


async def _workflow_loops(
    uow: UnitOfWork,
    tenant_id: uuid.UUID,
    lineage: Mapping[uuid.UUID, tuple[uuid.UUID, int]],
    now: datetime,
    default_due: date,
) -> dict[uuid.UUID, _Loop]:
    """For each plan's assessment whose workflow re-assesses after the plan: the workflow,
    the re-assessment's round, its due date (the step's own interval, or the tenant's) and
    the workflow's raters."""
    loops = {}
    for workflow_id in {workflow_id for workflow_id, _ in lineage.values()}:
        workflow = await uow.workflows.get(tenant_id, workflow_id)
        step = None if workflow is None else workflow.definition.reassessment()
        if workflow is None or step is None:
            continue
        due = default_due
        if step.after_days is not None:
            due = now.date() + timedelta(days=step.after_days)
        raters = workflow.definition.assessment_step.rater_types
        loops.update(
            {
                assessment_id: _Loop(workflow_id, round_number + 1, due, raters)
                for assessment_id, (driver, round_number) in lineage.items()
                if driver == workflow_id
            }
        )
    return loops


async def _change(uow, actor, plan_id, expected_version, change, *, leads_only=True) -> Plan:
    now = utcnow()
    async with uow:
        await uow.plans.lock(actor.tenant_id, plan_id)
        plan = await visible_plan(uow, actor, plan_id)
        if leads_only or plan.employee_id != actor.employee_id:
            await _require_lead(uow, actor, plan.employee_id)
        check_version("plan", plan.version, expected_version)
        changed = change(plan, now)
        if changed is plan:
            return plan
        (changed,) = await _schedule_reassessments(uow, [changed], now)
        await uow.plans.save_many([(changed, plan.version)])
        await uow.commit()
    return changed


async def visible_plan(uow: UnitOfWork, actor: Actor, plan_id: uuid.UUID) -> Plan:
    """Inside an open unit of work: the plan if the actor may see its employee, else NotFound."""
    plan = await uow.plans.get(actor.tenant_id, plan_id)
    if plan is None or not await visible_employees(uow, actor, [plan.employee_id]):
        raise NotFound("Plan", plan_id)
    return plan


async def _require_lead(uow: UnitOfWork, actor: Actor, employee_id: uuid.UUID) -> None:
    """hr_admin, an integration, or a manager above the employee."""
    if actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        return
    if (
        actor.has_any(Role.MANAGER)
        and actor.employee_id is not None
        and actor.employee_id in await uow.employees.chain_up(actor.tenant_id, employee_id)
    ):
        return
    raise Forbidden("Only hr_admin or the employee's managers do this.")


async def _plannable(
    uow: UnitOfWork, actor: Actor, employee_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of the ids an actor may plan for: active employees they lead."""
    visible = await visible_employees(uow, actor, employee_ids)
    return {
        e.id
        for e in visible.values()
        if e.profile.status is EmployeeStatus.ACTIVE
        and (actor.has_any(Role.HR_ADMIN) or e.id != actor.employee_id)
    }


async def _policy(uow: UnitOfWork, tenant_id: uuid.UUID) -> PlanPolicy:
    stored = await uow.plans.policy(tenant_id)
    return PlanPolicy() if stored is None else stored[0]


async def _resolve_people(
    uow: UnitOfWork, actor: Actor, reports: Sequence[CompletionReport]
) -> dict[int, uuid.UUID]:
    """Report index -> the employee it names, when the caller may report for them."""
    by_external = await uow.employees.ids_by_external_ids(
        actor.tenant_id, {r.employee_external_id for r in reports if r.employee_external_id}
    )
    named = {
        index: r.employee_id or by_external.get(r.employee_external_id or "")
        for index, r in enumerate(reports)
    }
    visible = await visible_employees(uow, actor, {e for e in named.values() if e})
    return {index: e for index, e in named.items() if e in visible}


async def _resolve_items(
    uow: UnitOfWork, actor: Actor, reports: Sequence[CompletionReport]
) -> dict[int, uuid.UUID]:
    by_external = await uow.learning.ids_by_external_ids(
        actor.tenant_id, {r.item_external_id for r in reports if r.item_external_id}
    )
    named = {
        index: r.learning_item_id or by_external.get(r.item_external_id or "")
        for index, r in enumerate(reports)
    }
    return {index: item for index, item in named.items() if item is not None}


def _normalised(
    reports: Sequence[CompletionReport],
) -> tuple[list[CompletionReport], dict[int, str]]:
    """The reports with their completion ids trimmed as they are stored, and why each
    unusable one is (index -> detail). An unusable report's external ids are dropped, so
    that no lookup sends them to the database (PostgreSQL refuses a NUL outright)."""
    cleaned, invalid = [], {}
    for index, report in enumerate(reports):
        errors: list[FieldError] = []
        completion_id = check_reference(report.completion_id, "completion_id", errors)
        if not completion_id:
            errors.append(FieldError("completion_id", "Give the completion's id."))
        for field in ("employee_external_id", "item_external_id"):
            if (value := getattr(report, field)) is not None:
                check_reference(value, field, errors)
        if errors:
            invalid[index] = errors[0].message
            report = replace(report, employee_external_id=None, item_external_id=None)
        cleaned.append(replace(report, completion_id=completion_id))
    return cleaned, invalid
