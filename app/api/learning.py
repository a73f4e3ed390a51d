"""The learning catalogue."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.learning import DeliveryFormat, ItemContent, LearningItem
from app.domain.plans import LearningKind, Target
from app.services import learning

router = APIRouter(
    prefix="/v1/learning-items", tags=["learning"], responses=problem_responses(401, 422)
)
ItemId = Annotated[uuid.UUID, Path(description="The learning item's id.")]


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capability_id: uuid.UUID
    from_level: int
    to_level: int


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    kind: LearningKind
    targets: list[TargetIn] = Field(description="The capability levels the item develops.")
    description: str = ""
    external_id: str | None = Field(None, description="The item's id in your LMS.")
    url: str | None = None
    format: DeliveryFormat | None = Field(None, description="How the item is delivered.")
    minutes: int = Field(0, description="Expected duration.")
    cost: float = 0.0
    prerequisites: list[uuid.UUID] = Field(default_factory=list)
    active: bool = True

    def to_domain(self) -> ItemContent:
        return ItemContent(
            title=self.title,
            kind=self.kind,
            targets=tuple(Target(t.capability_id, t.from_level, t.to_level) for t in self.targets),
            description=self.description,
            external_id=self.external_id,
            url=self.url,
            format=self.format,
            minutes=self.minutes,
            cost=self.cost,
            prerequisites=tuple(self.prerequisites),
            active=self.active,
        )


class ItemOut(ItemIn):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: LearningItem) -> "ItemOut":
        content = item.content
        return cls(
            id=item.id,
            title=content.title,
            kind=content.kind,
            targets=[TargetIn(**vars(t)) for t in content.targets],
            description=content.description,
            external_id=content.external_id,
            url=content.url,
            format=content.format,
            minutes=content.minutes,
            cost=content.cost,
            prerequisites=list(content.prerequisites),
            active=content.active,
            version=item.version,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


class ItemPage(PageOut[ItemOut]):
    pass


@router.post(
    "",
    status_code=201,
    response_model=ItemOut,
    summary="Add a learning item",
    responses=problem_responses(403, 409),
)
async def create_item(body: ItemIn, uow: UowDep, actor: ActorDep, response: Response) -> ItemOut:
    item = await learning.create_item(uow, actor, content=body.to_domain())
    response.headers["Location"] = f"{router.prefix}/{item.id}"
    set_etag(response, item.version)
    return ItemOut.of(item)


@router.get("", response_model=ItemPage, summary="List learning items")
async def list_items(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    capability_id: uuid.UUID | None = None,
    kind: LearningKind | None = None,
    active: bool | None = None,
) -> ItemPage:
    found = await learning.list_items(
        uow, actor, page=page, capability_id=capability_id, kind=kind, active=active
    )
    return ItemPage.of(found, ItemOut.of)


@router.get(
    "/{item_id}",
    response_model=ItemOut,
    summary="Get a learning item",
    responses=problem_responses(404),
)
async def get_item(item_id: ItemId, uow: UowDep, actor: ActorDep, response: Response) -> ItemOut:
    item = await learning.get_item(uow, actor, item_id=item_id)
    set_etag(response, item.version)
    return ItemOut.of(item)


@router.put(
    "/{item_id}",
    response_model=ItemOut,
    summary="Replace a learning item (set active=false to retire it)",
    responses=problem_responses(403, 404, 409, 412),
)
async def update_item(
    item_id: ItemId,
    body: ItemIn,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> ItemOut:
    item = await learning.update_item(
        uow, actor, item_id=item_id, content=body.to_domain(), expected_version=if_match
    )
    set_etag(response, item.version)
    return ItemOut.of(item)
