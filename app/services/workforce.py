"""Workforce reports: capability maturity and the succession bench (see app.domain.workforce).

hr_admin and integrations read them over the whole tenant. A manager reads them over their
reach: themselves and everyone below them in the reporting line (what they may see of people
anyway). Other callers get Forbidden. A filter by org unit narrows either population.
"""

import uuid

from app.domain.errors import Forbidden, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.workforce import Bench, MaturityLine, Population


async def capability_maturity(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest | None,
    org_unit_id: uuid.UUID | None = None,
    framework_id: uuid.UUID | None = None,
) -> Page[MaturityLine]:
    """Per capability the population's roles require, in id order, its maturity with the
    capability's key, name and scale top. `page` None: every capability (an export). A fixed
    number of queries. Raises Forbidden, NotFound (the org unit or framework)."""
    async with uow:
        population = await population_of(uow, actor, org_unit_id)
        if (
            framework_id is not None
            and await uow.frameworks.get(actor.tenant_id, framework_id) is None
        ):
            raise NotFound("Framework", framework_id)
        found = await uow.workforce.capability_maturity(
            actor.tenant_id, population, page, framework_id=framework_id
        )
        ids = [m.capability_id for m in found.items]
        views = {c.id: c for c in await uow.capabilities.get_many(actor.tenant_id, ids)}
        tops = await uow.capabilities.max_levels(actor.tenant_id, ids)
    return found.map(
        lambda m: MaturityLine(
            maturity=m,
            capability_key=views[m.capability_id].key if m.capability_id in views else None,
            capability_name=views[m.capability_id].name if m.capability_id in views else None,
            max_level=tops.get(m.capability_id),
        )
    )


async def succession_bench(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest | None,
    org_unit_id: uuid.UUID | None = None,
    role_id: uuid.UUID | None = None,
) -> Page[Bench]:
    """Per role someone in the population holds or aspires to, in id order: its holders and
    its candidates, readiest first. `page` None: every role (an export). A fixed number of
    queries. Raises Forbidden, NotFound (the org unit or role)."""
    async with uow:
        population = await population_of(uow, actor, org_unit_id)
        if role_id is not None and await uow.roles.get(actor.tenant_id, role_id) is None:
            raise NotFound("Role", role_id)
        return await uow.workforce.succession_bench(
            actor.tenant_id, population, page, role_id=role_id
        )


async def population_of(uow: UnitOfWork, actor: Actor, org_unit_id: uuid.UUID | None) -> Population:
    """Inside an open unit of work: whom the actor's reports cover. Raises Forbidden,
    NotFound (the org unit)."""
    if actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        reach = None
    elif actor.has_any(Role.MANAGER) and actor.employee_id is not None:
        reach = actor.employee_id
    else:
        raise Forbidden("Workforce reports are for hr_admin, integrations and managers.")
    if org_unit_id is not None and await uow.org_units.get(actor.tenant_id, org_unit_id) is None:
        raise NotFound("Org unit", org_unit_id)
    return Population(org_unit_id=org_unit_id, visible_to_manager=reach)
