"""Per-request GraphQL context. Each resolver asks for its own unit of work, because Strawberry
resolves sibling fields concurrently and one database connection cannot serve two at once."""

from dataclasses import dataclass

import strawberry
from strawberry.fastapi import BaseContext

from app.domain.errors import Unauthenticated
from app.domain.identity import Actor
from app.domain.ports import UnitOfWork
from app.graphql.loaders import Loaders
from app.services.context import ServiceContext


@dataclass
class GraphQLContext(BaseContext):
    services: ServiceContext
    caller: Actor | None

    def __post_init__(self) -> None:
        super().__init__()
        self._loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.services.uow, self.actor)
        return self._loaders

    @property
    def actor(self) -> Actor:
        if self.caller is None:
            raise Unauthenticated("Credentials are required: an API key or a bearer token.")
        return self.caller

    def uow(self) -> UnitOfWork:
        return self.services.uow()


Info = strawberry.Info[GraphQLContext, None]
