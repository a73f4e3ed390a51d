"""Framework use cases: versioned content, publishing, diffs, and the capabilities it defines.

Everyone in the tenant reads frameworks and capabilities; hr_admin writes them.
"""

import uuid
from dataclasses import dataclass

from app.domain.errors import Conflict, NotFound
from app.domain.frameworks import (
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkDiff,
    FrameworkVersion,
    current_version,
    diff,
    next_draft,
    requirements_broken_by,
)
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.scales import CompetencyScale
from app.domain.values import UNSET, Unset, checked_filter
from app.domain.views import CapabilityView
from app.services import utcnow
from app.services.guards import changes_nothing, check_version


@dataclass(frozen=True)
class FrameworkDetail:
    framework: Framework
    versions: list[FrameworkVersion]


@dataclass(frozen=True)
class VersionDetail:
    version: FrameworkVersion
    content: FrameworkContent


async def create_framework(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    name: str,
    description: str,
    content: FrameworkContent,
) -> FrameworkDetail:
    """A framework with version 1 as a draft holding `content` (possibly empty).
    Raises Forbidden, InvalidInput (with paths into the content), Conflict (key taken)."""
    actor.require_any(Role.HR_ADMIN)
    now = utcnow()
    framework = Framework.create(
        actor.tenant_id, key=key, name=name, description=description, now=now
    )
    draft = FrameworkVersion.first_draft(framework, now)
    async with uow:
        content = await _validated(uow, actor, content)
        if await _key_taken(uow, actor, framework.key):
            raise Conflict(f"A framework with key {framework.key} exists already.")
        await uow.frameworks.add(framework)
        await uow.frameworks.add_version(draft)
        await write_content(uow, actor, draft, content)
        await uow.commit()
    return FrameworkDetail(framework, [draft])


async def get_framework(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID
) -> FrameworkDetail:
    """The framework with its versions. Raises NotFound."""
    async with uow:
        framework = await framework_of(uow, actor, framework_id)
        versions = await uow.frameworks.versions(actor.tenant_id, framework_id)
    return FrameworkDetail(framework, versions)


async def list_frameworks(uow: UnitOfWork, actor: Actor, *, page: PageRequest) -> Page[Framework]:
    async with uow:
        return await uow.frameworks.list(actor.tenant_id, page)


async def rename_framework(
    uow: UnitOfWork,
    actor: Actor,
    *,
    framework_id: uuid.UUID,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    expected_version: int | None = None,
) -> Framework:
    """Change name and/or description. Raises Forbidden, NotFound, InvalidInput,
    PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        framework = await framework_of(uow, actor, framework_id)
        check_version("framework", framework.version, expected_version)
        renamed = framework.rename(
            name=framework.name if isinstance(name, Unset) else name,
            description=framework.description if isinstance(description, Unset) else description,
            now=utcnow(),
        )
        if changes_nothing(framework, renamed):
            return framework
        await uow.frameworks.save(renamed, previous_version=framework.version)
        await uow.commit()
    return renamed


async def get_version(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID, number: int
) -> VersionDetail:
    """One version with its groups and capabilities. Raises NotFound."""
    async with uow:
        version = await version_of(uow, actor, framework_id, number)
        content = await uow.frameworks.content(actor.tenant_id, version.id)
    return VersionDetail(version, content)


async def replace_draft_content(
    uow: UnitOfWork,
    actor: Actor,
    *,
    framework_id: uuid.UUID,
    number: int,
    content: FrameworkContent,
    expected_revision: int | None = None,
) -> VersionDetail:
    """Make `content` the draft's content. Raises Forbidden, NotFound, InvalidInput,
    InvalidTransition (the version is not a draft), PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        version = await version_of(uow, actor, framework_id, number)
        check_version("version", version.revision, expected_revision)
        edited = version.edited()
        content = await _validated(uow, actor, content)
        await uow.frameworks.save_version(edited, previous_revision=version.revision)
        await write_content(uow, actor, edited, content)
        await uow.commit()
    return VersionDetail(edited, content)


async def start_draft(uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID) -> VersionDetail:
    """A new draft copied from the current published version (or the latest one).
    Raises Forbidden, NotFound, Conflict (a draft exists)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        framework = await framework_of(uow, actor, framework_id)
        versions = await uow.frameworks.versions(actor.tenant_id, framework_id)
        draft = next_draft(framework, versions, utcnow())
        source = current_version(versions) or versions[-1]
        content = await uow.frameworks.content(actor.tenant_id, source.id)
        await uow.frameworks.add_version(draft)
        await write_content(uow, actor, draft, content)
        await uow.commit()
    return VersionDetail(draft, content)


async def publish_version(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID, number: int
) -> FrameworkVersion:
    """Freeze the draft and make it current; the previously published version retires.
    Raises Forbidden, NotFound, InvalidTransition."""
    actor.require_any(Role.HR_ADMIN)
    now = utcnow()
    async with uow:
        versions = await uow.frameworks.versions(actor.tenant_id, framework_id)
        version = _numbered(versions, framework_id, number)
        content = await uow.frameworks.content(actor.tenant_id, version.id)
        published = version.publish(now, content)
        scales = await _scales_of(uow, actor, content)
        content.validated(scales)  # the scales may have changed since the draft was saved
        broken = requirements_broken_by(
            content, scales, await uow.frameworks.requirements_on(actor.tenant_id, framework_id)
        )
        if broken:
            raise Conflict(f"Publishing would break role profiles: {'; '.join(broken)}.")
        previous = current_version(versions)
        if previous is not None:
            await uow.frameworks.save_version(
                previous.retire(now), previous_revision=previous.revision
            )
        await uow.frameworks.save_version(published, previous_revision=version.revision)
        await uow.commit()
    return published


async def retire_version(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID, number: int
) -> FrameworkVersion:
    """Withdraw the published version (the framework then has no current version).
    Raises Forbidden, NotFound, InvalidTransition."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        version = await version_of(uow, actor, framework_id, number)
        retired = version.retire(utcnow())
        if required := await uow.frameworks.requirements_on(actor.tenant_id, framework_id):
            roles = sorted({r.role_key for r in required})
            raise Conflict(
                "Role profiles require this framework's capabilities: "
                f"{', '.join(roles)}. Publish a new version instead, or change those roles."
            )
        await uow.frameworks.save_version(retired, previous_revision=version.revision)
        await uow.commit()
    return retired


async def compare_versions(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID, old: int, new: int
) -> FrameworkDiff:
    """What changed between two versions. Raises NotFound."""
    async with uow:
        versions = await uow.frameworks.versions(actor.tenant_id, framework_id)
        before = _numbered(versions, framework_id, old)
        after = _numbered(versions, framework_id, new)
        return diff(
            await uow.frameworks.content(actor.tenant_id, before.id),
            await uow.frameworks.content(actor.tenant_id, after.id),
        )


async def list_capabilities(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    framework_id: uuid.UUID | None = None,
    type: CapabilityType | None = None,
    search: str | None = None,
) -> Page[CapabilityView]:
    """Capabilities of published versions, filtered."""
    search = checked_filter(search, "q")
    async with uow:
        return await uow.capabilities.list(
            actor.tenant_id, page, framework_id=framework_id, type=type, search=search
        )


async def get_capability(
    uow: UnitOfWork, actor: Actor, *, capability_id: uuid.UUID
) -> CapabilityView:
    """A capability as currently published. Raises NotFound."""
    async with uow:
        capability = await uow.capabilities.get(actor.tenant_id, capability_id)
    if capability is None:
        raise NotFound("Capability", capability_id)
    return capability


async def _validated(uow: UnitOfWork, actor: Actor, content: FrameworkContent) -> FrameworkContent:
    return content.validated(await _scales_of(uow, actor, content))


async def _scales_of(
    uow: UnitOfWork, actor: Actor, content: FrameworkContent
) -> dict[str, CompetencyScale]:
    return await uow.scales.by_keys(actor.tenant_id, {c.scale_key for c in content.capabilities})


async def write_content(
    uow: UnitOfWork, actor: Actor, version: FrameworkVersion, content: FrameworkContent
) -> None:
    """Store validated content as the version's (shared with the CASE import)."""
    scales = await uow.scales.by_keys(actor.tenant_id, {c.scale_key for c in content.capabilities})
    await uow.frameworks.replace_content(
        version, content, {key: scale.id for key, scale in scales.items()}, utcnow()
    )


async def _key_taken(uow: UnitOfWork, actor: Actor, key: str) -> bool:
    return await uow.frameworks.id_by_key(actor.tenant_id, key) is not None


async def framework_of(uow: UnitOfWork, actor: Actor, framework_id: uuid.UUID) -> Framework:
    """The caller's tenant's framework. Raises NotFound."""
    framework = await uow.frameworks.get(actor.tenant_id, framework_id)
    if framework is None:
        raise NotFound("Framework", framework_id)
    return framework


async def version_of(
    uow: UnitOfWork, actor: Actor, framework_id: uuid.UUID, number: int
) -> FrameworkVersion:
    return _numbered(
        await uow.frameworks.versions(actor.tenant_id, framework_id), framework_id, number
    )


def _numbered(
    versions: list[FrameworkVersion], framework_id: uuid.UUID, number: int
) -> FrameworkVersion:
    for version in versions:
        if version.number == number:
            return version
    raise NotFound("Framework version", f"{framework_id}/{number}")


@dataclass(frozen=True)
class VersionExport:
    framework: Framework
    version: FrameworkVersion
    content: FrameworkContent


async def export_version(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID, number: int
) -> VersionExport:
    """One version's content with its framework (whose key names the export). Raises NotFound."""
    async with uow:
        framework = await framework_of(uow, actor, framework_id)
        version = await version_of(uow, actor, framework_id, number)
        content = await uow.frameworks.content(actor.tenant_id, version.id)
    return VersionExport(framework, version, content)
