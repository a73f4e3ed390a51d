"""Learning impact (see app.domain.impact): the report, and the training evaluation beside it.

The report is read as the other workforce reports are: hr_admin and integrations over the
tenant, a manager over their reporting line, others get Forbidden. Feedback on a completed
plan item is given by the plan's employee (or relayed by an integration, from the LMS's
survey) and read by whoever may see the plan.
"""

import uuid

from app.domain.development import ItemStatus
from app.domain.errors import Conflict, Forbidden, NotFound
from app.domain.identity import Actor, Role
from app.domain.impact import Feedback, ImpactBy, ImpactLine
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.services import utcnow
from app.services.plans import visible_plan
from app.services.workforce import population_of


async def learning_impact(
    uow: UnitOfWork,
    actor: Actor,
    *,
    by: ImpactBy,
    page: PageRequest | None,
    org_unit_id: uuid.UUID | None = None,
) -> Page[ImpactLine]:
    """Per learning item, capability or org unit, in id order (every line when `page` is
    None: an export), with what names it. A fixed number of queries. Raises Forbidden,
    NotFound (the org unit)."""
    async with uow:
        population = await population_of(uow, actor, org_unit_id)
        found = await uow.workforce.learning_impact(actor.tenant_id, population, by, page)
        ids = [line.id for line in found.items]
        if by is ImpactBy.LEARNING_ITEM:
            found_items = await uow.learning.get_many(actor.tenant_id, ids)
            items = {item.id: item.content for item in found_items}
            return found.map(
                lambda line: ImpactLine(
                    line,
                    items[line.id].external_id if line.id in items else None,
                    items[line.id].title if line.id in items else None,
                    items[line.id].kind.value if line.id in items else None,
                )
            )
        if by is ImpactBy.CAPABILITY:
            views = await uow.capabilities.get_many(actor.tenant_id, ids)
            named = {view.id: (view.key, view.name) for view in views}
        else:
            units = await uow.org_units.get_many(actor.tenant_id, ids)
            named = {unit.id: (unit.key, unit.name) for unit in units}
    return found.map(lambda line: ImpactLine(line, *named.get(line.id, (None, None))))


async def rate_learning(
    uow: UnitOfWork,
    actor: Actor,
    *,
    plan_id: uuid.UUID,
    learning_item_id: uuid.UUID,
    rating: int,
    comment: str = "",
) -> Feedback:
    """The plan's employee rates an item they completed in it; sent again, it replaces the
    rating. Raises InvalidInput, NotFound (the plan, or the item not in it), Forbidden
    (someone else), Conflict (the item is not completed)."""
    feedback = Feedback.of(
        actor.tenant_id,
        plan_id=plan_id,
        learning_item_id=learning_item_id,
        rating=rating,
        comment=comment,
        now=utcnow(),
    )
    async with uow:
        plan = await visible_plan(uow, actor, plan_id)
        if actor.employee_id != plan.employee_id and not actor.has_any(Role.INTEGRATION):
            raise Forbidden("Learning is rated by the employee who completed it.")
        item = next((i for i in plan.items if i.learning_item_id == learning_item_id), None)
        if item is None:
            raise NotFound("Plan item", learning_item_id)
        if item.status is not ItemStatus.COMPLETED:
            raise Conflict(f"The item is {item.status}; rate it once it is completed.")
        await uow.plans.put_feedback(feedback)
        await uow.commit()
    return feedback


async def learning_feedback(
    uow: UnitOfWork, actor: Actor, *, plan_id: uuid.UUID, learning_item_id: uuid.UUID
) -> Feedback:
    """Raises NotFound (the plan, or no feedback on the item)."""
    async with uow:
        await visible_plan(uow, actor, plan_id)
        found = await uow.plans.feedback(actor.tenant_id, plan_id, learning_item_id)
    if found is None:
        raise NotFound("Feedback", learning_item_id)
    return found
