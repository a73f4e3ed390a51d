"""Seed a demo tenant for trying the API: a catalogue, role profiles, an organisation, cohorts,
a learning catalogue and an assessment cycle with the development plans it generated.

Everything goes through the use cases an HR admin's API calls reach, acting with the new
tenant's own admin key (and, to rate and finalise, as the employees and managers themselves),
so the demo obeys every rule real data does.
"""

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from app.domain.assessments import Rating
from app.domain.bulk import BulkResult, RowStatus
from app.domain.checkins import DEFAULT_QUESTIONS, DEFAULT_TEMPLATE_NAME
from app.domain.cohorts import Cohort, CohortRule
from app.domain.errors import FieldError, InvalidInput
from app.domain.identity import Actor, Role
from app.domain.learning import ItemContent
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.domain.plans import Target
from app.domain.ports import UnitOfWork, UnitOfWorkFactory
from app.domain.roles import Requirement
from app.domain.tenants import Tenant
from app.domain.workflows import Workflow
from app.services import utcnow
from app.services.assessments import create_assessment, finalise_assessment, rate
from app.services.authentication import authenticate_api_key
from app.services.checkins import create_template
from app.services.cohorts import change_members, create_cohort
from app.services.demo_data import FRAMEWORKS
from app.services.demo_data.assessments import CYCLE_DAYS, Assessee, assessment_cycle
from app.services.demo_data.learning import LEARNING, LMS
from app.services.demo_data.roles import ROLES
from app.services.demo_data.scales import SCALES
from app.services.demo_data.workforce import UNITS, Workforce, build_workforce
from app.services.employees import (
    EmployeeChanges,
    RoleAssignmentRow,
    assign_roles,
    update_employee,
    upsert_employees,
)
from app.services.frameworks import create_framework, list_capabilities, publish_version
from app.services.learning import create_item
from app.services.org_units import create_org_unit
from app.services.plans import list_plans
from app.services.roles import create_role
from app.services.scales import create_scale
from app.services.tenants import create_tenant
from app.services.workflows import define_workflow

DEFAULT_NAME = "Tandem Demo"
DEFAULT_SEED = 7
SENIOR_SALES_LEVELS = ("L3", "L4", "L5", "L6")


@dataclass(frozen=True)
class DemoCounts:
    scales: int
    frameworks: int
    capabilities: int
    roles: int
    org_units: int
    employees: int
    role_assignments: int
    aspired_roles: int
    cohorts: int
    learning_items: int
    workflows: int
    assessments: int
    finalised_assessments: int
    plans: int


@dataclass(frozen=True)
class DemoTenant:
    tenant: Tenant
    admin_key: str
    """The hr_admin API key's plaintext: this is the only time it exists."""
    counts: DemoCounts


async def seed_demo(
    uow_factory: UnitOfWorkFactory, *, name: str = DEFAULT_NAME, seed: int = DEFAULT_SEED
) -> DemoTenant:
    """A new tenant holding two scales, three published frameworks, role profiles, an org
    tree, a few hundred employees with roles, managers and cohorts, a learning catalogue, and
    two workflows (a quarterly review loop and an assessment after a role change), the
    default check-in template, and an assessment cycle for two teams: half finalised, with
    the development plans that generated, half awaiting the manager's finalisation. The same
    seed gives the same people and ratings. The use cases share one transaction, so seeding
    is quick and a failure leaves nothing behind. Raises InvalidInput for an unacceptable
    name, or if a service refuses part of the demo data."""
    async with _one_transaction(uow_factory) as joined:
        return await _seed(joined, name, seed)


async def _seed(uow_factory: UnitOfWorkFactory, name: str, seed: int) -> DemoTenant:
    created = await create_tenant(uow_factory(), name=name)
    actor = await authenticate_api_key(uow_factory(), presented=created.admin_key.plaintext)
    for scale in SCALES:
        await create_scale(
            uow_factory(),
            actor,
            key=scale.key,
            name=scale.name,
            description=scale.description,
            levels=scale.levels,
            proficient_level=scale.proficient_level,
        )
    capability_ids = await _publish_frameworks(uow_factory, actor)
    role_ids = await _create_roles(uow_factory, actor, capability_ids)
    unit_ids = await _create_org_tree(uow_factory, actor, created.tenant)
    workforce = build_workforce(seed)
    employee_ids = await _hire(uow_factory, actor, workforce)
    for external_id, role_key in workforce.aspirations.items():
        await update_employee(
            uow_factory(),
            actor,
            employee_id=employee_ids[external_id],
            changes=EmployeeChanges(aspired_role_ids=(role_ids[role_key],)),
        )
    cohorts = await _create_cohorts(uow_factory, actor, workforce, unit_ids, employee_ids)
    learning_ids = await _create_catalogue(uow_factory, actor, capability_ids)
    workflows = await _define_workflows(uow_factory, actor, cohorts)
    await create_template(
        uow_factory(), actor, name=DEFAULT_TEMPLATE_NAME, questions=DEFAULT_QUESTIONS
    )
    cycle = assessment_cycle(workforce, seed)
    await _run_assessment_cycle(uow_factory, actor, cycle, capability_ids, employee_ids)
    return DemoTenant(
        tenant=created.tenant,
        admin_key=created.admin_key.plaintext,
        counts=DemoCounts(
            scales=len(SCALES),
            frameworks=len(FRAMEWORKS),
            capabilities=len(capability_ids),
            roles=len(role_ids),
            org_units=len(unit_ids),
            employees=len(employee_ids),
            role_assignments=len(workforce.people),
            aspired_roles=len(workforce.aspirations),
            cohorts=len(cohorts),
            learning_items=len(learning_ids),
            workflows=len(workflows),
            assessments=len(cycle),
            finalised_assessments=sum(assessee.finalise for assessee in cycle),
            plans=await _count_plans(uow_factory, actor),
        ),
    )


async def _publish_frameworks(uow_factory: UnitOfWorkFactory, actor: Actor) -> dict[str, uuid.UUID]:
    """Create and publish each framework; the ids of their capabilities by key."""
    capability_ids: dict[str, uuid.UUID] = {}
    for framework in FRAMEWORKS:
        detail = await create_framework(
            uow_factory(),
            actor,
            key=framework.key,
            name=framework.name,
            description=framework.description,
            content=framework.content,
        )
        framework_id = detail.framework.id
        await publish_version(
            uow_factory(), actor, framework_id=framework_id, number=detail.versions[0].number
        )
        published = await list_capabilities(
            uow_factory(), actor, page=PageRequest(limit=MAX_LIMIT), framework_id=framework_id
        )
        capability_ids |= {capability.key: capability.id for capability in published.items}
    return capability_ids


async def _create_roles(
    uow_factory: UnitOfWorkFactory, actor: Actor, capability_ids: Mapping[str, uuid.UUID]
) -> dict[str, uuid.UUID]:
    role_ids = {}
    for profile in ROLES:
        role = await create_role(
            uow_factory(),
            actor,
            key=profile.key,
            name=profile.name,
            description=profile.description,
            requirements=[
                Requirement(
                    capability_ids[need.capability_key], need.required_level, need.weight, need.core
                )
                for need in profile.requirements
            ],
        )
        role_ids[role.key] = role.id
    return role_ids


async def _create_org_tree(
    uow_factory: UnitOfWorkFactory, actor: Actor, tenant: Tenant
) -> dict[str, uuid.UUID]:
    """The units, parents first; the root one is named after the organisation."""
    unit_ids: dict[str, uuid.UUID] = {}
    for unit in UNITS:
        created = await create_org_unit(
            uow_factory(),
            actor,
            key=unit.key,
            name=unit.name if unit.parent_key else tenant.name,
            parent_id=unit_ids[unit.parent_key] if unit.parent_key else None,
        )
        unit_ids[created.key] = created.id
    return unit_ids


async def _hire(
    uow_factory: UnitOfWorkFactory, actor: Actor, workforce: Workforce
) -> dict[str, uuid.UUID]:
    """Upsert everyone in one batch, then map each to their role; their ids by external id."""
    hired = await upsert_employees(
        uow_factory(), actor, rows=[person.row for person in workforce.people]
    )
    _require_no_errors(hired, "employees")
    assigned = await assign_roles(
        uow_factory(),
        actor,
        rows=[
            RoleAssignmentRow(
                role_key=person.role_key,
                employee_external_id=person.row.external_id,
                effective_date=person.row.hire_date,
            )
            for person in workforce.people
        ],
    )
    _require_no_errors(assigned, "role assignments")
    return {row.reference: uuid.UUID(row.id) for row in hired.rows if row.reference and row.id}


async def _define_workflows(
    uow_factory: UnitOfWorkFactory, actor: Actor, cohorts: list[Cohort]
) -> list[Workflow]:
    """The loop on autopilot: a quarterly review of the senior sales cohort that notifies,
    plans and re-assesses until the requirements are met, and an assessment of anyone whose
    role changes."""
    (senior_sales,) = [c for c in cohorts if c.key == "senior-sales"]
    quarterly = await define_workflow(
        uow_factory(),
        actor,
        key="quarterly-sales-review",
        name="Quarterly capability review, senior sales",
        definition={
            "target": {"kind": "cohort", "ids": [str(senior_sales.id)]},
            "triggers": [
                {"type": "schedule", "cron": "0 9 1 1,4,7,10 *", "timezone": "Europe/London"}
            ],
            "steps": [
                {"id": "assess", "type": "open_assessment", "due_in_days": 14},
                {
                    "id": "invite",
                    "type": "notify",
                    "about": "assess",
                    "recipients": ["employee", "manager"],
                    "remind_every_days": 3,
                    "escalate_after_days": 5,
                },
                {"id": "finalised", "type": "wait", "for": "assess"},
                {"id": "plan", "type": "generate_plan"},
                {"id": "reassess", "type": "schedule_reassessment", "after_days": 30},
                {"id": "loop", "type": "restart", "until": "requirements_met", "max_rounds": 3},
            ],
        },
    )
    new_role = await define_workflow(
        uow_factory(),
        actor,
        key="new-role-baseline",
        name="Baseline assessment after a role change",
        definition={
            "target": {"kind": "everyone"},
            "triggers": [{"type": "event", "event": "role_changed"}],
            "steps": [
                {"id": "assess", "type": "open_assessment", "due_in_days": 30},
                {"id": "invite", "type": "notify", "about": "assess"},
                {"id": "finalised", "type": "wait", "for": "assess"},
                {"id": "plan", "type": "generate_plan"},
                {"id": "done", "type": "end"},
            ],
        },
    )
    return [quarterly, new_role]


async def _create_cohorts(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    workforce: Workforce,
    unit_ids: Mapping[str, uuid.UUID],
    employee_ids: Mapping[str, uuid.UUID],
) -> list[Cohort]:
    director = workforce.heads["engineering"]
    senior_sales = await create_cohort(
        uow_factory(),
        actor,
        key="senior-sales",
        name="Senior sales (L3 and above)",
        description="Everyone in Sales at job level L3 or above: the negotiation masterclass.",
        rule=CohortRule(org_unit_ids=(unit_ids["sales"],), job_levels=SENIOR_SALES_LEVELS),
    )
    reporting_line = await create_cohort(
        uow_factory(),
        actor,
        key="engineering-reporting-line",
        name="Engineering reporting line",
        description="Everyone who reports, directly or not, to the Director of Engineering.",
        rule=CohortRule(manager_ids=(employee_ids[director],)),
    )
    pilot = await create_cohort(
        uow_factory(),
        actor,
        key="new-manager-pilot",
        name="New manager coaching pilot",
        description="First-line managers picked for the first round of manager coaching.",
        rule=None,
    )
    await change_members(
        uow_factory(),
        actor,
        cohort_id=pilot.id,
        add=[employee_ids[external_id] for external_id in workforce.pilot_group],
    )
    return [senior_sales, reporting_line, pilot]


async def _create_catalogue(
    uow_factory: UnitOfWorkFactory, actor: Actor, capability_ids: Mapping[str, uuid.UUID]
) -> dict[str, uuid.UUID]:
    """Create the learning items, prerequisites first; their ids by demo key."""
    item_ids: dict[str, uuid.UUID] = {}
    for entry in LEARNING:
        item = await create_item(
            uow_factory(),
            actor,
            content=ItemContent(
                title=entry.title,
                kind=entry.kind,
                targets=tuple(
                    Target(capability_ids[t.capability_key], t.from_level, t.to_level)
                    for t in entry.targets
                ),
                description=entry.description,
                external_id=entry.external_id,
                url=entry.url or (entry.external_id and f"{LMS}/{entry.external_id}"),
                format=entry.format,
                minutes=entry.minutes,
                cost=entry.cost,
                prerequisites=tuple(item_ids[key] for key in entry.prerequisites),
            ),
        )
        item_ids[entry.key] = item.id
    return item_ids


async def _run_assessment_cycle(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    cycle: tuple[Assessee, ...],
    capability_ids: Mapping[str, uuid.UUID],
    employee_ids: Mapping[str, uuid.UUID],
) -> None:
    """Assess each person against their current role; they and their manager rate and
    submit, and the manager finalises those the cycle says (which generates their plans)."""
    due = utcnow().date() + timedelta(days=CYCLE_DAYS)
    for assessee in cycle:
        employee_id = employee_ids[assessee.external_id]
        manager_id = employee_ids[assessee.manager_external_id]
        assessment = await create_assessment(
            uow_factory(), actor, employee_id=employee_id, due_date=due
        )
        manager = Actor(actor.tenant_id, frozenset({Role.MANAGER}), employee_id=manager_id)
        raters = (
            (employee_id, Role.EMPLOYEE, [r.self_level for r in assessee.ratings]),
            (manager_id, Role.MANAGER, [r.manager_level for r in assessee.ratings]),
        )
        for rater_id, role, levels in raters:
            await rate(
                uow_factory(),
                Actor(actor.tenant_id, frozenset({role}), employee_id=rater_id),
                assessment_id=assessment.id,
                ratings=[
                    Rating(rater_id, capability_ids[r.capability_key], level)
                    for r, level in zip(assessee.ratings, levels, strict=True)
                ],
                submit=True,
            )
        if assessee.finalise:
            await finalise_assessment(uow_factory(), manager, assessment_id=assessment.id)


async def _count_plans(uow_factory: UnitOfWorkFactory, actor: Actor) -> int:
    """The plans finalising generated: at most one a person, so one page holds them all."""
    found = await list_plans(uow_factory(), actor, page=PageRequest(limit=MAX_LIMIT))
    assert not found.has_more
    return len(found.items)


@asynccontextmanager
async def _one_transaction(uow_factory: UnitOfWorkFactory) -> AsyncIterator[UnitOfWorkFactory]:
    """A factory whose units of work all join one open transaction, committed when the block
    ends and rolled back whole if a use case raises: hundreds of use cases, one commit."""
    uow = uow_factory()
    async with uow:
        yield lambda: _Joined(uow)
        await uow.commit()


class _Joined:
    """The shared unit of work as one use case sees it: entering it and committing it are
    left to `_one_transaction`; everything else (the repositories) is the shared one's."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> object:
        return getattr(self._uow, name)

    async def __aenter__(self) -> "_Joined":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def commit(self) -> None:
        return None


def _require_no_errors(result: BulkResult, what: str) -> None:
    errors = [
        FieldError(f"rows.{row.index}.{error.field}", error.message)
        for row in result.rows
        if row.status is RowStatus.ERROR
        for error in row.errors
    ]
    if errors:
        raise InvalidInput(f"Some demo {what} were refused.", errors)
