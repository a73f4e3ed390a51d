"""Org units: the organisation's tree."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.values import UNSET
from app.services import org_units

router = APIRouter(
    prefix="/v1/org-units", tags=["org units"], responses=problem_responses(401, 422)
)
UnitId = Annotated[uuid.UUID, Path(description="The unit's id.")]


class OrgUnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    name: str
    parent_id: uuid.UUID | None = None


class OrgUnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    parent_id: uuid.UUID | None = None


class OrgUnitOut(Out):
    id: uuid.UUID
    key: str
    name: str
    parent_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class OrgUnitPage(PageOut[OrgUnitOut]):
    pass


@router.post(
    "",
    status_code=201,
    response_model=OrgUnitOut,
    summary="Create an org unit",
    responses=problem_responses(403, 409),
)
async def create_org_unit(
    body: OrgUnitCreate, uow: UowDep, actor: ActorDep, response: Response
) -> OrgUnitOut:
    unit = await org_units.create_org_unit(
        uow, actor, key=body.key, name=body.name, parent_id=body.parent_id
    )
    response.headers["Location"] = f"{router.prefix}/{unit.id}"
    set_etag(response, unit.version)
    return OrgUnitOut.of(unit)


@router.get("", response_model=OrgUnitPage, summary="List org units")
async def list_org_units(
    uow: UowDep, actor: ActorDep, page: PageDep, parent_id: uuid.UUID | None = None
) -> OrgUnitPage:
    found = await org_units.list_org_units(uow, actor, page=page, parent_id=parent_id)
    return OrgUnitPage.of(found, OrgUnitOut.of)


@router.get(
    "/{unit_id}",
    response_model=OrgUnitOut,
    summary="Get an org unit",
    responses=problem_responses(404),
)
async def get_org_unit(
    unit_id: UnitId, uow: UowDep, actor: ActorDep, response: Response
) -> OrgUnitOut:
    unit = await org_units.get_org_unit(uow, actor, unit_id=unit_id)
    set_etag(response, unit.version)
    return OrgUnitOut.of(unit)


@router.patch(
    "/{unit_id}",
    response_model=OrgUnitOut,
    summary="Rename or move an org unit",
    responses=problem_responses(403, 404, 412),
)
async def update_org_unit(
    unit_id: UnitId,
    body: OrgUnitPatch,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> OrgUnitOut:
    given = body.model_fields_set
    unit = await org_units.update_org_unit(
        uow,
        actor,
        unit_id=unit_id,
        name=(body.name or "") if "name" in given else UNSET,
        parent_id=body.parent_id if "parent_id" in given else UNSET,
        expected_version=if_match,
    )
    set_etag(response, unit.version)
    return OrgUnitOut.of(unit)


@router.delete(
    "/{unit_id}",
    status_code=204,
    summary="Delete an empty org unit",
    responses=problem_responses(403, 404, 409, 412),
)
async def delete_org_unit(
    unit_id: UnitId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep
) -> None:
    await org_units.delete_org_unit(uow, actor, unit_id=unit_id, expected_version=if_match)
