"""GraphQL for scales, frameworks, capabilities and role profiles."""

import uuid
from datetime import datetime

import strawberry

from app.domain.errors import FieldError, InvalidInput
from app.domain.framework_csv import from_csv, to_csv
from app.domain.frameworks import CapabilitySpec, CapabilityType, FrameworkContent, Group
from app.domain.frameworks import VersionStatus as DomainVersionStatus
from app.domain.roles import Requirement as DomainRequirement
from app.domain.roles import RoleProfile
from app.domain.scales import CompetencyScale, LevelSpec
from app.domain.values import UNSET
from app.domain.views import CapabilityView
from app.graphql.context import Info
from app.graphql.pagination import Connection, page_request
from app.services import frameworks, roles, scales
from app.services.frameworks import FrameworkDetail, VersionDetail

CapabilityKind = strawberry.enum(CapabilityType, name="CapabilityType")
VersionStatus = strawberry.enum(DomainVersionStatus, name="VersionStatus")


@strawberry.type
class Level:
    value: int
    code: str
    label: str
    description: str


@strawberry.type
class Scale:
    id: uuid.UUID
    key: str
    name: str
    description: str
    levels: list[Level]
    proficient_level: int | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, scale: CompetencyScale) -> "Scale":
        return cls(
            id=scale.id,
            key=scale.key,
            name=scale.name,
            description=scale.description,
            levels=[Level(**vars(level)) for level in scale.levels],
            proficient_level=scale.proficient_level,
            version=scale.version,
            created_at=scale.created_at,
            updated_at=scale.updated_at,
        )


@strawberry.type
class Indicators:
    level: int
    texts: list[str]


@strawberry.type
class CapabilityGroup:
    key: str
    name: str
    description: str
    parent_key: str | None


@strawberry.type
class CapabilityDefinition:
    """A capability as one framework version defines it."""

    key: str
    name: str
    type: CapabilityKind
    scale_key: str
    description: str
    group_key: str | None
    indicators: list[Indicators]


@strawberry.type
class FrameworkVersion:
    number: int
    status: VersionStatus
    revision: int
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    groups: list[CapabilityGroup]
    capabilities: list[CapabilityDefinition]
    csv: str = strawberry.field(description="The content as CSV, one row per indicator.")

    @classmethod
    def of(cls, detail: VersionDetail) -> "FrameworkVersion":
        version, content = detail.version, detail.content
        return cls(
            number=version.number,
            status=version.status,
            revision=version.revision,
            created_at=version.created_at,
            published_at=version.published_at,
            retired_at=version.retired_at,
            csv=to_csv(content),
            groups=[CapabilityGroup(**vars(g)) for g in content.groups],
            capabilities=[
                CapabilityDefinition(
                    key=c.key,
                    name=c.name,
                    type=c.type,
                    scale_key=c.scale_key,
                    description=c.description,
                    group_key=c.group_key,
                    indicators=_indicators(c.indicators),
                )
                for c in content.capabilities
            ],
        )


@strawberry.type
class CapabilityChange:
    key: str
    fields: list[str]


@strawberry.type
class FrameworkDiff:
    added_capabilities: list[str]
    removed_capabilities: list[str]
    changed_capabilities: list[CapabilityChange]
    added_groups: list[str]
    removed_groups: list[str]
    changed_groups: list[str]


@strawberry.type
class FrameworkVersionSummary:
    number: int
    status: VersionStatus
    revision: int
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None


@strawberry.type
class Framework:
    id: uuid.UUID
    key: str
    name: str
    description: str
    version: int
    created_at: datetime
    updated_at: datetime
    versions: list[FrameworkVersionSummary]

    @classmethod
    def of(cls, detail: FrameworkDetail) -> "Framework":
        framework = detail.framework
        return cls(
            id=framework.id,
            key=framework.key,
            name=framework.name,
            description=framework.description,
            version=framework.version,
            created_at=framework.created_at,
            updated_at=framework.updated_at,
            versions=[
                FrameworkVersionSummary(
                    number=v.number,
                    status=v.status,
                    revision=v.revision,
                    created_at=v.created_at,
                    published_at=v.published_at,
                    retired_at=v.retired_at,
                )
                for v in detail.versions
            ],
        )

    @strawberry.field(description="One version with its content.")
    async def version_content(self, info: Info, number: int) -> FrameworkVersion:
        context = info.context
        detail = await frameworks.get_version(
            context.uow(), context.actor, framework_id=self.id, number=number
        )
        return FrameworkVersion.of(detail)


@strawberry.type
class Capability:
    """A capability as its framework's published version describes it."""

    id: uuid.UUID
    framework_id: uuid.UUID
    key: str
    version_number: int
    name: str
    type: CapabilityKind
    description: str
    scale_id: uuid.UUID
    group_key: str | None
    indicators: list[Indicators]

    @classmethod
    def of(cls, capability: CapabilityView) -> "Capability":
        return cls(
            id=capability.id,
            framework_id=capability.framework_id,
            key=capability.key,
            version_number=capability.version_number,
            name=capability.name,
            type=capability.type,
            description=capability.description,
            scale_id=capability.scale_id,
            group_key=capability.group_key,
            indicators=_indicators(capability.indicators),
        )


@strawberry.type
class Requirement:
    capability_id: uuid.UUID
    required_level: int
    weight: float
    core: bool

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)


@strawberry.type
class Role:
    id: uuid.UUID
    key: str
    name: str
    description: str
    requirements: list[Requirement]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, role: RoleProfile) -> "Role":
        return cls(
            id=role.id,
            key=role.key,
            name=role.name,
            description=role.description,
            requirements=[Requirement(**vars(r)) for r in role.requirements],
            version=role.version,
            created_at=role.created_at,
            updated_at=role.updated_at,
        )


@strawberry.input
class LevelInput:
    code: str
    label: str
    description: str = ""


@strawberry.input
class ScaleInput:
    name: str
    levels: list[LevelInput]
    description: str = ""
    proficient_level: int | None = None


@strawberry.input
class IndicatorsInput:
    level: int
    texts: list[str]


@strawberry.input
class GroupInput:
    key: str
    name: str
    description: str = ""
    parent_key: str | None = None


@strawberry.input
class CapabilityInput:
    key: str
    name: str
    type: CapabilityKind
    scale_key: str
    description: str = ""
    group_key: str | None = None
    indicators: list[IndicatorsInput] = strawberry.field(default_factory=list)


@strawberry.input
class ContentInput:
    groups: list[GroupInput] = strawberry.field(default_factory=list)
    capabilities: list[CapabilityInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> FrameworkContent:
        repeated = [
            FieldError(f"capabilities.{index}.indicators", "A level is listed twice.")
            for index, c in enumerate(self.capabilities)
            if len({i.level for i in c.indicators}) != len(c.indicators)
        ]
        if repeated:
            raise InvalidInput("The framework content is not valid.", repeated)
        return FrameworkContent(
            groups=tuple(Group(g.key, g.name, g.description, g.parent_key) for g in self.groups),
            capabilities=tuple(
                CapabilitySpec(
                    key=c.key,
                    name=c.name,
                    type=c.type,
                    scale_key=c.scale_key,
                    description=c.description,
                    group_key=c.group_key,
                    indicators={i.level: tuple(i.texts) for i in c.indicators},
                )
                for c in self.capabilities
            ),
        )


@strawberry.input
class RequirementInput:
    capability_id: uuid.UUID
    required_level: int
    weight: float = 1.0
    core: bool = False


@strawberry.input
class RoleInput:
    name: str
    description: str = ""
    requirements: list[RequirementInput] = strawberry.field(default_factory=list)

    def requirement_list(self) -> list[DomainRequirement]:
        return [
            DomainRequirement(r.capability_id, r.required_level, r.weight, r.core)
            for r in self.requirements
        ]


@strawberry.type
class CatalogueQuery:
    @strawberry.field
    async def scales(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Scale]:
        context = info.context
        page = await scales.list_scales(
            context.uow(), context.actor, page=page_request(first, after)
        )
        return Connection.of(page, Scale.of)

    @strawberry.field
    async def scale(self, info: Info, id: uuid.UUID) -> Scale:
        context = info.context
        return Scale.of(await scales.get_scale(context.uow(), context.actor, scale_id=id))

    @strawberry.field
    async def frameworks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Framework]:
        context = info.context
        page = await frameworks.list_frameworks(
            context.uow(), context.actor, page=page_request(first, after)
        )
        return Connection.of(page, lambda f: Framework.of(FrameworkDetail(f, [])))

    @strawberry.field(description="A framework with the summary of its versions.")
    async def framework(self, info: Info, id: uuid.UUID) -> Framework:
        context = info.context
        detail = await frameworks.get_framework(context.uow(), context.actor, framework_id=id)
        return Framework.of(detail)

    @strawberry.field(description="What changed between two versions of a framework.")
    async def framework_diff(
        self, info: Info, framework_id: uuid.UUID, old: int, new: int
    ) -> FrameworkDiff:
        context = info.context
        changes = await frameworks.compare_versions(
            context.uow(), context.actor, framework_id=framework_id, old=old, new=new
        )
        return FrameworkDiff(
            added_capabilities=list(changes.added_capabilities),
            removed_capabilities=list(changes.removed_capabilities),
            changed_capabilities=[
                CapabilityChange(key=c.key, fields=list(c.fields))
                for c in changes.changed_capabilities
            ],
            added_groups=list(changes.added_groups),
            removed_groups=list(changes.removed_groups),
            changed_groups=list(changes.changed_groups),
        )

    @strawberry.field(description="Capabilities of published framework versions.")
    async def capabilities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        framework_id: uuid.UUID | None = None,
        type: CapabilityKind | None = None,
        search: str | None = None,
    ) -> Connection[Capability]:
        context = info.context
        page = await frameworks.list_capabilities(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            framework_id=framework_id,
            type=type,
            search=search,
        )
        return Connection.of(page, Capability.of)

    @strawberry.field
    async def capability(self, info: Info, id: uuid.UUID) -> Capability:
        context = info.context
        found = await frameworks.get_capability(context.uow(), context.actor, capability_id=id)
        return Capability.of(found)

    @strawberry.field
    async def roles(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
    ) -> Connection[Role]:
        context = info.context
        page = await roles.list_roles(
            context.uow(), context.actor, page=page_request(first, after), search=search
        )
        return Connection.of(page, Role.of)

    @strawberry.field
    async def role(self, info: Info, id: uuid.UUID) -> Role:
        context = info.context
        return Role.of(await roles.get_role(context.uow(), context.actor, role_id=id))


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation
    async def create_scale(self, info: Info, key: str, input: ScaleInput) -> Scale:
        context = info.context
        scale = await scales.create_scale(
            context.uow(),
            context.actor,
            key=key,
            name=input.name,
            description=input.description,
            levels=[
                LevelSpec(level.code, level.label, level.description) for level in input.levels
            ],
            proficient_level=input.proficient_level,
        )
        return Scale.of(scale)

    @strawberry.mutation(description="Replace a scale; expectedVersion guards against stale edits.")
    async def update_scale(
        self, info: Info, id: uuid.UUID, input: ScaleInput, expected_version: int | None = None
    ) -> Scale:
        context = info.context
        scale = await scales.update_scale(
            context.uow(),
            context.actor,
            scale_id=id,
            name=input.name,
            description=input.description,
            levels=[
                LevelSpec(level.code, level.label, level.description) for level in input.levels
            ],
            proficient_level=input.proficient_level,
            expected_version=expected_version,
        )
        return Scale.of(scale)

    @strawberry.mutation(description="Create (or import) a framework; version 1 is a draft.")
    async def create_framework(
        self,
        info: Info,
        key: str,
        name: str,
        description: str = "",
        content: ContentInput | None = None,
    ) -> Framework:
        context = info.context
        detail = await frameworks.create_framework(
            context.uow(),
            context.actor,
            key=key,
            name=name,
            description=description,
            content=(content or ContentInput()).to_domain(),
        )
        return Framework.of(detail)

    @strawberry.mutation(description="Create a framework from CSV (one row per indicator).")
    async def import_framework_csv(
        self, info: Info, key: str, name: str, csv: str, description: str = ""
    ) -> Framework:
        context = info.context
        detail = await frameworks.create_framework(
            context.uow(),
            context.actor,
            key=key,
            name=name,
            description=description,
            content=from_csv(csv),
        )
        return Framework.of(detail)

    @strawberry.mutation
    async def rename_framework(
        self,
        info: Info,
        id: uuid.UUID,
        name: str | None = strawberry.UNSET,
        description: str | None = strawberry.UNSET,
        expected_version: int | None = None,
    ) -> Framework:
        context = info.context
        await frameworks.rename_framework(
            context.uow(),
            context.actor,
            framework_id=id,
            name=UNSET if name is strawberry.UNSET else (name or ""),
            description=UNSET if description is strawberry.UNSET else (description or ""),
            expected_version=expected_version,
        )
        return Framework.of(
            await frameworks.get_framework(context.uow(), context.actor, framework_id=id)
        )

    @strawberry.mutation(description="Replace a draft's content (published versions are frozen).")
    async def replace_draft(
        self,
        info: Info,
        framework_id: uuid.UUID,
        number: int,
        content: ContentInput,
        expected_revision: int | None = None,
    ) -> FrameworkVersion:
        context = info.context
        detail = await frameworks.replace_draft_content(
            context.uow(),
            context.actor,
            framework_id=framework_id,
            number=number,
            content=content.to_domain(),
            expected_revision=expected_revision,
        )
        return FrameworkVersion.of(detail)

    @strawberry.mutation(description="Start a new draft from the current version.")
    async def start_draft(self, info: Info, framework_id: uuid.UUID) -> FrameworkVersion:
        context = info.context
        detail = await frameworks.start_draft(
            context.uow(), context.actor, framework_id=framework_id
        )
        return FrameworkVersion.of(detail)

    @strawberry.mutation(description="Publish a draft; the version published before retires.")
    async def publish_version(
        self, info: Info, framework_id: uuid.UUID, number: int
    ) -> FrameworkVersionSummary:
        context = info.context
        version = await frameworks.publish_version(
            context.uow(), context.actor, framework_id=framework_id, number=number
        )
        return _summary(version)

    @strawberry.mutation
    async def retire_version(
        self, info: Info, framework_id: uuid.UUID, number: int
    ) -> FrameworkVersionSummary:
        context = info.context
        version = await frameworks.retire_version(
            context.uow(), context.actor, framework_id=framework_id, number=number
        )
        return _summary(version)

    @strawberry.mutation
    async def create_role(self, info: Info, key: str, input: RoleInput) -> Role:
        context = info.context
        role = await roles.create_role(
            context.uow(),
            context.actor,
            key=key,
            name=input.name,
            description=input.description,
            requirements=input.requirement_list(),
        )
        return Role.of(role)

    @strawberry.mutation
    async def update_role(
        self, info: Info, id: uuid.UUID, input: RoleInput, expected_version: int | None = None
    ) -> Role:
        context = info.context
        role = await roles.update_role(
            context.uow(),
            context.actor,
            role_id=id,
            name=input.name,
            description=input.description,
            requirements=input.requirement_list(),
            expected_version=expected_version,
        )
        return Role.of(role)

    @strawberry.mutation(description="Delete a scale no framework uses; returns its id.")
    async def delete_scale(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> uuid.UUID:
        context = info.context
        await scales.delete_scale(
            context.uow(), context.actor, scale_id=id, expected_version=expected_version
        )
        return id

    @strawberry.mutation(description="Delete a role nobody holds or aspires to; returns its id.")
    async def delete_role(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> uuid.UUID:
        context = info.context
        await roles.delete_role(
            context.uow(), context.actor, role_id=id, expected_version=expected_version
        )
        return id


def _summary(version) -> FrameworkVersionSummary:
    return FrameworkVersionSummary(
        number=version.number,
        status=version.status,
        revision=version.revision,
        created_at=version.created_at,
        published_at=version.published_at,
        retired_at=version.retired_at,
    )


def _indicators(indicators) -> list[Indicators]:
    return [Indicators(level=level, texts=list(texts)) for level, texts in indicators.items()]
