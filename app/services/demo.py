"""Seed a demo tenant for trying the API: a catalogue, role profiles, an organisation, cohorts.

Everything goes through the use cases an HR admin's API calls reach, acting with the new
tenant's own admin key, so the demo obeys every rule real data does.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.bulk import BulkResult, RowStatus
from app.domain.cohorts import Cohort, CohortRule
from app.domain.errors import FieldError, InvalidInput
from app.domain.identity import Actor
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.domain.ports import UnitOfWorkFactory
from app.domain.roles import Requirement
from app.domain.tenants import Tenant
from app.services.authentication import authenticate_api_key
from app.services.cohorts import change_members, create_cohort
from app.services.demo_data import FRAMEWORKS
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
from app.services.org_units import create_org_unit
from app.services.roles import create_role
from app.services.scales import create_scale
from app.services.tenants import create_tenant

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
    tree and a few hundred employees with roles, managers and cohorts. The same seed gives
    the same people. Raises InvalidInput for an unacceptable name, or if a service refuses
    part of the demo data; each step commits on its own, so a failure leaves the tenant
    partly filled."""
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


def _require_no_errors(result: BulkResult, what: str) -> None:
    errors = [
        FieldError(f"rows.{row.index}.{error.field}", error.message)
        for row in result.rows
        if row.status is RowStatus.ERROR
        for error in row.errors
    ]
    if errors:
        raise InvalidInput(f"Some demo {what} were refused.", errors)
