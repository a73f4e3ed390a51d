"""GraphQL for the learning catalogue."""

import uuid
from datetime import datetime

import strawberry

from app.domain.learning import DeliveryFormat as DomainDeliveryFormat
from app.domain.learning import ItemContent
from app.domain.learning import LearningItem as DomainLearningItem
from app.domain.plans import LearningKind as DomainLearningKind
from app.domain.plans import Target
from app.graphql.catalogue import Capability
from app.graphql.context import Info
from app.graphql.pagination import Connection, page_request
from app.services import learning

LearningKind = strawberry.enum(DomainLearningKind, name="LearningKind")
DeliveryFormat = strawberry.enum(DomainDeliveryFormat, name="DeliveryFormat")


@strawberry.type
class LearningTarget:
    capability_id: uuid.UUID
    from_level: int
    to_level: int

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)


@strawberry.type
class LearningItem:
    id: uuid.UUID
    title: str
    kind: LearningKind
    targets: list[LearningTarget]
    description: str
    external_id: str | None
    url: str | None
    format: DeliveryFormat | None
    minutes: int
    cost: float
    prerequisite_ids: list[uuid.UUID]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: DomainLearningItem) -> "LearningItem":
        content = item.content
        return cls(
            id=item.id,
            title=content.title,
            kind=content.kind,
            targets=[LearningTarget(**vars(t)) for t in content.targets],
            description=content.description,
            external_id=content.external_id,
            url=content.url,
            format=content.format,
            minutes=content.minutes,
            cost=content.cost,
            prerequisite_ids=list(content.prerequisites),
            active=content.active,
            version=item.version,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


@strawberry.input
class LearningTargetInput:
    capability_id: uuid.UUID
    from_level: int
    to_level: int


@strawberry.input
class LearningItemInput:
    title: str
    kind: LearningKind
    targets: list[LearningTargetInput]
    description: str = ""
    external_id: str | None = None
    url: str | None = None
    format: DeliveryFormat | None = None
    minutes: int = 0
    cost: float = 0.0
    prerequisite_ids: list[uuid.UUID] = strawberry.field(default_factory=list)
    active: bool = True

    def to_domain(self) -> ItemContent:
        return ItemContent(
            title=self.title,
            kind=self.kind,
            targets=tuple(Target(t.capability_id, t.from_level, t.to_level) for t in self.targets),
            description=self.description,
            external_id=self.external_id,
            url=self.url,
            format=self.format,
            minutes=self.minutes,
            cost=self.cost,
            prerequisites=tuple(self.prerequisite_ids),
            active=self.active,
        )


@strawberry.type
class LearningQuery:
    @strawberry.field
    async def learning_items(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        capability_id: uuid.UUID | None = None,
        kind: LearningKind | None = None,
        active: bool | None = None,
    ) -> Connection[LearningItem]:
        context = info.context
        page = await learning.list_items(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            capability_id=capability_id,
            kind=kind,
            active=active,
        )
        return Connection.of(page, LearningItem.of)

    @strawberry.field
    async def learning_item(self, info: Info, id: uuid.UUID) -> LearningItem:
        context = info.context
        return LearningItem.of(await learning.get_item(context.uow(), context.actor, item_id=id))


@strawberry.type
class LearningMutation:
    @strawberry.mutation
    async def create_learning_item(self, info: Info, input: LearningItemInput) -> LearningItem:
        context = info.context
        item = await learning.create_item(context.uow(), context.actor, content=input.to_domain())
        return LearningItem.of(item)

    @strawberry.mutation(description="Replace a learning item (active: false retires it).")
    async def update_learning_item(
        self,
        info: Info,
        id: uuid.UUID,
        input: LearningItemInput,
        expected_version: int | None = None,
    ) -> LearningItem:
        context = info.context
        item = await learning.update_item(
            context.uow(),
            context.actor,
            item_id=id,
            content=input.to_domain(),
            expected_version=expected_version,
        )
        return LearningItem.of(item)
