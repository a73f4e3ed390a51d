"""Role profiles (job scorecards)."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.roles import Requirement
from app.services import roles

router = APIRouter(prefix="/v1/roles", tags=["roles"], responses=problem_responses(401, 422))
RoleId = Annotated[uuid.UUID, Path(description="The role's id.")]


class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capability_id: uuid.UUID
    required_level: int = Field(description="A level value on the capability's scale.")
    weight: float = Field(1.0, description="Importance, more than 0 and at most 100.")
    core: bool = False


class RoleContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    requirements: list[RequirementIn] = Field(default_factory=list)

    def requirement_list(self) -> list[Requirement]:
        return [
            Requirement(r.capability_id, r.required_level, r.weight, r.core)
            for r in self.requirements
        ]


class RoleCreate(RoleContent):
    key: str = Field(description="Your identifier for the role (used by bulk role mapping).")


class RequirementOut(Out):
    capability_id: uuid.UUID
    required_level: int
    weight: float
    core: bool


class RoleOut(Out):
    id: uuid.UUID
    key: str
    name: str
    description: str
    requirements: list[RequirementOut]
    version: int
    created_at: datetime
    updated_at: datetime


class RolePage(PageOut[RoleOut]):
    pass


@router.post(
    "",
    status_code=201,
    response_model=RoleOut,
    summary="Create a role profile",
    responses=problem_responses(403, 409),
)
async def create_role(
    body: RoleCreate, uow: UowDep, actor: ActorDep, response: Response
) -> RoleOut:
    role = await roles.create_role(
        uow,
        actor,
        key=body.key,
        name=body.name,
        description=body.description,
        requirements=body.requirement_list(),
    )
    response.headers["Location"] = f"{router.prefix}/{role.id}"
    set_etag(response, role.version)
    return RoleOut.of(role)


@router.get("", response_model=RolePage, summary="List role profiles")
async def list_roles(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name or key.")] = None,
) -> RolePage:
    return RolePage.of(await roles.list_roles(uow, actor, page=page, search=q), RoleOut.of)


@router.get(
    "/{role_id}",
    response_model=RoleOut,
    summary="Get a role profile",
    responses=problem_responses(404),
)
async def get_role(role_id: RoleId, uow: UowDep, actor: ActorDep, response: Response) -> RoleOut:
    role = await roles.get_role(uow, actor, role_id=role_id)
    set_etag(response, role.version)
    return RoleOut.of(role)


@router.put(
    "/{role_id}",
    response_model=RoleOut,
    summary="Replace a role profile's requirements and texts",
    responses=problem_responses(403, 404, 412),
)
async def update_role(
    role_id: RoleId,
    body: RoleContent,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> RoleOut:
    role = await roles.update_role(
        uow,
        actor,
        role_id=role_id,
        name=body.name,
        description=body.description,
        requirements=body.requirement_list(),
        expected_version=if_match,
    )
    set_etag(response, role.version)
    return RoleOut.of(role)


@router.delete(
    "/{role_id}",
    status_code=204,
    summary="Delete a role nobody holds or aspires to",
    responses=problem_responses(403, 404, 409, 412),
)
async def delete_role(role_id: RoleId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep) -> None:
    await roles.delete_role(uow, actor, role_id=role_id, expected_version=if_match)
