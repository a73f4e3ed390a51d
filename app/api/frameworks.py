"""Capability frameworks, their versions, and the capabilities they publish."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.csv_body import (
    CSV_REQUEST_BODY,
    CSV_RESPONSE_CONTENT,
    CsvBodyDep,
    CsvResponse,
    attachment,
)
from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.errors import InvalidInput
from app.domain.framework_csv import COLUMNS, from_csv, to_csv
from app.domain.frameworks import (
    CapabilitySpec,
    CapabilityType,
    FrameworkContent,
    FrameworkDiff,
    Group,
    VersionStatus,
)
from app.domain.values import UNSET
from app.services import frameworks
from app.services.frameworks import FrameworkDetail, VersionDetail

router = APIRouter(tags=["frameworks"], responses=problem_responses(401, 422))
FrameworkId = Annotated[uuid.UUID, Path(description="The framework's id.")]
Number = Annotated[int, Path(ge=1, description="The version number, 1 for the first.")]
CapabilityId = Annotated[
    uuid.UUID, Path(description="The capability's id (stable across versions).")
]


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    name: str
    description: str = ""
    parent_key: str | None = Field(None, description="The enclosing group's key, if any.")


class CapabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Stable across versions: requirements and ratings follow it.")
    name: str = Field(description="State the outcome, e.g. 'Negotiates win-win agreements'.")
    type: CapabilityType
    scale_key: str
    description: str = ""
    group_key: str | None = None
    indicators: dict[int, list[str]] = Field(
        default_factory=dict,
        description='Observable behaviours per level value, e.g. {"2": ["Prepares ..."]}.',
    )


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    groups: list[GroupIn] = Field(default_factory=list)
    capabilities: list[CapabilityIn] = Field(default_factory=list)

    def to_domain(self) -> FrameworkContent:
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
                    indicators={level: tuple(texts) for level, texts in c.indicators.items()},
                )
                for c in self.capabilities
            ),
        )


class FrameworkCreate(BaseModel):
    """A framework with the content of its first (draft) version: also the import format,
    and what a version's export returns."""

    model_config = ConfigDict(extra="forbid")

    key: str
    name: str
    description: str = ""
    content: ContentIn = Field(default_factory=ContentIn)


class FrameworkPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = Field(None, description="null clears it.")


class VersionOut(Out):
    number: int
    status: VersionStatus
    revision: int = Field(description="Changes at every edit of the draft: the version's ETag.")
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None


class FrameworkOut(Out):
    id: uuid.UUID
    key: str
    name: str
    description: str
    version: int
    created_at: datetime
    updated_at: datetime


class FrameworkDetailOut(FrameworkOut):
    versions: list[VersionOut]

    @classmethod
    def of_detail(cls, detail: FrameworkDetail) -> "FrameworkDetailOut":
        return cls(
            **FrameworkOut.of(detail.framework).model_dump(),
            versions=[VersionOut.of(v) for v in detail.versions],
        )


class GroupOut(GroupIn):
    pass


class CapabilityContentOut(CapabilityIn):
    pass


class ContentOut(BaseModel):
    groups: list[GroupOut]
    capabilities: list[CapabilityContentOut]

    @classmethod
    def of(cls, content: FrameworkContent) -> "ContentOut":
        return cls(
            groups=[GroupOut(**vars(g)) for g in content.groups],
            capabilities=[
                CapabilityContentOut(
                    key=c.key,
                    name=c.name,
                    type=c.type,
                    scale_key=c.scale_key,
                    description=c.description,
                    group_key=c.group_key,
                    indicators={level: list(texts) for level, texts in c.indicators.items()},
                )
                for c in content.capabilities
            ],
        )


class VersionDetailOut(VersionOut):
    content: ContentOut

    @classmethod
    def of_detail(cls, detail: VersionDetail) -> "VersionDetailOut":
        return cls(
            **VersionOut.of(detail.version).model_dump(), content=ContentOut.of(detail.content)
        )


class CapabilityChangeOut(BaseModel):
    key: str
    fields: list[str]


class DiffOut(BaseModel):
    added_capabilities: list[str]
    removed_capabilities: list[str]
    changed_capabilities: list[CapabilityChangeOut]
    added_groups: list[str]
    removed_groups: list[str]
    changed_groups: list[str]

    @classmethod
    def of(cls, changes: FrameworkDiff) -> "DiffOut":
        return cls(
            added_capabilities=list(changes.added_capabilities),
            removed_capabilities=list(changes.removed_capabilities),
            changed_capabilities=[
                CapabilityChangeOut(key=c.key, fields=list(c.fields))
                for c in changes.changed_capabilities
            ],
            added_groups=list(changes.added_groups),
            removed_groups=list(changes.removed_groups),
            changed_groups=list(changes.changed_groups),
        )


class CapabilityOut(Out):
    id: uuid.UUID
    framework_id: uuid.UUID
    key: str
    version_number: int = Field(description="The published framework version described here.")
    name: str
    type: CapabilityType
    description: str
    scale_id: uuid.UUID
    group_key: str | None
    indicators: dict[int, list[str]]


class FrameworkPage(PageOut[FrameworkOut]):
    pass


class CapabilityPage(PageOut[CapabilityOut]):
    pass


@router.post(
    "/v1/frameworks",
    status_code=201,
    response_model=FrameworkDetailOut,
    summary="Create (or import) a framework",
    description="Creates the framework with version 1 as a draft holding `content`. A library "
    "of hundreds of capabilities with their indicators imports in this one call.",
    responses=problem_responses(403, 409),
)
async def create_framework(
    body: FrameworkCreate, uow: UowDep, actor: ActorDep, response: Response
) -> FrameworkDetailOut:
    detail = await frameworks.create_framework(
        uow,
        actor,
        key=body.key,
        name=body.name,
        description=body.description,
        content=body.content.to_domain(),
    )
    response.headers["Location"] = f"/v1/frameworks/{detail.framework.id}"
    set_etag(response, detail.framework.version)
    return FrameworkDetailOut.of_detail(detail)


@router.post(
    "/v1/frameworks:import",
    status_code=201,
    response_model=FrameworkDetailOut,
    summary="Import a framework from CSV",
    description="Creates the framework with version 1 as a draft holding the CSV's content, as "
    "`POST /v1/frameworks` does. One row per capability-level indicator, with the header "
    f"`{','.join(COLUMNS)}`; a capability without indicators has one row with `level` and "
    "`indicator` empty, and a group without capabilities a row with only the group columns. "
    "A version's `/export` has this format. Rows that cannot be read are reported as "
    "`body.csv.row.<n>.<column>`, counting the header as row 1.",
    openapi_extra=CSV_REQUEST_BODY,
    responses=problem_responses(403, 409, 415),
)
async def import_framework(
    uow: UowDep,
    actor: ActorDep,
    body: CsvBodyDep,
    response: Response,
    key: Annotated[str, Query(description="The new framework's key.")],
    name: Annotated[str, Query(description="The new framework's name.")],
    description: Annotated[str, Query(description="What the framework covers.")] = "",
) -> FrameworkDetailOut:
    content = from_csv(body)
    try:
        detail = await frameworks.create_framework(
            uow, actor, key=key, name=name, description=description, content=content
        )
    except InvalidInput as error:
        raise error.relocated(
            {"key": "query.key", "name": "query.name", "description": "query.description"}
        ) from None
    response.headers["Location"] = f"/v1/frameworks/{detail.framework.id}"
    set_etag(response, detail.framework.version)
    return FrameworkDetailOut.of_detail(detail)


@router.get("/v1/frameworks", response_model=FrameworkPage, summary="List frameworks")
async def list_frameworks(uow: UowDep, actor: ActorDep, page: PageDep) -> FrameworkPage:
    return FrameworkPage.of(
        await frameworks.list_frameworks(uow, actor, page=page), FrameworkOut.of
    )


@router.get(
    "/v1/frameworks/{framework_id}",
    response_model=FrameworkDetailOut,
    summary="Get a framework and its versions",
    responses=problem_responses(404),
)
async def get_framework(
    framework_id: FrameworkId, uow: UowDep, actor: ActorDep, response: Response
) -> FrameworkDetailOut:
    detail = await frameworks.get_framework(uow, actor, framework_id=framework_id)
    set_etag(response, detail.framework.version)
    return FrameworkDetailOut.of_detail(detail)


@router.patch(
    "/v1/frameworks/{framework_id}",
    response_model=FrameworkOut,
    summary="Rename a framework",
    responses=problem_responses(403, 404, 412),
)
async def rename_framework(
    framework_id: FrameworkId,
    body: FrameworkPatch,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> FrameworkOut:
    given = body.model_fields_set
    framework = await frameworks.rename_framework(
        uow,
        actor,
        framework_id=framework_id,
        name=(body.name or "") if "name" in given else UNSET,
        description=(body.description or "") if "description" in given else UNSET,
        expected_version=if_match,
    )
    set_etag(response, framework.version)
    return FrameworkOut.of(framework)


@router.post(
    "/v1/frameworks/{framework_id}/versions",
    status_code=201,
    response_model=VersionDetailOut,
    summary="Start a new draft from the current version",
    responses=problem_responses(403, 404, 409),
)
async def start_draft(
    framework_id: FrameworkId, uow: UowDep, actor: ActorDep, response: Response
) -> VersionDetailOut:
    detail = await frameworks.start_draft(uow, actor, framework_id=framework_id)
    response.headers["Location"] = f"/v1/frameworks/{framework_id}/versions/{detail.version.number}"
    set_etag(response, detail.version.revision)
    return VersionDetailOut.of_detail(detail)


@router.get(
    "/v1/frameworks/{framework_id}/versions/{number}",
    response_model=VersionDetailOut,
    summary="Get (export) a version with its groups, capabilities and indicators",
    responses=problem_responses(404),
)
async def get_version(
    framework_id: FrameworkId, number: Number, uow: UowDep, actor: ActorDep, response: Response
) -> VersionDetailOut:
    detail = await frameworks.get_version(uow, actor, framework_id=framework_id, number=number)
    set_etag(response, detail.version.revision)
    return VersionDetailOut.of_detail(detail)


@router.get(
    "/v1/frameworks/{framework_id}/versions/{number}/export",
    response_class=CsvResponse,
    summary="Export a version as CSV",
    description="One row per capability-level indicator, in the format "
    "`POST /v1/frameworks:import` reads; offered as the download `{key}-v{number}.csv`.",
    responses={
        200: {"description": "The version as CSV.", "content": CSV_RESPONSE_CONTENT},
        **problem_responses(404),
    },
)
async def export_version(
    framework_id: FrameworkId, number: Number, uow: UowDep, actor: ActorDep
) -> CsvResponse:
    export = await frameworks.export_version(uow, actor, framework_id=framework_id, number=number)
    response = CsvResponse(to_csv(export.content))
    attachment(response, f"{export.framework.key}-v{export.version.number}")
    set_etag(response, export.version.revision)
    return response


@router.put(
    "/v1/frameworks/{framework_id}/versions/{number}",
    response_model=VersionDetailOut,
    summary="Replace a draft's content",
    description="Only drafts can be edited (409 otherwise): publishing freezes a version.",
    responses=problem_responses(403, 404, 409, 412),
)
async def replace_draft(
    framework_id: FrameworkId,
    number: Number,
    body: ContentIn,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> VersionDetailOut:
    detail = await frameworks.replace_draft_content(
        uow,
        actor,
        framework_id=framework_id,
        number=number,
        content=body.to_domain(),
        expected_revision=if_match,
    )
    set_etag(response, detail.version.revision)
    return VersionDetailOut.of_detail(detail)


@router.post(
    "/v1/frameworks/{framework_id}/versions/{number}:publish",
    response_model=VersionOut,
    summary="Publish a draft (the version published before it retires)",
    responses=problem_responses(403, 404, 409),
)
async def publish_version(
    framework_id: FrameworkId, number: Number, uow: UowDep, actor: ActorDep
) -> VersionOut:
    return VersionOut.of(
        await frameworks.publish_version(uow, actor, framework_id=framework_id, number=number)
    )


@router.post(
    "/v1/frameworks/{framework_id}/versions/{number}:retire",
    response_model=VersionOut,
    summary="Retire the published version",
    responses=problem_responses(403, 404, 409),
)
async def retire_version(
    framework_id: FrameworkId, number: Number, uow: UowDep, actor: ActorDep
) -> VersionOut:
    return VersionOut.of(
        await frameworks.retire_version(uow, actor, framework_id=framework_id, number=number)
    )


@router.get(
    "/v1/frameworks/{framework_id}/diff",
    response_model=DiffOut,
    summary="What changed between two versions",
    responses=problem_responses(404),
)
async def compare_versions(
    framework_id: FrameworkId,
    uow: UowDep,
    actor: ActorDep,
    old: Annotated[int, Query(alias="from", ge=1, description="The earlier version number.")],
    new: Annotated[int, Query(alias="to", ge=1, description="The later version number.")],
) -> DiffOut:
    return DiffOut.of(
        await frameworks.compare_versions(uow, actor, framework_id=framework_id, old=old, new=new)
    )


@router.get(
    "/v1/capabilities",
    response_model=CapabilityPage,
    summary="List published capabilities",
    tags=["capabilities"],
)
async def list_capabilities(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    framework_id: uuid.UUID | None = None,
    type: CapabilityType | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name or key.")] = None,
) -> CapabilityPage:
    found = await frameworks.list_capabilities(
        uow, actor, page=page, framework_id=framework_id, type=type, search=q
    )
    return CapabilityPage.of(found, CapabilityOut.of)


@router.get(
    "/v1/capabilities/{capability_id}",
    response_model=CapabilityOut,
    summary="Get a capability as currently published",
    tags=["capabilities"],
    responses=problem_responses(404),
)
async def get_capability(
    capability_id: CapabilityId, uow: UowDep, actor: ActorDep
) -> CapabilityOut:
    return CapabilityOut.of(
        await frameworks.get_capability(uow, actor, capability_id=capability_id)
    )
