"""Competency scale use cases: anyone in the tenant reads them, hr_admin writes them."""

import uuid
from collections.abc import Sequence

from app.domain.errors import Conflict, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.scales import CompetencyScale, LevelSpec
from app.services import utcnow
from app.services.guards import changes_nothing, check_deletable, check_version


async def create_scale(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    name: str,
    description: str,
    levels: Sequence[LevelSpec],
    proficient_level: int | None,
) -> CompetencyScale:
    """A new scale. Raises Forbidden, InvalidInput, Conflict (key taken)."""
    actor.require_any(Role.HR_ADMIN)
    scale = CompetencyScale.create(
        actor.tenant_id,
        key=key,
        name=name,
        description=description,
        levels=levels,
        proficient_level=proficient_level,
        now=utcnow(),
    )
    async with uow:
        if await uow.scales.by_keys(actor.tenant_id, [scale.key]):
            raise Conflict(f"A scale with key {scale.key} exists already.")
        await uow.scales.add(scale)
        await uow.commit()
    return scale


async def get_scale(uow: UnitOfWork, actor: Actor, *, scale_id: uuid.UUID) -> CompetencyScale:
    """Raises NotFound."""
    async with uow:
        scale = await uow.scales.get(actor.tenant_id, scale_id)
    if scale is None:
        raise NotFound("Scale", scale_id)
    return scale


async def list_scales(uow: UnitOfWork, actor: Actor, *, page: PageRequest) -> Page[CompetencyScale]:
    async with uow:
        return await uow.scales.list(actor.tenant_id, page)


async def update_scale(
    uow: UnitOfWork,
    actor: Actor,
    *,
    scale_id: uuid.UUID,
    name: str,
    description: str,
    levels: Sequence[LevelSpec],
    proficient_level: int | None,
    expected_version: int | None = None,
) -> CompetencyScale:
    """Replace a scale's content. Raises Forbidden, NotFound, InvalidInput,
    PreconditionFailed (stale version), Conflict (dropping a level in use)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        scale = await uow.scales.get(actor.tenant_id, scale_id)
        if scale is None:
            raise NotFound("Scale", scale_id)
        check_version("scale", scale.version, expected_version)
        revised = scale.revise(
            name=name,
            description=description,
            levels=levels,
            proficient_level=proficient_level,
            levels_in_use=await uow.scales.levels_in_use(actor.tenant_id, scale_id),
            now=utcnow(),
        )
        if changes_nothing(scale, revised):
            return scale
        await uow.scales.save(revised, previous_version=scale.version)
        await uow.commit()
    return revised


async def delete_scale(
    uow: UnitOfWork, actor: Actor, *, scale_id: uuid.UUID, expected_version: int | None = None
) -> None:
    """Raises Forbidden, NotFound, PreconditionFailed, Conflict (a framework uses it)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        scale = await uow.scales.get(actor.tenant_id, scale_id)
        if scale is None:
            raise NotFound("Scale", scale_id)
        in_use = await uow.scales.in_use(actor.tenant_id, scale_id)
        check_deletable(
            "scale",
            version=scale.version,
            expected_version=expected_version,
            blocker="framework versions measure capabilities on it" if in_use else None,
        )
        await uow.scales.delete(actor.tenant_id, scale_id)
        await uow.commit()
