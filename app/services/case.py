"""CASE 1.0 framework exchange: a CFPackage imports into a framework, a version exports as one.

hr_admin and integration credentials import; whoever reads frameworks exports. An import makes
a framework the first time; later imports of the same CFDocument (or of a package exported
from a Tandem framework) update that framework: a new draft, or the open draft, holds the
package's content, and nothing is written when nothing changed. Every import is audited.
"""

import uuid
from dataclasses import dataclass

from app.domain.audit import AuditEntry, Channel
from app.domain.case import (
    CasePackage,
    Identities,
    export_package,
    framework_key,
    plan_import,
)
from app.domain.errors import Conflict
from app.domain.frameworks import (
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkDiff,
    FrameworkVersion,
    VersionStatus,
    current_version,
    diff,
    next_draft,
)
from app.domain.identity import Actor, Role
from app.domain.ports import UnitOfWork
from app.services import utcnow
from app.services.frameworks import framework_of, version_of, write_content
from app.services.guards import changes_nothing


@dataclass(frozen=True)
class CaseImport:
    framework: Framework
    versions: list[FrameworkVersion]
    version: FrameworkVersion
    """The version holding the package's content."""
    created: bool
    changed: bool
    changes: FrameworkDiff
    """From what the framework held before (its draft, else its current version)."""
    new_scales: tuple[str, ...]
    notes: tuple[str, ...]


async def import_package(
    uow: UnitOfWork,
    actor: Actor,
    *,
    package: CasePackage,
    key: str | None = None,
    default_type: CapabilityType = CapabilityType.SKILL,
    default_scale_key: str | None = None,
) -> CaseImport:
    """Import `package`; `key` names a new framework (default: from the title), `default_type`
    and `default_scale_key` serve items the package does not type or measure. Raises
    Forbidden, InvalidInput (paths into the package, or `key`, `name`, `description`),
    Conflict (the key is taken)."""
    actor.require_any(Role.HR_ADMIN, Role.INTEGRATION)
    tenant_id = actor.tenant_id
    now = utcnow()
    async with uow:
        framework = await _imported_before(uow, actor, package.document.identifier)
        record, versions, latest, previous = None, [], None, FrameworkContent()
        if framework is not None:
            record = await uow.case_records.get(tenant_id, framework.id)
            versions = await uow.frameworks.versions(tenant_id, framework.id)
            latest = _latest(versions)
            previous = await uow.frameworks.content(tenant_id, latest.id)
        plan = plan_import(
            package,
            identities=Identities(framework.id if framework else None, record),
            previous=previous,
            scales=await uow.scales.all(tenant_id),
            default_type=default_type,
            default_scale_key=default_scale_key,
            tenant_id=tenant_id,
            now=now,
        )
        for scale in plan.new_scales:
            await uow.scales.add(scale)
        created = framework is None
        if framework is None:
            framework = Framework.create(
                tenant_id,
                key=key or framework_key(package.document),
                name=plan.name,
                description=plan.description,
                now=now,
            )
            if await uow.frameworks.id_by_key(tenant_id, framework.key) is not None:
                raise Conflict(
                    f"A framework with key {framework.key} exists already: name another with key."
                )
            await uow.frameworks.add(framework)
            renamed = False
        else:
            renamed_to = framework.rename(name=plan.name, description=plan.description, now=now)
            renamed = not changes_nothing(framework, renamed_to)
            if renamed:
                await uow.frameworks.save(renamed_to, previous_version=framework.version)
                framework = renamed_to
        version = await _holding(uow, actor, framework, versions, latest, plan.content, previous)
        versions = sorted(
            [v for v in versions if v.id != version.id] + [version], key=lambda v: v.number
        )
        changes = diff(previous, plan.content)
        changed = created or renamed or version is not latest
        if plan.record != record:
            await uow.case_records.save(tenant_id, framework.id, plan.record, now)
        await uow.audit.record(
            [
                AuditEntry.of(
                    actor,
                    channel=Channel.CASE,
                    action=(
                        "framework.created"
                        if created
                        else "framework.updated"
                        if changed
                        else "framework.unchanged"
                    ),
                    target_type="framework",
                    target_id=framework.id,
                    changes={
                        "document": package.document.identifier,
                        "version": version.number,
                        "renamed": renamed,
                        "added_capabilities": list(changes.added_capabilities),
                        "removed_capabilities": list(changes.removed_capabilities),
                        "changed_capabilities": [c.key for c in changes.changed_capabilities],
                        "added_groups": list(changes.added_groups),
                        "removed_groups": list(changes.removed_groups),
                        "changed_groups": list(changes.changed_groups),
                        "new_scales": [s.key for s in plan.new_scales],
                    },
                    now=now,
                )
            ]
        )
        await uow.commit()
    return CaseImport(
        framework=framework,
        versions=versions,
        version=version,
        created=created,
        changed=changed,
        changes=changes,
        new_scales=tuple(s.key for s in plan.new_scales),
        notes=plan.notes,
    )


async def export_version(
    uow: UnitOfWork, actor: Actor, *, framework_id: uuid.UUID, number: int
) -> dict[str, object]:
    """The version as a CFPackage. Raises NotFound."""
    async with uow:
        framework = await framework_of(uow, actor, framework_id)
        version = await version_of(uow, actor, framework_id, number)
        content = await uow.frameworks.content(actor.tenant_id, version.id)
        scales = await uow.scales.by_keys(
            actor.tenant_id, {c.scale_key for c in content.capabilities}
        )
        record = await uow.case_records.get(actor.tenant_id, framework_id)
    return export_package(framework, version, content, scales, record)


async def _imported_before(uow: UnitOfWork, actor: Actor, identifier: str) -> Framework | None:
    """The framework an earlier import of this CFDocument made, or the Tandem framework a
    package exported from (its CFDocument identifier is the framework's id)."""
    framework_id = await uow.case_records.framework_of(actor.tenant_id, identifier)
    if framework_id is None:
        try:
            framework_id = uuid.UUID(identifier)
        except ValueError:
            return None
    return await uow.frameworks.get(actor.tenant_id, framework_id)


def _latest(versions: list[FrameworkVersion]) -> FrameworkVersion:
    """What an import compares with and updates: the open draft, else the current version."""
    draft = next((v for v in versions if v.status is VersionStatus.DRAFT), None)
    return draft or current_version(versions) or versions[-1]


async def _holding(
    uow: UnitOfWork,
    actor: Actor,
    framework: Framework,
    versions: list[FrameworkVersion],
    latest: FrameworkVersion | None,
    content: FrameworkContent,
    previous: FrameworkContent,
) -> FrameworkVersion:
    """The version that holds `content` once it is stored: `latest` if it holds it already,
    else the edited draft, else a new one."""
    now = utcnow()
    if latest is None:
        version = FrameworkVersion.first_draft(framework, now)
        await uow.frameworks.add_version(version)
    elif content == previous:
        return latest
    elif latest.status is VersionStatus.DRAFT:
        version = latest.edited()
        await uow.frameworks.save_version(version, previous_revision=latest.revision)
    else:
        version = next_draft(framework, versions, now)
        await uow.frameworks.add_version(version)
    await write_content(uow, actor, version, content)
    return version
