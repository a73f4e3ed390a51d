"""FastAPI dependencies as Annotated aliases; the GraphQL context is built from the same ones."""

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from app.api.etag import expected_version
from app.domain.errors import Unauthenticated
from app.domain.identity import Actor
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.tenants import API_KEY_SCHEME
from app.services.authentication import authenticate_api_key, authenticate_bearer
from app.services.context import ServiceContext


async def get_services(request: Request) -> ServiceContext:
    return request.app.state.services


ServicesDep = Annotated[ServiceContext, Depends(get_services)]


async def get_uow(services: ServicesDep) -> UnitOfWork:
    return services.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_optional_actor(
    request: Request,
    services: ServicesDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer <JWT>` or `Bearer <API key>`.")
    ] = None,
    x_api_key: Annotated[str | None, Header(description="An API key, as an alternative.")] = None,
) -> Actor | None:
    """None when no credentials were sent at all; Unauthenticated when they are not valid,
    RateLimited when the credential used its quota. An API key may come as `X-API-Key` or as
    a bearer token; any other bearer is a JWT."""
    actor = await _authenticate(services, authorization, x_api_key)
    if actor is not None and services.rate_limiter is not None:
        # The middleware puts the verdict in the response's RateLimit headers.
        request.state.rate_limit = await services.rate_limiter.admit(actor)
    return actor


async def _authenticate(
    services: ServiceContext, authorization: str | None, x_api_key: str | None
) -> Actor | None:
    if x_api_key:
        return await authenticate_api_key(services.uow(), presented=x_api_key.strip())
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated("Use `Authorization: Bearer <token>` or `X-API-Key: <key>`.")
    if credential.startswith(f"{API_KEY_SCHEME}_"):
        return await authenticate_api_key(services.uow(), presented=credential)
    return await authenticate_bearer(services.uow(), services.token_verifier, token=credential)


OptionalActorDep = Annotated[Actor | None, Depends(get_optional_actor)]


async def get_actor(caller: OptionalActorDep) -> Actor:
    if caller is None:
        raise Unauthenticated("Credentials are required: an API key or a bearer token.")
    return caller


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.")
    ] = 50,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page, unchanged.")
    ] = None,
) -> PageRequest:
    return PageRequest.parse(limit=limit, cursor=cursor)


PageDep = Annotated[PageRequest, Depends(get_page_request)]
IfMatchDep = Annotated[int | None, Depends(expected_version)]


async def get_idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Any unique string (a UUID is usual). A retry with the same key and "
            "body returns the first response instead of applying the change again."
        ),
    ] = None,
) -> str | None:
    return idempotency_key


IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]
