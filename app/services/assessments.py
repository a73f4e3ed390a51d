"""Assessment use cases.

Who may do what: hr_admin, and managers for people in their reporting line, create, open,
finalise and cancel assessments; invited raters rate; an assessment is visible to the
employee, their managers up the line, its raters and hr_admin (others get NotFound).
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from app.domain.assessments import (
    Assessment,
    CombinationRule,
    Purpose,
    RaterType,
    Rating,
    Result,
)
from app.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from app.domain.events import DomainEvent, EventType, driven_by
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.views import AssessmentFilter
from app.services import plans, utcnow, workflows
from app.services.employees import visible_employees
from app.services.guards import check_version


async def get_policy(uow: UnitOfWork, actor: Actor) -> tuple[CombinationRule, int]:
    """The tenant's combination rule and its version (0: the default, never changed)."""
    async with uow:
        stored = await uow.assessments.policy(actor.tenant_id)
    return stored if stored is not None else (CombinationRule(), 0)


async def set_policy(
    uow: UnitOfWork, actor: Actor, *, rule: CombinationRule, expected_version: int | None = None
) -> tuple[CombinationRule, int]:
    """Raises Forbidden, InvalidInput, PreconditionFailed. Applies to later finalisations."""
    actor.require_any(Role.HR_ADMIN)
    errors = rule.problems()
    if errors:
        raise InvalidInput("The combination rule is not valid.", errors)
    async with uow:
        stored = await uow.assessments.policy(actor.tenant_id)
        version = 0 if stored is None else stored[1]
        check_version("assessment policy", version, expected_version)
        await uow.assessments.save_policy(actor.tenant_id, rule, version + 1, utcnow())
        await uow.commit()
    return rule, version + 1


async def create_assessment(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: uuid.UUID,
    role_id: uuid.UUID | None = None,
    required_rater_types: Iterable[RaterType] = (RaterType.SELF, RaterType.MANAGER),
    peer_ids: Sequence[uuid.UUID] = (),
    sme_ids: Sequence[uuid.UUID] = (),
    due_date: date | None = None,
    open_now: bool = True,
) -> Assessment:
    """An assessment of the employee against a role (their current one by default, or one
    they aspire to) over the role's requirements as they are now; opened at once unless
    `open_now` is false. Raises Forbidden, NotFound, InvalidInput."""
    now = utcnow()
    async with uow:
        employee = await uow.employees.get(actor.tenant_id, employee_id)
        if employee is None:
            raise NotFound("Employee", employee_id)
        await _require_lead(uow, actor, employee_id)
        chosen = role_id or employee.current_role_id
        if chosen is None:
            raise InvalidInput(
                "The employee holds no role.", [FieldError("role_id", "Name the role to assess.")]
            )
        role = await uow.roles.get(actor.tenant_id, chosen)
        if role is None:
            raise InvalidInput(
                "The role does not exist.", [FieldError("role_id", "No role has this id.")]
            )
        known = await uow.employees.existing(actor.tenant_id, {*peer_ids, *sme_ids})
        unknown = [
            FieldError(f"{name}.{index}", "No employee has this id.")
            for name, ids in (("peer_ids", peer_ids), ("sme_ids", sme_ids))
            for index, rater in enumerate(ids)
            if rater not in known
        ]
        if unknown:
            raise InvalidInput("Some raters do not exist.", unknown)
        assessment = Assessment.create(
            actor.tenant_id,
            employee_id=employee_id,
            manager_id=employee.manager_id,
            role_id=role.id,
            purpose=Purpose.CURRENT_ROLE
            if role.id == employee.current_role_id
            else Purpose.ASPIRED_ROLE,
            requirements=role.requirements,
            max_levels=await uow.capabilities.max_levels(
                actor.tenant_id, {r.capability_id for r in role.requirements}
            ),
            required_rater_types=required_rater_types,
            peer_ids=peer_ids,
            sme_ids=sme_ids,
            due_date=due_date,
            now=now,
        )
        if open_now:
            assessment = assessment.open(now)
        await uow.assessments.add(assessment)
        await uow.commit()
    return assessment


async def get_assessment(uow: UnitOfWork, actor: Actor, *, assessment_id: uuid.UUID) -> Assessment:
    """Raises NotFound (also when the caller may not see it)."""
    async with uow:
        assessment, sees_employee = await _visible(uow, actor, assessment_id)
    return as_seen_by(actor, assessment, sees_employee)


async def list_assessments(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    employee_id: uuid.UUID | None = None,
    status: str | None = None,
) -> Page[Assessment]:
    """Assessments the caller may see, newest last."""
    criteria = AssessmentFilter(employee_id=employee_id, status=status)
    if not actor.has_any(Role.HR_ADMIN):
        viewer = actor.employee_id or uuid.UUID(int=0)
        if actor.has_any(Role.MANAGER):
            criteria = AssessmentFilter(employee_id, status, visible_to_manager=viewer)
        else:
            criteria = AssessmentFilter(employee_id, status, only_employee=viewer)
    async with uow:
        found = await uow.assessments.list(actor.tenant_id, page, criteria)
        visible = await visible_employees(uow, actor, {a.employee_id for a in found.items})
    return found.map(lambda a: as_seen_by(actor, a, a.employee_id in visible))


async def open_assessment(uow: UnitOfWork, actor: Actor, *, assessment_id: uuid.UUID) -> Assessment:
    """Raises Forbidden, NotFound, InvalidTransition."""
    return await _transition(uow, actor, assessment_id, lambda a, now: a.open(now))


async def cancel_assessment(
    uow: UnitOfWork, actor: Actor, *, assessment_id: uuid.UUID
) -> Assessment:
    """Raises Forbidden, NotFound, InvalidTransition."""
    return await _transition(uow, actor, assessment_id, lambda a, now: a.cancel(now))


async def rate(
    uow: UnitOfWork,
    actor: Actor,
    *,
    assessment_id: uuid.UUID,
    ratings: Sequence[Rating],
    submit: bool = False,
) -> Assessment:
    """Save the caller's ratings (replacing earlier drafts of the same capabilities) and, with
    `submit`, hand them in. The caller rates as the employee their credential speaks for.
    Raises NotFound, Forbidden (not invited), InvalidInput, InvalidTransition."""
    now = utcnow()
    async with uow:
        assessment, sees_employee = await _visible(uow, actor, assessment_id, lock=True)
        rater = assessment.rater(actor.employee_id)
        mine = [replace_rater(r, rater.employee_id) for r in ratings]
        assessment.check_ratings(rater, mine)
        await uow.assessments.replace_ratings(assessment, rater.employee_id, mine, now)
        if submit:
            stored = await uow.assessments.ratings(actor.tenant_id, assessment_id)
            rated = {r.capability_id for r in stored if r.rater_id == rater.employee_id}
            updated = assessment.submitted(rater, rated, now)
            await uow.assessments.save(updated, previous_version=assessment.version)
            assessment = updated
        await uow.commit()
    return as_seen_by(actor, assessment, sees_employee)


async def my_ratings(uow: UnitOfWork, actor: Actor, *, assessment_id: uuid.UUID) -> list[Rating]:
    """The caller's own ratings of the assessment, drafts included. Raises NotFound, Forbidden."""
    async with uow:
        assessment, _ = await _visible(uow, actor, assessment_id)
        rater = assessment.rater(actor.employee_id)
        stored = await uow.assessments.ratings(actor.tenant_id, assessment_id)
    return [r for r in stored if r.rater_id == rater.employee_id]


async def finalise_assessment(
    uow: UnitOfWork, actor: Actor, *, assessment_id: uuid.UUID
) -> tuple[Assessment, list[Result]]:
    """Combine the submitted ratings by the tenant's rule into results, which become the
    employee's current levels. Raises Forbidden, NotFound, InvalidTransition (not yet
    awaiting the manager, or a required rater type has not submitted)."""
    now = utcnow()
    async with uow:
        assessment, _ = await _visible(uow, actor, assessment_id, lock=True)
        await _require_lead(uow, actor, assessment.employee_id)
        stored = await uow.assessments.policy(actor.tenant_id)
        rule = CombinationRule() if stored is None else stored[0]
        finalised, results = assessment.finalise(
            rule, await uow.assessments.ratings(actor.tenant_id, assessment_id), now
        )
        await uow.assessments.save(finalised, previous_version=assessment.version)
        await uow.assessments.record_results(finalised, results, now)
        lineage = await uow.assessments.workflow_rounds(finalised.tenant_id, [finalised.id])
        await uow.events.record(
            [
                DomainEvent.of(
                    finalised.tenant_id,
                    EventType.ASSESSMENT_FINALISED,
                    now,
                    employee_id=finalised.employee_id,
                    subject_id=finalised.id,
                    data={"role_id": str(finalised.role_id)}
                    | driven_by(lineage.get(finalised.id, (None,))[0]),
                )
            ]
        )
        await plans.plan_after_finalising(uow, finalised, now)
        await uow.commit()
    return finalised, list(results)


async def get_results(uow: UnitOfWork, actor: Actor, *, assessment_id: uuid.UUID) -> list[Result]:
    """The results of a finalised assessment (empty before). Peer ratings appear only
    through the combined level. Raises NotFound."""
    async with uow:
        _, sees_employee = await _visible(uow, actor, assessment_id)
        if not sees_employee:
            raise NotFound("Assessment results", assessment_id)
        return await uow.assessments.results(actor.tenant_id, assessment_id)


def replace_rater(rating: Rating, rater_id: uuid.UUID) -> Rating:
    return Rating(rater_id, rating.capability_id, rating.level, rating.evidence, rating.links)


async def _transition(uow, actor, assessment_id, change) -> Assessment:
    async with uow:
        assessment, _ = await _visible(uow, actor, assessment_id, lock=True)
        await _require_lead(uow, actor, assessment.employee_id)
        updated = change(assessment, utcnow())
        await uow.assessments.save(updated, previous_version=assessment.version)
        await uow.commit()
    return updated


async def _require_lead(uow: UnitOfWork, actor: Actor, employee_id: uuid.UUID) -> None:
    """hr_admin, or a manager above the employee in the reporting line."""
    if actor.has_any(Role.HR_ADMIN):
        return
    if (
        actor.has_any(Role.MANAGER)
        and actor.employee_id is not None
        and actor.employee_id in await uow.employees.chain_up(actor.tenant_id, employee_id)
    ):
        return
    raise Forbidden("Only hr_admin or the employee's managers run their assessments.")


async def _visible(
    uow: UnitOfWork, actor: Actor, assessment_id: uuid.UUID, *, lock: bool = False
) -> tuple[Assessment, bool]:
    """The assessment as the caller may see it, and whether they may see its results.

    Results are for whoever may see the employee (the employee, managers up the line,
    hr_admin, integrations); invited raters see the assessment they rate, never its results.
    `lock` holds the assessment until the transaction ends, so concurrent raters and
    finalisations queue instead of overwriting each other. NotFound for anyone else."""
    if lock:
        await uow.assessments.lock(actor.tenant_id, assessment_id)
    assessment = await uow.assessments.get(actor.tenant_id, assessment_id)
    if assessment is None:
        raise NotFound("Assessment", assessment_id)
    sees_employee = bool(await visible_employees(uow, actor, [assessment.employee_id]))
    rates = any(r.employee_id == actor.employee_id for r in assessment.raters)
    if not (sees_employee or rates):
        raise NotFound("Assessment", assessment_id)
    return assessment, sees_employee


def as_seen_by(actor: Actor, assessment: Assessment, sees_employee: bool) -> Assessment:
    """Peers and SMEs stay anonymous to the ratee and to each other: only hr_admin,
    integrations and the ratee's managers see who they are."""
    lead = actor.has_any(Role.HR_ADMIN, Role.INTEGRATION) or (
        sees_employee and assessment.employee_id != actor.employee_id
    )
    if lead:
        return assessment
    shown = tuple(
        r
        for r in assessment.raters
        if r.type in (RaterType.SELF, RaterType.MANAGER) or r.employee_id == actor.employee_id
    )
    return replace(assessment, raters=shown)


async def expire_overdue_assessments(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Scheduled job: assessments still unfinished after their due date expire, in every
    tenant, in one statement; a workflow's assessments after its grace period. Running it
    twice expires nothing more. Returns how many."""
    moment = now or utcnow()
    async with uow:
        today = moment.date()
        cutoffs = await workflows.expiry_cutoffs(uow, today)
        expired = await uow.assessments.expire_overdue(today, moment, cutoffs)
        await uow.commit()
    return expired
