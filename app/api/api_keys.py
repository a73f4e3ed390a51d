"""API keys: hr_admin creates, lists and revokes them; the secret is shown once."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, PageDep, UowDep
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.identity import Role
from app.domain.tenants import ApiKey
from app.domain.values import NAME_MAX_LENGTH
from app.services import api_keys

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], responses=problem_responses(401, 403))
KeyId = Annotated[uuid.UUID, Path(description="The key's id.")]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Lengths and emptiness are the domain's rules, so REST and GraphQL answer alike.
    name: str = Field(examples=["HRIS sync"], description=f"1 to {NAME_MAX_LENGTH} characters.")
    roles: list[Role] = Field(examples=[["integration"]], description="At least one.")
    employee_id: uuid.UUID | None = Field(None, description="The employee the key acts as, if any.")
    expires_at: AwareDatetime | None = None


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The visible part of the key, to recognise it in lists.")
    roles: list[Role]
    employee_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="Accurate to a few minutes.")

    @classmethod
    def of(cls, key: ApiKey) -> "ApiKeyOut":
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            roles=sorted(key.roles),
            employee_id=key.employee_id,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )


class ApiKeyPage(PageOut[ApiKeyOut]):
    pass


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The whole key. It is shown only in this response: store it now.")


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    responses=problem_responses(404, 422),
)
async def create_api_key(
    body: ApiKeyCreate, uow: UowDep, actor: ActorDep, response: Response
) -> ApiKeyCreated:
    issued = await api_keys.create_api_key(
        uow,
        actor,
        name=body.name,
        roles=frozenset(body.roles),
        employee_id=body.employee_id,
        expires_at=body.expires_at,
    )
    response.headers["Location"] = f"{router.prefix}/{issued.key.id}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**ApiKeyOut.of(issued.key).model_dump(), key=issued.plaintext)


@router.get(
    "", response_model=ApiKeyPage, summary="List API keys", responses=problem_responses(422)
)
async def list_api_keys(uow: UowDep, actor: ActorDep, page: PageDep) -> ApiKeyPage:
    return ApiKeyPage.of(await api_keys.list_api_keys(uow, actor, page=page), ApiKeyOut.of)


@router.get(
    "/{key_id}",
    response_model=ApiKeyOut,
    summary="Get an API key",
    responses=problem_responses(404),
)
async def get_api_key(key_id: KeyId, uow: UowDep, actor: ActorDep) -> ApiKeyOut:
    return ApiKeyOut.of(await api_keys.get_api_key(uow, actor, key_id=key_id))


@router.post(
    "/{key_id}:revoke",
    response_model=ApiKeyOut,
    summary="Revoke an API key at once",
    responses=problem_responses(404, 409),
)
async def revoke_api_key(key_id: KeyId, uow: UowDep, actor: ActorDep) -> ApiKeyOut:
    return ApiKeyOut.of(await api_keys.revoke_api_key(uow, actor, key_id=key_id))
