"""FastAPI dependencies as Annotated aliases; the GraphQL context is built from the same ones."""

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from app.domain.errors import Unauthenticated
from app.domain.identity import Actor
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.domain.ports import UnitOfWork
from app.services.context import ServiceContext
from app.services.credentials import authenticate


def get_services(request: Request) -> ServiceContext:
    return request.app.state.services


ServicesDep = Annotated[ServiceContext, Depends(get_services)]


def get_uow(services: ServicesDep) -> UnitOfWork:
    return services.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_optional_actor(
    services: ServicesDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer <JWT>` or `Bearer <API key>`.")
    ] = None,
    x_api_key: Annotated[str | None, Header(description="An API key, as an alternative.")] = None,
) -> Actor | None:
    """None when no credentials were sent at all; Unauthenticated when they are not valid."""
    if not authorization and not x_api_key:
        return None
    return await authenticate(services, authorization=authorization, api_key=x_api_key)


OptionalActorDep = Annotated[Actor | None, Depends(get_optional_actor)]


async def get_actor(caller: OptionalActorDep) -> Actor:
    if caller is None:
        raise Unauthenticated("Credentials are required: an API key or a bearer token.")
    return caller


ActorDep = Annotated[Actor, Depends(get_actor)]


def get_page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.")
    ] = 50,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page, unchanged.")
    ] = None,
) -> PageRequest:
    return PageRequest.parse(limit=limit, cursor=cursor)


PageDep = Annotated[PageRequest, Depends(get_page_request)]
