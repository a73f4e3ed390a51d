"""Learning catalogue use cases: everyone reads the catalogue, hr_admin and integrations (an
LMS sync) write it."""

import uuid

from app.domain.errors import Conflict, NotFound
from app.domain.identity import Actor, Role
from app.domain.learning import ItemContent, LearningItem, check_prerequisites
from app.domain.pagination import Page, PageRequest
from app.domain.plans import LearningKind
from app.domain.ports import UnitOfWork
from app.services import utcnow
from app.services.guards import changes_nothing, check_version

WRITERS = (Role.HR_ADMIN, Role.INTEGRATION)


async def create_item(uow: UnitOfWork, actor: Actor, *, content: ItemContent) -> LearningItem:
    """Raises Forbidden, InvalidInput (content, unknown or looping prerequisites), Conflict
    (external id taken)."""
    actor.require_any(*WRITERS)
    async with uow:
        item = LearningItem.create(
            actor.tenant_id,
            content,
            max_levels=await _max_levels(uow, actor, content),
            now=utcnow(),
        )
        await _check_links(uow, actor, item)
        await uow.learning.add(item)
        await uow.commit()
    return item


async def get_item(uow: UnitOfWork, actor: Actor, *, item_id: uuid.UUID) -> LearningItem:
    """Raises NotFound."""
    async with uow:
        item = await uow.learning.get(actor.tenant_id, item_id)
    if item is None:
        raise NotFound("Learning item", item_id)
    return item


async def list_items(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    capability_id: uuid.UUID | None = None,
    kind: LearningKind | None = None,
    active: bool | None = None,
) -> Page[LearningItem]:
    async with uow:
        return await uow.learning.list(
            actor.tenant_id, page, capability_id=capability_id, kind=kind, active=active
        )


async def update_item(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item_id: uuid.UUID,
    content: ItemContent,
    expected_version: int | None = None,
) -> LearningItem:
    """Replace an item's content (deactivate with active=false: items are never deleted,
    plans refer to them). Raises Forbidden, NotFound, InvalidInput, Conflict,
    PreconditionFailed."""
    actor.require_any(*WRITERS)
    async with uow:
        item = await uow.learning.get(actor.tenant_id, item_id)
        if item is None:
            raise NotFound("Learning item", item_id)
        check_version("learning item", item.version, expected_version)
        revised = item.revise(
            content, max_levels=await _max_levels(uow, actor, content), now=utcnow()
        )
        if changes_nothing(item, revised):
            return item
        await _check_links(uow, actor, revised, previous=item)
        await uow.learning.save(revised, previous_version=item.version)
        await uow.commit()
    return revised


async def _max_levels(uow: UnitOfWork, actor: Actor, content: ItemContent) -> dict[uuid.UUID, int]:
    return await uow.capabilities.max_levels(
        actor.tenant_id, {t.capability_id for t in content.targets}
    )


async def _check_links(
    uow: UnitOfWork, actor: Actor, item: LearningItem, previous: LearningItem | None = None
) -> None:
    external_id = item.content.external_id
    renamed = previous is None or previous.content.external_id != external_id
    if (
        external_id
        and renamed
        and await uow.learning.ids_by_external_ids(actor.tenant_id, [external_id])
    ):
        raise Conflict(f"A learning item with external id {external_id} exists already.")
    if item.content.prerequisites:
        graph = await uow.learning.prerequisite_graph(actor.tenant_id)
        check_prerequisites(item.id, item.content.prerequisites, graph)
