"""Competency scales."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.scales import LevelSpec
from app.services import scales

router = APIRouter(prefix="/v1/scales", tags=["scales"], responses=problem_responses(401, 422))
ScaleId = Annotated[uuid.UUID, Path(description="The scale's id.")]


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(examples=["meets"])
    label: str = Field(examples=["Meets expectations"])
    description: str = ""


class ScaleContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    levels: list[LevelIn] = Field(
        description="Lowest first; a level's value is its position (1, 2, ...). "
        "2 to 10 levels; 3 to 5 is the norm, more muddies ratings."
    )
    proficient_level: int | None = Field(
        None, description="The value from which someone counts as proficient."
    )

    def level_specs(self) -> list[LevelSpec]:
        return [LevelSpec(level.code, level.label, level.description) for level in self.levels]


class ScaleCreate(ScaleContent):
    key: str = Field(description="Your identifier for the scale, unique in the tenant.")


class LevelOut(Out):
    value: int
    code: str
    label: str
    description: str


class ScaleOut(Out):
    id: uuid.UUID
    key: str
    name: str
    description: str
    levels: list[LevelOut]
    proficient_level: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class ScalePage(PageOut[ScaleOut]):
    pass


@router.post(
    "",
    status_code=201,
    response_model=ScaleOut,
    summary="Create a competency scale",
    responses=problem_responses(403, 409),
)
async def create_scale(
    body: ScaleCreate, uow: UowDep, actor: ActorDep, response: Response
) -> ScaleOut:
    scale = await scales.create_scale(
        uow,
        actor,
        key=body.key,
        name=body.name,
        description=body.description,
        levels=body.level_specs(),
        proficient_level=body.proficient_level,
    )
    response.headers["Location"] = f"{router.prefix}/{scale.id}"
    set_etag(response, scale.version)
    return ScaleOut.of(scale)


@router.get("", response_model=ScalePage, summary="List competency scales")
async def list_scales(uow: UowDep, actor: ActorDep, page: PageDep) -> ScalePage:
    return ScalePage.of(await scales.list_scales(uow, actor, page=page), ScaleOut.of)


@router.get(
    "/{scale_id}",
    response_model=ScaleOut,
    summary="Get a competency scale",
    responses=problem_responses(404),
)
async def get_scale(
    scale_id: ScaleId, uow: UowDep, actor: ActorDep, response: Response
) -> ScaleOut:
    scale = await scales.get_scale(uow, actor, scale_id=scale_id)
    set_etag(response, scale.version)
    return ScaleOut.of(scale)


@router.put(
    "/{scale_id}",
    response_model=ScaleOut,
    summary="Replace a scale's levels and texts",
    description="Levels may be relabelled or added; dropping a level that role requirements "
    "use is refused with 409.",
    responses=problem_responses(403, 404, 409, 412),
)
async def update_scale(
    scale_id: ScaleId,
    body: ScaleContent,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> ScaleOut:
    scale = await scales.update_scale(
        uow,
        actor,
        scale_id=scale_id,
        name=body.name,
        description=body.description,
        levels=body.level_specs(),
        proficient_level=body.proficient_level,
        expected_version=if_match,
    )
    set_etag(response, scale.version)
    return ScaleOut.of(scale)


@router.delete(
    "/{scale_id}",
    status_code=204,
    summary="Delete a scale no framework uses",
    responses=problem_responses(403, 404, 409, 412),
)
async def delete_scale(
    scale_id: ScaleId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep
) -> None:
    await scales.delete_scale(uow, actor, scale_id=scale_id, expected_version=if_match)
