"""GraphQL for webhook subscriptions and their delivery logs (hr_admin). A subscription's
signing secret is returned by createWebhookSubscription and rotateWebhookSecret only; how
receivers verify the messages is described under `webhooks` in the REST API's OpenAPI."""

import uuid
from datetime import datetime

import strawberry

from app.domain.events import EventType as DomainEventType
from app.domain.webhooks import Delivery as DomainDelivery
from app.domain.webhooks import SubscriptionStatus as DomainSubscriptionStatus
from app.domain.webhooks import WebhookSubscription as DomainWebhookSubscription
from app.graphql.context import Info
from app.graphql.pagination import Connection, page_request
from app.graphql.workflows import DeliveryStatus
from app.services import utcnow, webhooks

EventType = strawberry.enum(DomainEventType, name="EventType")
WebhookSubscriptionStatus = strawberry.enum(
    DomainSubscriptionStatus, name="WebhookSubscriptionStatus"
)


@strawberry.type
class WebhookSubscription:
    id: uuid.UUID
    url: str
    description: str
    event_types: list[EventType] = strawberry.field(description="Empty: every event.")
    status: WebhookSubscriptionStatus
    disabled_reason: str | None = strawberry.field(
        description="Why it is disabled: by a user, or the receiver answered 410 Gone."
    )
    secret_rotated_until: datetime | None = strawberry.field(
        description="After a rotation, until when the previous secret signs too; else null."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: DomainWebhookSubscription) -> "WebhookSubscription":
        return cls(
            id=subscription.id,
            url=subscription.url,
            description=subscription.description,
            event_types=sorted(subscription.event_types),
            status=subscription.status,
            disabled_reason=subscription.disabled_reason,
            secret_rotated_until=subscription.rotation_ends_at(utcnow()),
            version=subscription.version,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


@strawberry.type
class WebhookDelivery:
    id: uuid.UUID = strawberry.field(
        description="The `webhook-id` header, the same on every attempt."
    )
    event_id: uuid.UUID
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime = strawberry.field(
        description="When a pending delivery is tried next."
    )
    last_status_code: int | None = strawberry.field(description="The receiver's last HTTP status.")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: DomainDelivery) -> "WebhookDelivery":
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


@strawberry.input
class CreateWebhookSubscriptionInput:
    url: str = strawberry.field(description="http(s), without credentials.")
    event_types: list[EventType] = strawberry.field(
        default_factory=list, description="The events to send; none for every event."
    )
    description: str = ""


@strawberry.input
class UpdateWebhookSubscriptionInput:
    url: str
    event_types: list[EventType] = strawberry.field(
        default_factory=list, description="The events to send; none for every event."
    )
    description: str = ""
    active: bool = strawberry.field(
        description="false disables it; true enables it again, from now on."
    )


@strawberry.type
class CreateWebhookSubscriptionPayload:
    subscription: WebhookSubscription
    secret: str = strawberry.field(
        description="The signing secret, `whsec_...`: shown here and on rotation only."
    )


@strawberry.type
class RotateWebhookSecretPayload:
    subscription: WebhookSubscription
    secret: str = strawberry.field(
        description="The new signing secret, shown only here; the previous one signs too for "
        "24 hours."
    )


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="One webhook subscription, without its secret (hr_admin).")
    async def webhook_subscription(self, info: Info, id: uuid.UUID) -> WebhookSubscription:
        context = info.context
        subscription = await webhooks.get_subscription(
            context.uow(), context.actor, subscription_id=id
        )
        return WebhookSubscription.of(subscription)

    @strawberry.field(description="The tenant's webhook subscriptions (hr_admin).")
    async def webhook_subscriptions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookSubscription]:
        context = info.context
        page = await webhooks.list_subscriptions(
            context.uow(), context.actor, page=page_request(first, after)
        )
        return Connection.of(page, WebhookSubscription.of)

    @strawberry.field(description="A subscription's delivery log, oldest first (hr_admin).")
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: uuid.UUID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        context = info.context
        page = await webhooks.list_deliveries(
            context.uow(),
            context.actor,
            subscription_id=subscription_id,
            page=page_request(first, after),
        )
        return Connection.of(page, WebhookDelivery.of)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Subscribe a URL to events; returns the signing secret, shown only here "
        "and on rotation (hr_admin)."
    )
    async def create_webhook_subscription(
        self, info: Info, input: CreateWebhookSubscriptionInput
    ) -> CreateWebhookSubscriptionPayload:
        context = info.context
        subscription = await webhooks.create_subscription(
            context.uow(),
            context.actor,
            url=input.url,
            event_types=input.event_types,
            description=input.description,
        )
        return CreateWebhookSubscriptionPayload(
            subscription=WebhookSubscription.of(subscription), secret=subscription.secret
        )

    @strawberry.mutation(
        description="Replace a subscription's URL, events and description; disable or enable "
        "it (hr_admin)."
    )
    async def update_webhook_subscription(
        self,
        info: Info,
        id: uuid.UUID,
        input: UpdateWebhookSubscriptionInput,
        expected_version: int | None = None,
    ) -> WebhookSubscription:
        context = info.context
        subscription = await webhooks.update_subscription(
            context.uow(),
            context.actor,
            subscription_id=id,
            url=input.url,
            event_types=input.event_types,
            description=input.description,
            active=input.active,
            expected_version=expected_version,
        )
        return WebhookSubscription.of(subscription)

    @strawberry.mutation(
        description="A new signing secret, shown only here; the previous one signs too for "
        "24 hours (hr_admin)."
    )
    async def rotate_webhook_secret(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> RotateWebhookSecretPayload:
        context = info.context
        subscription = await webhooks.rotate_secret(
            context.uow(), context.actor, subscription_id=id, expected_version=expected_version
        )
        return RotateWebhookSecretPayload(
            subscription=WebhookSubscription.of(subscription), secret=subscription.secret
        )

    @strawberry.mutation(
        description="Delete a subscription with its delivery log; returns its id (hr_admin)."
    )
    async def delete_webhook_subscription(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        context = info.context
        await webhooks.delete_subscription(context.uow(), context.actor, subscription_id=id)
        return id
