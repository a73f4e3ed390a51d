"""The SCIM 2.0 service provider (RFC 7643/7644) at /scim/v2: Users, Groups and discovery."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Patch,
    ResourceType,
    ResponseParameters,
    SchemaExtension,
    ServiceProviderConfig,
    Sort,
)

from app.api.deps import ActorDep, UowDep
from app.api.scim import resources
from app.api.scim.errors import ERROR_RESPONSES, SCIM_MEDIA_TYPE, ScimResponse, ScimRoute
from app.api.scim.filters import group_condition, user_condition
from app.domain.errors import NotFound
from app.services import directory

PREFIX = "/scim/v2"
router = APIRouter(
    prefix=PREFIX,
    tags=["scim"],
    route_class=ScimRoute,
    default_response_class=ScimResponse,
    responses=ERROR_RESPONSES,
)
Payload = Annotated[dict[str, Any], Body(media_type=SCIM_MEDIA_TYPE)]
FilterQuery = Annotated[str | None, Query(alias="filter", max_length=2000)]
StartIndex = Annotated[int, Query(alias="startIndex", description="1-based.")]
Count = Annotated[int, Query(description=f"At most {directory.MAX_COUNT}.")]
Attributes = Annotated[str | None, Query(max_length=2000)]
ExcludedAttributes = Annotated[str | None, Query(alias="excludedAttributes", max_length=2000)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _id(value: str, kind: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(kind, value) from None


def _parameters(attributes: str | None, excluded: str | None) -> ResponseParameters | None:
    if not attributes and not excluded:
        return None
    return ResponseParameters(
        attributes=attributes.split(",") if attributes else None,
        excluded_attributes=excluded.split(",") if excluded else None,
    )


def _list(total: int, start_index: int, resources_: list[dict]) -> ScimResponse:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources_),
        "Resources": resources_,
    }
    return ScimResponse(body)


@router.get("/Users", summary="Find users (filter, startIndex, count)")
async def list_users(
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    filter_: FilterQuery = None,
    start_index: StartIndex = 1,
    count: Count = directory.MAX_COUNT,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> Response:
    window = await directory.search_users(
        uow,
        actor,
        condition=user_condition(filter_),
        start_index=start_index,
        count=count,
    )
    parameters = _parameters(attributes, excluded_attributes)
    return _list(
        window.total,
        window.start_index,
        [resources.user_body(u, _base(request), parameters) for u in window.items],
    )


@router.get("/Users/{user_id}", summary="Read a user")
async def get_user(request: Request, uow: UowDep, actor: ActorDep, user_id: str) -> Response:
    user = await directory.get_user(uow, actor, employee_id=_id(user_id, "User"))
    return ScimResponse(resources.user_body(user, _base(request)))


@router.post("/Users", status_code=201, summary="Provision a user")
async def create_user(request: Request, uow: UowDep, actor: ActorDep, payload: Payload) -> Response:
    account = resources.account_of(resources.read_user(payload))
    user = await directory.provision_user(uow, actor, account=account)
    body = resources.user_body(user, _base(request))
    return ScimResponse(body, status_code=201, headers={"Location": body["meta"]["location"]})


@router.put("/Users/{user_id}", summary="Replace a user")
async def replace_user(
    request: Request, uow: UowDep, actor: ActorDep, user_id: str, payload: Payload
) -> Response:
    account = resources.account_of(resources.read_user(payload))
    user = await directory.replace_user(
        uow, actor, employee_id=_id(user_id, "User"), account=account
    )
    return ScimResponse(resources.user_body(user, _base(request)))


@router.patch("/Users/{user_id}", summary="Patch a user")
async def patch_user(
    request: Request, uow: UowDep, actor: ActorDep, user_id: str, payload: Payload
) -> Response:
    user = await directory.update_user(
        uow,
        actor,
        employee_id=_id(user_id, "User"),
        change=lambda account: resources.patched_user(account, payload),
    )
    return ScimResponse(resources.user_body(user, _base(request)))


@router.delete("/Users/{user_id}", status_code=204, summary="Deactivate a user (kept, inactive)")
async def delete_user(uow: UowDep, actor: ActorDep, user_id: str) -> Response:
    await directory.deactivate_user(uow, actor, employee_id=_id(user_id, "User"))
    return Response(status_code=204)


@router.get("/Groups", summary="Find groups (static cohorts)")
async def list_groups(
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    filter_: FilterQuery = None,
    start_index: StartIndex = 1,
    count: Count = directory.MAX_COUNT,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> Response:
    window = await directory.search_groups(
        uow, actor, condition=group_condition(filter_), start_index=start_index, count=count
    )
    parameters = _parameters(attributes, excluded_attributes)
    return _list(
        window.total,
        window.start_index,
        [resources.group_body(g, _base(request), parameters) for g in window.items],
    )


@router.get("/Groups/{group_id}", summary="Read a group")
async def get_group(
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    group_id: str,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> Response:
    group = await directory.get_group(uow, actor, cohort_id=_id(group_id, "Group"))
    parameters = _parameters(attributes, excluded_attributes)
    return ScimResponse(resources.group_body(group, _base(request), parameters))


@router.post("/Groups", status_code=201, summary="Provision a group")
async def create_group(
    request: Request, uow: UowDep, actor: ActorDep, payload: Payload
) -> Response:
    account = resources.group_account_of(resources.read_group(payload))
    group = await directory.provision_group(uow, actor, group=account)
    body = resources.group_body(group, _base(request))
    return ScimResponse(body, status_code=201, headers={"Location": body["meta"]["location"]})


@router.put("/Groups/{group_id}", summary="Replace a group")
async def replace_group(
    request: Request, uow: UowDep, actor: ActorDep, group_id: str, payload: Payload
) -> Response:
    account = resources.group_account_of(resources.read_group(payload))
    group = await directory.update_group(
        uow, actor, cohort_id=_id(group_id, "Group"), change=lambda _: account
    )
    return ScimResponse(resources.group_body(group, _base(request)))


@router.patch("/Groups/{group_id}", summary="Patch a group (rename, add or remove members)")
async def patch_group(
    request: Request, uow: UowDep, actor: ActorDep, group_id: str, payload: Payload
) -> Response:
    await directory.update_group(
        uow,
        actor,
        cohort_id=_id(group_id, "Group"),
        change=lambda group: resources.patched_group(group, payload),
    )
    return Response(status_code=204)


@router.delete("/Groups/{group_id}", status_code=204, summary="Delete a group")
async def delete_group(uow: UowDep, actor: ActorDep, group_id: str) -> Response:
    await directory.delete_group(uow, actor, cohort_id=_id(group_id, "Group"))
    return Response(status_code=204)


@router.get("/ServiceProviderConfig", summary="What this service provider supports")
async def service_provider_config(request: Request, actor: ActorDep) -> Response:
    config = ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=directory.MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="An integration API key, as `Authorization: Bearer tdm_...`.",
                primary=True,
            )
        ],
    )
    body = config.model_dump()
    body["meta"] = {
        "resourceType": "ServiceProviderConfig",
        "location": f"{_base(request)}/ServiceProviderConfig",
    }
    return ScimResponse(body)


def _resource_types(base: str) -> list[dict]:
    user = ResourceType.from_resource(resources.ScimUser)
    user.schema_extensions = [SchemaExtension(schema_=EnterpriseUser.__schema__, required=False)]
    group = ResourceType.from_resource(Group)
    found = []
    for resource_type in (user, group):
        body = resource_type.model_dump()
        body["meta"] = {
            "resourceType": "ResourceType",
            "location": f"{base}/ResourceTypes/{resource_type.id}",
        }
        found.append(body)
    return found


@router.get("/ResourceTypes", summary="The resource types: User and Group")
async def resource_types(request: Request, actor: ActorDep) -> Response:
    found = _resource_types(_base(request))
    return _list(len(found), 1, found)


@router.get("/ResourceTypes/{name}", summary="One resource type")
async def resource_type(request: Request, actor: ActorDep, name: str) -> Response:
    return _one(_resource_types(_base(request)), name, "ResourceType")


def _schemas(base: str) -> list[dict]:
    found = []
    for model in (resources.ScimUser, EnterpriseUser, Group):
        body = model.to_schema().model_dump()
        body["meta"] = {"resourceType": "Schema", "location": f"{base}/Schemas/{body['id']}"}
        found.append(body)
    return found


@router.get("/Schemas", summary="The schemas of User, the Enterprise User extension and Group")
async def schemas(request: Request, actor: ActorDep) -> Response:
    found = _schemas(_base(request))
    return _list(len(found), 1, found)


@router.get("/Schemas/{schema_id}", summary="One schema")
async def schema(request: Request, actor: ActorDep, schema_id: str) -> Response:
    return _one(_schemas(_base(request)), schema_id, "Schema")


def _one(found: list[dict], wanted: str, kind: str) -> ScimResponse:
    for body in found:
        if body["id"] == wanted:
            return ScimResponse(body)
    raise NotFound(kind, wanted)
