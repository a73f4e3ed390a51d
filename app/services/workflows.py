"""Workflow use cases: define, change, pause, resume, dry-run and inspect workflows (hr_admin
only; anyone else gets Forbidden), and the worker's job of firing the due ones.

A firing happens once: its run row is claimed with a unique key in the same transaction that
opens the cycle, so a second worker, a retried job or a worker killed half-way (whose
transaction rolls back) can neither double nor lose it.
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.assessments import AssessmentStatus, RaterType
from app.domain.cohorts import Cohort
from app.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.views import GroupBy
from app.domain.workflow_documents import parse_definition
from app.domain.workflows import (
    AssessmentFacts,
    Definition,
    Firing,
    Notice,
    TargetKind,
    Workflow,
    WorkflowRun,
    checked_moment,
    local_today,
    notices_due,
    opening,
)
from app.services import utcnow
from app.services.guards import check_version

logger = logging.getLogger(__name__)
UPCOMING = 5


async def define_workflow(
    uow: UnitOfWork, actor: Actor, *, key: str, name: str, definition: Mapping[str, Any]
) -> Workflow:
    """A new, active workflow. Raises Forbidden, InvalidInput (paths under `definition.`),
    Conflict (the key is taken)."""
    actor.require_any(Role.HR_ADMIN)
    parsed = _parse(definition, Workflow.identity_problems(key, name))
    now = utcnow()
    workflow = Workflow.create(actor.tenant_id, key=key, name=name, definition=parsed, now=now)
    async with uow:
        await _check_target(uow, actor, workflow)
        if await uow.workflows.id_by_key(actor.tenant_id, workflow.key) is not None:
            raise Conflict(f"A workflow with the key {workflow.key!r} exists.")
        await uow.workflows.add(workflow)
        await uow.commit()
    return workflow


async def get_workflow(uow: UnitOfWork, actor: Actor, *, workflow_id: uuid.UUID) -> Workflow:
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        return await _workflow(uow, actor, workflow_id)


async def list_workflows(uow: UnitOfWork, actor: Actor, *, page: PageRequest) -> Page[Workflow]:
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        return await uow.workflows.list(actor.tenant_id, page)


async def redefine_workflow(
    uow: UnitOfWork,
    actor: Actor,
    *,
    workflow_id: uuid.UUID,
    name: str,
    definition: Mapping[str, Any],
    expected_version: int | None = None,
) -> Workflow:
    """Replace the name and definition. Schedule periods already passed are not fired
    afterwards. Raises Forbidden, NotFound, InvalidInput, PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    parsed = _parse(definition)
    return await _change(
        uow,
        actor,
        workflow_id,
        expected_version,
        lambda w, now: w.redefined(name=name, definition=parsed, now=now),
        check_target=True,
    )


async def pause_workflow(
    uow: UnitOfWork, actor: Actor, *, workflow_id: uuid.UUID, expected_version: int | None = None
) -> Workflow:
    """Stops firing; what is under way (open assessments, plans) goes on. Raises Forbidden,
    NotFound, InvalidTransition (already paused), PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    return await _change(uow, actor, workflow_id, expected_version, Workflow.paused)


async def resume_workflow(
    uow: UnitOfWork, actor: Actor, *, workflow_id: uuid.UUID, expected_version: int | None = None
) -> Workflow:
    """Fires again from now on; periods missed while paused are not fired. Raises Forbidden,
    NotFound, InvalidTransition (not paused), PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    return await _change(uow, actor, workflow_id, expected_version, Workflow.resumed)


@dataclass(frozen=True)
class DryRun:
    """What firing the workflow at `at` would do, without doing it."""

    at: datetime
    due: list[Firing]
    """Schedule periods due at `at` that have not fired."""
    upcoming: list[datetime]
    would_open: int
    """How many people an assessment would be opened for."""
    employee_ids: Page[uuid.UUID]


async def dry_run(
    uow: UnitOfWork,
    actor: Actor,
    *,
    workflow_id: uuid.UUID,
    page: PageRequest,
    at: datetime | None = None,
) -> DryRun:
    """Who this would fire for at `at` (now by default): the due periods, the next times,
    and the people who would get an assessment. Changes nothing. Raises Forbidden, NotFound."""
    actor.require_any(Role.HR_ADMIN)
    problem = None if at is None else checked_moment(at)
    if problem:
        raise InvalidInput("The time cannot be used.", [FieldError("at", problem)])
    moment = at or utcnow()
    async with uow:
        workflow = await _workflow(uow, actor, workflow_id)
        fired = await uow.workflows.last_periods([workflow.id])
        due = workflow.due_firings(moment, _last_fired(workflow, fired))
        cohorts = await _target_cohorts(uow, workflow)
        count, people = 0, Page(items=[], cursors=[], has_more=False)
        if cohorts is not None:
            preview = opening(workflow, [_preview_run(workflow, moment)], moment)
            count, people = await uow.workflows.would_open(
                actor.tenant_id, preview, workflow.definition.target.grouping(), cohorts, page
            )
    return DryRun(moment, due, workflow.next_firings(moment, UPCOMING), count, people)


async def list_runs(
    uow: UnitOfWork, actor: Actor, *, workflow_id: uuid.UUID, page: PageRequest
) -> Page[WorkflowRun]:
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        await _workflow(uow, actor, workflow_id)
        return await uow.workflows.runs(actor.tenant_id, workflow_id, page)


async def fire_due_workflows(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Scheduled job, for every tenant: fire each active workflow's due schedule periods,
    each in a transaction of its own that claims the run and opens the cycle. Safe to run
    twice, or in several workers at once. Returns how many runs this call fired."""
    moment = now or utcnow()
    async with uow:
        active = await uow.workflows.every_tenant(active_only=True)
        fired = await uow.workflows.last_periods([w.id for w in active])
    count = 0
    for workflow in active:
        try:
            for firing in workflow.due_firings(moment, _last_fired(workflow, fired)):
                if await _fire(uow, workflow, firing, moment):
                    count += 1
        except Exception:
            # One workflow failing (its target gone bad, say) must not stop the others; its
            # period stays unclaimed and is tried again on the next tick.
            logger.exception("Workflow firing failed", extra={"workflow_id": str(workflow.id)})
    return count


async def advance_workflows(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Scheduled job, for every tenant's active workflows, each in a transaction of its own:
    open the re-assessments whose window has come (their due date within the assessment
    step's `due_in_days`), and queue the notices their notify steps call for by now: the
    opening notice, the manager's turn, reminders and escalations. Each notice is queued
    once however often this runs. Returns how many assessments it opened."""
    moment = now or utcnow()
    async with uow:
        active = await uow.workflows.every_tenant(active_only=True)
    opened = 0
    for workflow in active:
        try:
            opened += await _advance(uow, workflow, moment)
        except Exception:
            logger.exception("Advancing a workflow failed", extra={"workflow_id": str(workflow.id)})
    return opened


async def _advance(uow: UnitOfWork, workflow: Workflow, now: datetime) -> int:
    today = local_today(workflow, now)
    window = timedelta(days=workflow.definition.assessment_step.due_in_days)
    async with uow:
        opened = await uow.workflows.open_scheduled(workflow, today + window, now)
        waiting = await uow.workflows.waiting(workflow)
        notices = [
            (assessment_id, notice)
            for assessment_id, facts in waiting
            for step in workflow.definition.notify_steps
            for notice in notices_due(step, facts, today)
        ]
        await uow.workflows.queue(workflow.tenant_id, notices, now)
        await uow.commit()
    return opened


async def _fire(uow: UnitOfWork, workflow: Workflow, firing: Firing, now: datetime) -> bool:
    run = WorkflowRun.of(workflow.tenant_id, firing, now)
    async with uow:
        if not await uow.workflows.claim_runs([run]):
            return False
        opened = await open_for(uow, workflow, [run], now)
        await uow.commit()
    logger.info(
        "Workflow fired",
        extra={"workflow_id": str(workflow.id), "run": firing.run_key, "opened": opened},
    )
    return True


async def open_for(
    uow: UnitOfWork, workflow: Workflow, runs: Sequence[WorkflowRun], now: datetime
) -> int:
    """Inside the unit of work that claimed `runs`: open the workflow's assessments, with
    their opening notices, and record on each run how many it opened. One schedule run opens
    for everyone the target holds; event runs, each for its own person if the target holds
    them; a fixed number of statements either way. Returns how many opened."""
    cohorts = await _target_cohorts(uow, workflow)
    opened = 0
    if cohorts is not None:
        opened = await uow.workflows.open_assessments(
            workflow.tenant_id,
            opening(workflow, runs, now, per_person=runs[0].employee_id is not None),
            workflow.definition.target.grouping(),
            cohorts,
            opening_notices(workflow, now),
        )
    await uow.workflows.record_opened(workflow.tenant_id, [run.id for run in runs])
    return opened


async def expiry_cutoffs(uow: UnitOfWork, today: date) -> dict[uuid.UUID, date]:
    """Inside an open unit of work: per workflow, the due date before which its unfinished
    assessments expire today: its grace period after the due date."""
    return {
        workflow.id: today - timedelta(days=workflow.definition.assessment_step.grace_days)
        for workflow in await uow.workflows.every_tenant(active_only=False)
    }


def opening_notices(workflow: Workflow, now: datetime) -> list[Notice]:
    """The notices due the moment an assessment opens, by the workflow's notify steps."""
    step = workflow.definition.assessment_step
    today = local_today(workflow, now)
    employee_first = RaterType.SELF in step.rater_types
    facts = AssessmentFacts(
        status=(
            AssessmentStatus.OPEN if employee_first else AssessmentStatus.AWAITING_MANAGER
        ).value,
        opened_on=today,
        due_date=None,
        has_manager=True,
        has_skip_manager=False,
        waits_on_employee=employee_first,
    )
    notices = {
        notice
        for notify in workflow.definition.notify_steps
        for notice in notices_due(notify, facts, today)
    }
    return sorted(notices, key=lambda n: (n.kind, n.recipient))


def _last_fired(workflow: Workflow, fired: Mapping[tuple[uuid.UUID, str], str]) -> dict:
    last = {}
    for index, _ in workflow.definition.schedules:
        period = fired.get((workflow.id, f"schedule:{index}"))
        if period is not None:
            last[index] = datetime.fromisoformat(period)
    return last


def _preview_run(workflow: Workflow, now: datetime) -> WorkflowRun:
    return WorkflowRun.of(workflow.tenant_id, Firing(workflow.id, "dry_run", now.isoformat()), now)


def _parse(definition: Mapping[str, Any], other: list[FieldError] | None = None) -> Definition:
    """The definition, or InvalidInput with paths from the request's `definition` field,
    listing `other` problems of the request too."""
    try:
        parsed = parse_definition(definition)
    except InvalidInput as error:
        paths = [
            FieldError(f"definition.{e.field}" if e.field else "definition", e.message)
            for e in error.errors
        ]
        raise InvalidInput(error.detail, [*(other or []), *paths]) from None
    if other:
        raise InvalidInput("The workflow is not valid.", other)
    return parsed


async def _check_target(uow: UnitOfWork, actor: Actor, workflow: Workflow) -> None:
    target = workflow.definition.target
    if target.kind is TargetKind.EVERYONE:
        return
    if target.kind is TargetKind.COHORT:
        known = {c.id for c in await uow.cohorts.get_many(actor.tenant_id, target.ids)}
    elif target.kind is TargetKind.ORG_UNIT:
        known = await uow.org_units.existing(actor.tenant_id, target.ids)
    else:
        known = await uow.roles.existing(actor.tenant_id, target.ids)
    missing = [
        FieldError(f"definition.target.ids.{index}", f"No {target.kind} has this id.")
        for index, target_id in enumerate(target.ids)
        if target_id not in known
    ]
    if missing:
        raise InvalidInput("The workflow's target does not exist.", missing)


async def _target_cohorts(uow: UnitOfWork, workflow: Workflow) -> Sequence[Cohort] | None:
    """The target's cohorts; None when it names cohorts and every one has been deleted
    since, so the workflow opens nothing (rather than for everyone)."""
    grouping = workflow.definition.target.grouping()
    if grouping.by is not GroupBy.COHORT:
        return []
    return await uow.cohorts.get_many(workflow.tenant_id, grouping.ids) or None


async def _workflow(uow: UnitOfWork, actor: Actor, workflow_id: uuid.UUID) -> Workflow:
    workflow = await uow.workflows.get(actor.tenant_id, workflow_id)
    if workflow is None:
        raise NotFound("Workflow", workflow_id)
    return workflow


async def _change(
    uow: UnitOfWork, actor: Actor, workflow_id, expected_version, change, *, check_target=False
) -> Workflow:
    now = utcnow()
    async with uow:
        workflow = await _workflow(uow, actor, workflow_id)
        check_version("workflow", workflow.version, expected_version)
        changed = change(workflow, now)
        if check_target:
            await _check_target(uow, actor, changed)
        await uow.workflows.save(changed, previous_version=workflow.version)
        await uow.commit()
    return changed
