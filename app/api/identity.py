"""Who am I, and which organisation am I in."""

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import ActorDep, UowDep
from app.api.problems import problem_responses
from app.domain.identity import Role
from app.services.tenants import get_current_tenant

router = APIRouter(prefix="/v1", tags=["identity"], responses=problem_responses(401))


class MeOut(BaseModel):
    tenant_id: uuid.UUID
    roles: list[Role]
    employee_id: uuid.UUID | None


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    active: bool
    created_at: datetime


@router.get("/me", response_model=MeOut, summary="The caller as the API sees them")
async def me(actor: ActorDep) -> MeOut:
    return MeOut(
        tenant_id=actor.tenant_id, roles=sorted(actor.roles), employee_id=actor.employee_id
    )


@router.get(
    "/tenant",
    response_model=TenantOut,
    summary="The caller's organisation",
    responses=problem_responses(404),
)
async def current_tenant(uow: UowDep, actor: ActorDep) -> TenantOut:
    tenant = await get_current_tenant(uow, actor)
    return TenantOut(
        id=tenant.id, name=tenant.name, active=tenant.active, created_at=tenant.created_at
    )
