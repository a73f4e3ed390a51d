"""DataLoaders, made per request: every nested lookup of one kind in a query is one batch."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from app.domain.assessments import Result
from app.domain.checkins import CheckinTemplate
from app.domain.goals import Goal, GoalProgress
from app.domain.identity import Actor
from app.domain.learning import LearningItem
from app.domain.people import Employee, OrgUnit
from app.domain.ports import UnitOfWork
from app.domain.roles import RoleProfile
from app.domain.views import CapabilityView
from app.services import checkins, goals, lookups
from app.services.gaps import EmployeeGaps, gaps_of_many

Value = TypeVar("Value")
Key = TypeVar("Key")
Lookup = Callable[[UnitOfWork, Actor, Sequence[Key]], Awaitable[dict[Key, Value]]]


class Loaders:
    def __init__(self, uow: Callable[[], UnitOfWork], actor: Actor) -> None:
        def loader(lookup: Lookup) -> DataLoader:
            async def load(keys: list) -> list:
                found = await lookup(uow(), actor, keys)
                return [found.get(key) for key in keys]

            return DataLoader(load_fn=load)

        self.employee: DataLoader[uuid.UUID, Employee | None] = loader(lookups.employees_by_id)
        self.role: DataLoader[uuid.UUID, RoleProfile | None] = loader(lookups.roles_by_id)
        self.org_unit: DataLoader[uuid.UUID, OrgUnit | None] = loader(lookups.org_units_by_id)
        self.capability: DataLoader[uuid.UUID, CapabilityView | None] = loader(
            lookups.capabilities_by_id
        )
        self.results: DataLoader[uuid.UUID, list[Result] | None] = loader(
            lookups.results_by_assessment
        )
        self.learning_item: DataLoader[uuid.UUID, LearningItem | None] = loader(
            lookups.learning_items_by_id
        )
        self.gaps: DataLoader[tuple[uuid.UUID, uuid.UUID | None], EmployeeGaps | None] = loader(
            gaps_of_many
        )
        self.checkin_template: DataLoader[uuid.UUID, CheckinTemplate | None] = loader(
            checkins.templates_by_id
        )
        self.goal: DataLoader[uuid.UUID, Goal | None] = loader(goals.goals_by_id)
        self.goal_progress: DataLoader[uuid.UUID, list[GoalProgress] | None] = loader(
            goals.recent_progress_by_goal
        )
