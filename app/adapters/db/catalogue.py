"""Repositories for scales, frameworks, capabilities and role profiles."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import (
    any_row,
    delete_row,
    existing_ids,
    ids_by_key,
    insert_for,
    one_row,
    save_versioned,
    search_pattern,
)
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.people import named_by_a_rule
from app.adapters.db.tables import (
    capabilities,
    capability_groups,
    capability_revisions,
    competency_scales,
    employee_aspired_roles,
    employees,
    framework_versions,
    frameworks,
    role_requirements,
    roles,
)
from app.domain.errors import Conflict
from app.domain.frameworks import (
    CapabilitySpec,
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
    Group,
    KeyedRequirement,
    VersionStatus,
)
from app.domain.ids import new_id
from app.domain.pagination import Page, PageRequest
from app.domain.roles import Requirement, RoleProfile
from app.domain.scales import CompetencyScale, Level
from app.domain.views import CapabilityView


class SqlScaleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, scale: CompetencyScale) -> None:
        await self._conn.execute(sa.insert(competency_scales).values(_scale_values(scale)))

    async def get(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> CompetencyScale | None:
        row = await one_row(self._conn, competency_scales, tenant_id=tenant_id, row_id=scale_id)
        return None if row is None else _scale(row)

    async def by_keys(
        self, tenant_id: uuid.UUID, keys: Collection[str]
    ) -> dict[str, CompetencyScale]:
        if not keys:
            return {}
        rows = await self._conn.execute(
            sa.select(competency_scales).where(
                competency_scales.c.tenant_id == tenant_id, competency_scales.c.key.in_(set(keys))
            )
        )
        return {row.key: _scale(row) for row in rows}

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[CompetencyScale]:
        statement = sa.select(competency_scales).where(competency_scales.c.tenant_id == tenant_id)
        return await fetch_page_by_id(self._conn, statement, competency_scales.c.id, page, _scale)

    async def all(self, tenant_id: uuid.UUID) -> list[CompetencyScale]:
        rows = await self._conn.execute(
            sa.select(competency_scales)
            .where(competency_scales.c.tenant_id == tenant_id)
            .order_by(competency_scales.c.key)
        )
        return [_scale(row) for row in rows]

    async def save(self, scale: CompetencyScale, *, previous_version: int) -> None:
        values = _scale_values(scale)
        await save_versioned(
            self._conn,
            competency_scales,
            tenant_id=scale.tenant_id,
            row_id=scale.id,
            previous_version=previous_version,
            values={k: v for k, v in values.items() if k not in ("id", "tenant_id", "key")},
            kind="Scale",
        )

    async def in_use(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> bool:
        return await any_row(
            self._conn,
            sa.select(capability_revisions.c.capability_id).where(
                capability_revisions.c.tenant_id == tenant_id,
                capability_revisions.c.scale_id == scale_id,
            ),
        )

    async def delete(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> None:
        await delete_row(self._conn, competency_scales, tenant_id=tenant_id, row_id=scale_id)

    async def levels_in_use(self, tenant_id: uuid.UUID, scale_id: uuid.UUID) -> set[int]:
        # A requirement uses the scale of its capability in any version that is not retired.
        statement = (
            sa.select(role_requirements.c.required_level)
            .distinct()
            .join(
                capability_revisions,
                capability_revisions.c.capability_id == role_requirements.c.capability_id,
            )
            .join(
                framework_versions,
                framework_versions.c.id == capability_revisions.c.framework_version_id,
            )
            .where(
                role_requirements.c.tenant_id == tenant_id,
                capability_revisions.c.tenant_id == tenant_id,
                framework_versions.c.tenant_id == tenant_id,
                capability_revisions.c.scale_id == scale_id,
                framework_versions.c.status != VersionStatus.RETIRED.value,
            )
        )
        used = set((await self._conn.execute(statement)).scalars())
        indicators = await self._conn.execute(
            sa.select(capability_revisions.c.indicators)
            .join(
                framework_versions,
                framework_versions.c.id == capability_revisions.c.framework_version_id,
            )
            .where(
                capability_revisions.c.tenant_id == tenant_id,
                framework_versions.c.tenant_id == tenant_id,
                capability_revisions.c.scale_id == scale_id,
                framework_versions.c.status != VersionStatus.RETIRED.value,
            )
        )
        for (stored,) in indicators:
            used |= {int(level) for level, texts in stored.items() if texts}
        return used


def _scale_values(scale: CompetencyScale) -> dict[str, object]:
    return {
        "id": scale.id,
        "tenant_id": scale.tenant_id,
        "key": scale.key,
        "name": scale.name,
        "description": scale.description,
        "levels": [vars(level) for level in scale.levels],
        "proficient_level": scale.proficient_level,
        "version": scale.version,
        "created_at": scale.created_at,
        "updated_at": scale.updated_at,
    }


def _scale(row: sa.Row) -> CompetencyScale:
    values = dict(row._mapping)
    values["levels"] = tuple(Level(**level) for level in values["levels"])
    return CompetencyScale(**values)


class SqlFrameworkRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, framework: Framework) -> None:
        await self._conn.execute(sa.insert(frameworks).values(_framework_values(framework)))

    async def get(self, tenant_id: uuid.UUID, framework_id: uuid.UUID) -> Framework | None:
        row = await one_row(self._conn, frameworks, tenant_id=tenant_id, row_id=framework_id)
        return None if row is None else Framework(**row._mapping)

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[Framework]:
        statement = sa.select(frameworks).where(frameworks.c.tenant_id == tenant_id)
        return await fetch_page_by_id(
            self._conn, statement, frameworks.c.id, page, lambda row: Framework(**row._mapping)
        )

    async def id_by_key(self, tenant_id: uuid.UUID, key: str) -> uuid.UUID | None:
        return (
            await self._conn.execute(
                sa.select(frameworks.c.id).where(
                    frameworks.c.tenant_id == tenant_id, frameworks.c.key == key
                )
            )
        ).scalar_one_or_none()

    async def save(self, framework: Framework, *, previous_version: int) -> None:
        await save_versioned(
            self._conn,
            frameworks,
            tenant_id=framework.tenant_id,
            row_id=framework.id,
            previous_version=previous_version,
            values={
                "name": framework.name,
                "description": framework.description,
                "version": framework.version,
                "updated_at": framework.updated_at,
            },
            kind="Framework",
        )

    async def versions(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID
    ) -> list[FrameworkVersion]:
        rows = await self._conn.execute(
            sa.select(framework_versions)
            .where(
                framework_versions.c.tenant_id == tenant_id,
                framework_versions.c.framework_id == framework_id,
            )
            .order_by(framework_versions.c.number)
        )
        return [_version(row) for row in rows]

    async def add_version(self, version: FrameworkVersion) -> None:
        await self._conn.execute(sa.insert(framework_versions).values(_version_values(version)))

    async def save_version(self, version: FrameworkVersion, *, previous_revision: int) -> None:
        values = _version_values(version)
        result = await self._conn.execute(
            sa.update(framework_versions)
            .where(
                framework_versions.c.tenant_id == version.tenant_id,
                framework_versions.c.id == version.id,
                framework_versions.c.revision == previous_revision,
            )
            .values({k: v for k, v in values.items() if k not in ("id", "tenant_id")})
        )
        if result.rowcount != 1:
            raise Conflict(f"Version {version.number} was changed by another request; retry.")

    async def content(self, tenant_id: uuid.UUID, version_id: uuid.UUID) -> FrameworkContent:
        group_rows = await self._conn.execute(
            sa.select(capability_groups)
            .where(
                capability_groups.c.tenant_id == tenant_id,
                capability_groups.c.framework_version_id == version_id,
            )
            .order_by(capability_groups.c.position)
        )
        groups = tuple(
            Group(key=r.key, name=r.name, description=r.description, parent_key=r.parent_key)
            for r in group_rows
        )
        capability_rows = await self._conn.execute(
            sa.select(
                capabilities.c.key,
                capability_revisions,
                competency_scales.c.key.label("scale_key"),
            )
            .join(capabilities, capabilities.c.id == capability_revisions.c.capability_id)
            .join(competency_scales, competency_scales.c.id == capability_revisions.c.scale_id)
            .where(
                capability_revisions.c.tenant_id == tenant_id,
                capabilities.c.tenant_id == tenant_id,
                competency_scales.c.tenant_id == tenant_id,
                capability_revisions.c.framework_version_id == version_id,
            )
            .order_by(capability_revisions.c.position)
        )
        specs = tuple(
            CapabilitySpec(
                key=r.key,
                name=r.name,
                type=CapabilityType(r.type),
                scale_key=r.scale_key,
                description=r.description,
                group_key=r.group_key,
                indicators=_indicators(r.indicators),
            )
            for r in capability_rows
        )
        return FrameworkContent(groups=groups, capabilities=specs)

    async def requirements_on(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID
    ) -> list[KeyedRequirement]:
        rows = await self._conn.execute(
            sa.select(
                roles.c.key.label("role_key"),
                capabilities.c.key,
                role_requirements.c.required_level,
            )
            .join(role_requirements, role_requirements.c.capability_id == capabilities.c.id)
            .join(roles, roles.c.id == role_requirements.c.role_id)
            .where(
                capabilities.c.tenant_id == tenant_id,
                role_requirements.c.tenant_id == tenant_id,
                roles.c.tenant_id == tenant_id,
                capabilities.c.framework_id == framework_id,
            )
            .order_by(roles.c.key, capabilities.c.key)
        )
        return [KeyedRequirement(r.role_key, r.key, r.required_level) for r in rows]

    async def replace_content(
        self,
        version: FrameworkVersion,
        content: FrameworkContent,
        scale_ids: Mapping[str, uuid.UUID],
        now: datetime,
    ) -> None:
        tenant_id, version_id = version.tenant_id, version.id
        for table in (capability_groups, capability_revisions):
            await self._conn.execute(
                sa.delete(table).where(
                    table.c.tenant_id == tenant_id, table.c.framework_version_id == version_id
                )
            )
        if content.groups:
            await self._conn.execute(
                sa.insert(capability_groups),
                [
                    {
                        "tenant_id": tenant_id,
                        "framework_version_id": version_id,
                        "key": g.key,
                        "name": g.name,
                        "description": g.description,
                        "parent_key": g.parent_key,
                        "position": position,
                    }
                    for position, g in enumerate(content.groups)
                ],
            )
        if not content.capabilities:
            return
        ids = await self._capability_ids(
            tenant_id, version.framework_id, [c.key for c in content.capabilities], now
        )
        await self._conn.execute(
            sa.insert(capability_revisions),
            [
                {
                    "tenant_id": tenant_id,
                    "framework_version_id": version_id,
                    "capability_id": ids[c.key],
                    "group_key": c.group_key,
                    "type": c.type.value,
                    "name": c.name,
                    "description": c.description,
                    "scale_id": scale_ids[c.scale_key],
                    "indicators": {
                        str(level): list(texts) for level, texts in c.indicators.items()
                    },
                    "position": position,
                }
                for position, c in enumerate(content.capabilities)
            ],
        )

    async def _capability_ids(
        self, tenant_id: uuid.UUID, framework_id: uuid.UUID, keys: list[str], now: datetime
    ) -> dict[str, uuid.UUID]:
        """Stable ids by key: existing ones kept, new keys given new ids (one statement each)."""
        insert = insert_for(self._conn, capabilities)
        await self._conn.execute(
            insert.on_conflict_do_nothing(index_elements=["framework_id", "key"]),
            [
                {
                    "id": new_id(),
                    "tenant_id": tenant_id,
                    "framework_id": framework_id,
                    "key": key,
                    "created_at": now,
                }
                for key in keys
            ],
        )
        rows = await self._conn.execute(
            sa.select(capabilities.c.key, capabilities.c.id).where(
                capabilities.c.tenant_id == tenant_id,
                capabilities.c.framework_id == framework_id,
            )
        )
        return {row.key: row.id for row in rows}


def _framework_values(framework: Framework) -> dict[str, object]:
    return {
        "id": framework.id,
        "tenant_id": framework.tenant_id,
        "key": framework.key,
        "name": framework.name,
        "description": framework.description,
        "version": framework.version,
        "created_at": framework.created_at,
        "updated_at": framework.updated_at,
    }


def _version_values(version: FrameworkVersion) -> dict[str, object]:
    return {
        "id": version.id,
        "tenant_id": version.tenant_id,
        "framework_id": version.framework_id,
        "number": version.number,
        "status": version.status.value,
        "revision": version.revision,
        "created_at": version.created_at,
        "published_at": version.published_at,
        "retired_at": version.retired_at,
    }


def _version(row: sa.Row) -> FrameworkVersion:
    values = dict(row._mapping)
    values["status"] = VersionStatus(values["status"])
    return FrameworkVersion(**values)


def _indicators(stored: Mapping[str, list[str]]) -> dict[int, tuple[str, ...]]:
    return {int(level): tuple(texts) for level, texts in stored.items()}


class SqlCapabilityRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(
        self,
        tenant_id: uuid.UUID,
        page: PageRequest,
        *,
        framework_id: uuid.UUID | None = None,
        type: CapabilityType | None = None,
        search: str | None = None,
    ) -> Page[CapabilityView]:
        statement = published_capabilities(tenant_id)
        if framework_id is not None:
            statement = statement.where(capabilities.c.framework_id == framework_id)
        if type is not None:
            statement = statement.where(capability_revisions.c.type == type.value)
        if search:
            pattern = search_pattern(search.lower())
            statement = statement.where(
                sa.or_(
                    sa.func.lower(capability_revisions.c.name).like(pattern, escape="\\"),
                    sa.func.lower(capabilities.c.key).like(pattern, escape="\\"),
                )
            )
        return await fetch_page_by_id(self._conn, statement, capabilities.c.id, page, _capability)

    async def get_many(
        self, tenant_id: uuid.UUID, capability_ids: Collection[uuid.UUID]
    ) -> list[CapabilityView]:
        statement = published_capabilities(tenant_id).where(
            capabilities.c.id.in_(set(capability_ids))
        )
        return [_capability(row) for row in await self._conn.execute(statement)]

    async def get(self, tenant_id: uuid.UUID, capability_id: uuid.UUID) -> CapabilityView | None:
        statement = published_capabilities(tenant_id).where(capabilities.c.id == capability_id)
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _capability(row)

    async def max_levels(
        self, tenant_id: uuid.UUID, capability_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        if not capability_ids:
            return {}
        statement = (
            published_capabilities(tenant_id)
            .with_only_columns(capabilities.c.id, competency_scales.c.levels)
            .join(competency_scales, competency_scales.c.id == capability_revisions.c.scale_id)
            .where(
                competency_scales.c.tenant_id == tenant_id,
                capabilities.c.id.in_(set(capability_ids)),
            )
        )
        return {row.id: len(row.levels) for row in await self._conn.execute(statement)}


def published_capabilities(tenant_id: uuid.UUID) -> sa.Select:
    """Each capability as its published framework version has it, with its scale."""
    return (
        sa.select(
            capabilities.c.id,
            capabilities.c.framework_id,
            capabilities.c.key,
            framework_versions.c.number.label("version_number"),
            capability_revisions.c.name,
            capability_revisions.c.type,
            capability_revisions.c.description,
            capability_revisions.c.scale_id,
            capability_revisions.c.group_key,
            capability_revisions.c.indicators,
        )
        .join(capability_revisions, capability_revisions.c.capability_id == capabilities.c.id)
        .join(
            framework_versions,
            framework_versions.c.id == capability_revisions.c.framework_version_id,
        )
        .where(
            capabilities.c.tenant_id == tenant_id,
            capability_revisions.c.tenant_id == tenant_id,
            framework_versions.c.tenant_id == tenant_id,
            framework_versions.c.status == VersionStatus.PUBLISHED.value,
        )
    )


def _capability(row: sa.Row) -> CapabilityView:
    values = dict(row._mapping)
    values["type"] = CapabilityType(values["type"])
    values["indicators"] = _indicators(values["indicators"])
    return CapabilityView(**values)


class SqlRoleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, role: RoleProfile) -> None:
        await self._conn.execute(sa.insert(roles).values(_role_values(role)))
        await self._write_requirements(role)

    async def get(self, tenant_id: uuid.UUID, role_id: uuid.UUID) -> RoleProfile | None:
        row = (
            await self._conn.execute(
                sa.select(roles).where(roles.c.tenant_id == tenant_id, roles.c.id == role_id)
            )
        ).first()
        if row is None:
            return None
        return (await self._with_requirements(tenant_id, [row]))[0]

    async def get_many(
        self, tenant_id: uuid.UUID, role_ids: Collection[uuid.UUID]
    ) -> list[RoleProfile]:
        rows = await self._conn.execute(
            sa.select(roles).where(roles.c.tenant_id == tenant_id, roles.c.id.in_(set(role_ids)))
        )
        return await self._with_requirements(tenant_id, list(rows))

    async def ids_by_keys(
        self, tenant_id: uuid.UUID, keys: Collection[str]
    ) -> dict[str, uuid.UUID]:
        return await ids_by_key(self._conn, roles.c.key, tenant_id=tenant_id, keys=keys)

    async def existing(
        self, tenant_id: uuid.UUID, role_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await existing_ids(self._conn, roles, tenant_id=tenant_id, ids=role_ids)

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, *, search: str | None = None
    ) -> Page[RoleProfile]:
        statement = sa.select(roles).where(roles.c.tenant_id == tenant_id)
        if search:
            pattern = search_pattern(search.lower())
            statement = statement.where(
                sa.or_(
                    sa.func.lower(roles.c.name).like(pattern, escape="\\"),
                    sa.func.lower(roles.c.key).like(pattern, escape="\\"),
                )
            )
        rows_page = await fetch_page_by_id(self._conn, statement, roles.c.id, page, lambda r: r)
        profiles = await self._with_requirements(tenant_id, list(rows_page.items))
        return Page(profiles, rows_page.cursors, rows_page.has_more)

    async def save(self, role: RoleProfile, *, previous_version: int) -> None:
        values = _role_values(role)
        await save_versioned(
            self._conn,
            roles,
            tenant_id=role.tenant_id,
            row_id=role.id,
            previous_version=previous_version,
            values={k: v for k, v in values.items() if k not in ("id", "tenant_id", "key")},
            kind="Role",
        )
        await self._conn.execute(
            sa.delete(role_requirements).where(
                role_requirements.c.tenant_id == role.tenant_id,
                role_requirements.c.role_id == role.id,
            )
        )
        await self._write_requirements(role)

    async def in_use(self, tenant_id: uuid.UUID, role_id: uuid.UUID) -> bool:
        held = sa.select(employees.c.id).where(
            employees.c.tenant_id == tenant_id, employees.c.current_role_id == role_id
        )
        aspired = sa.select(employee_aspired_roles.c.employee_id).where(
            employee_aspired_roles.c.tenant_id == tenant_id,
            employee_aspired_roles.c.role_id == role_id,
        )
        return (
            await any_row(self._conn, held)
            or await any_row(self._conn, aspired)
            or await named_by_a_rule(self._conn, tenant_id, "role_ids", role_id)
        )

    async def delete(self, tenant_id: uuid.UUID, role_id: uuid.UUID) -> None:
        await delete_row(self._conn, roles, tenant_id=tenant_id, row_id=role_id)

    async def _write_requirements(self, role: RoleProfile) -> None:
        if not role.requirements:
            return
        await self._conn.execute(
            sa.insert(role_requirements),
            [
                {
                    "tenant_id": role.tenant_id,
                    "role_id": role.id,
                    "capability_id": r.capability_id,
                    "required_level": r.required_level,
                    "weight": r.weight,
                    "core": r.core,
                    "position": position,
                }
                for position, r in enumerate(role.requirements)
            ],
        )

    async def _with_requirements(
        self, tenant_id: uuid.UUID, rows: list[sa.Row]
    ) -> list[RoleProfile]:
        """Attach requirements to a page of roles with one query for the whole page."""
        if not rows:
            return []
        requirement_rows = await self._conn.execute(
            sa.select(role_requirements)
            .where(
                role_requirements.c.tenant_id == tenant_id,
                role_requirements.c.role_id.in_([row.id for row in rows]),
            )
            .order_by(role_requirements.c.role_id, role_requirements.c.position)
        )
        by_role: dict[uuid.UUID, list[Requirement]] = {}
        for r in requirement_rows:
            by_role.setdefault(r.role_id, []).append(
                Requirement(r.capability_id, r.required_level, r.weight, r.core)
            )
        return [
            RoleProfile(
                id=row.id,
                tenant_id=row.tenant_id,
                key=row.key,
                name=row.name,
                description=row.description,
                requirements=tuple(by_role.get(row.id, ())),
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]


def _role_values(role: RoleProfile) -> dict[str, object]:
    return {
        "id": role.id,
        "tenant_id": role.tenant_id,
        "key": role.key,
        "name": role.name,
        "description": role.description,
        "version": role.version,
        "created_at": role.created_at,
        "updated_at": role.updated_at,
    }
