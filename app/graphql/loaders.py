"""DataLoaders, made per request: every nested lookup of one kind in a query is one batch."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from app.domain.identity import Actor
from app.domain.people import Employee, OrgUnit
from app.domain.ports import UnitOfWork
from app.domain.roles import RoleProfile
from app.domain.views import CapabilityView
from app.services import lookups

Value = TypeVar("Value")
Lookup = Callable[[UnitOfWork, Actor, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, Value]]]


class Loaders:
    def __init__(self, uow: Callable[[], UnitOfWork], actor: Actor) -> None:
        def loader(lookup: Lookup) -> DataLoader:
            async def load(ids: list[uuid.UUID]) -> list:
                found = await lookup(uow(), actor, ids)
                return [found.get(identifier) for identifier in ids]

            return DataLoader(load_fn=load)

        self.employee: DataLoader[uuid.UUID, Employee | None] = loader(lookups.employees_by_id)
        self.role: DataLoader[uuid.UUID, RoleProfile | None] = loader(lookups.roles_by_id)
        self.org_unit: DataLoader[uuid.UUID, OrgUnit | None] = loader(lookups.org_units_by_id)
        self.capability: DataLoader[uuid.UUID, CapabilityView | None] = loader(
            lookups.capabilities_by_id
        )
