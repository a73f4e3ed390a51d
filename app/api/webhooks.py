"""Webhook subscriptions (hr_admin): Tandem POSTs the tenant's events to your URL, signed.

Each event is one JSON body, `{"type": "<event type>", "timestamp": "<ISO 8601, when it
happened>", "data": {"event_id": "...", "employee_id": "...", "subject_id": "...", ...}}`
(`employee_id` and `subject_id` when the event has them), with the Standard Webhooks headers:

- `webhook-id`: the delivery's id, the same on every retry: drop a message seen before.
- `webhook-timestamp`: Unix seconds when this attempt was signed: refuse a message whose
  timestamp is more than a few minutes from your clock (a replay).
- `webhook-signature`: `v1,<base64>`, the HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw
  body>` keyed with the secret's bytes (the base64 after `whsec_`). For 24 hours after a
  rotation there are two, space-separated, by the new and the previous secret: accept the
  message if either matches.

Any Standard Webhooks library verifies these. Answer 2xx within 10 seconds; anything else
(a redirect included: none is followed) is retried with backoff for about a day, then the
delivery is dead. 410 Gone disables the subscription at once."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.events import EventType
from app.domain.notifications import DeliveryStatus
from app.domain.webhooks import SubscriptionStatus, WebhookSubscription
from app.services import utcnow, webhooks

router = APIRouter(tags=["webhooks"], responses=problem_responses(401, 403, 422))
SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id.")]
SUBSCRIPTIONS = "/v1/webhook-subscriptions"
RECEIVING = __doc__


class WebhookSubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="http(s), without credentials, at most 2000 characters.")
    event_types: list[EventType] = Field(
        default_factory=list, description="The events to send; none for every event."
    )
    description: str = Field("", description="At most 500 characters.")


class WebhookSubscriptionChange(WebhookSubscriptionCreate):
    active: bool = Field(
        description="false disables it: no events are queued for it; true enables it again, "
        "for events from then on."
    )


class WebhookSubscriptionOut(BaseModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[EventType] = Field(description="Empty: every event.")
    status: SubscriptionStatus
    disabled_reason: str | None = Field(
        description="Why it is disabled: by a user, or the receiver answered 410 Gone."
    )
    secret_rotated_until: datetime | None = Field(
        description="After a rotation, until when the previous secret signs too; else null."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> "WebhookSubscriptionOut":
        return cls(**_fields(subscription))


class WebhookSubscriptionWithSecretOut(WebhookSubscriptionOut):
    secret: str = Field(
        description="The signing secret, `whsec_...`: shown here, on creation and on rotation, "
        "and never again."
    )

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> "WebhookSubscriptionWithSecretOut":
        return cls(**_fields(subscription), secret=subscription.secret)


class WebhookSubscriptionPage(PageOut[WebhookSubscriptionOut]):
    pass


class WebhookDeliveryOut(Out):
    id: uuid.UUID = Field(description="The `webhook-id` header, the same on every attempt.")
    event_id: uuid.UUID
    event_type: EventType
    status: DeliveryStatus = Field(
        description="pending (not yet sent, or to be retried), delivered, or dead (given up on)."
    )
    attempts: int
    next_attempt_at: datetime = Field(description="When a pending delivery is tried next.")
    last_status_code: int | None = Field(description="The receiver's last HTTP status.")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class WebhookDeliveryPage(PageOut[WebhookDeliveryOut]):
    pass


@router.post(
    SUBSCRIPTIONS,
    status_code=201,
    response_model=WebhookSubscriptionWithSecretOut,
    summary="Subscribe a URL to events",
    description="Starts active, with a new signing secret: the response is the only time it "
    "is shown (rotate it to get a new one). Events that happened before are not sent.\n\n"
    + RECEIVING,
)
async def create_subscription(
    body: WebhookSubscriptionCreate, uow: UowDep, actor: ActorDep, response: Response
) -> WebhookSubscriptionWithSecretOut:
    subscription = await webhooks.create_subscription(
        uow, actor, url=body.url, event_types=body.event_types, description=body.description
    )
    response.headers["Location"] = f"{SUBSCRIPTIONS}/{subscription.id}"
    set_etag(response, subscription.version)
    return WebhookSubscriptionWithSecretOut.of(subscription)


@router.get(
    SUBSCRIPTIONS,
    response_model=WebhookSubscriptionPage,
    summary="List webhook subscriptions (without their secrets)",
)
async def list_subscriptions(
    uow: UowDep, actor: ActorDep, page: PageDep
) -> WebhookSubscriptionPage:
    found = await webhooks.list_subscriptions(uow, actor, page=page)
    return WebhookSubscriptionPage.of(found, WebhookSubscriptionOut.of)


@router.get(
    f"{SUBSCRIPTIONS}/{{subscription_id}}",
    response_model=WebhookSubscriptionOut,
    summary="Get a webhook subscription (without its secret)",
    responses=problem_responses(404),
)
async def get_subscription(
    subscription_id: SubscriptionId, uow: UowDep, actor: ActorDep, response: Response
) -> WebhookSubscriptionOut:
    subscription = await webhooks.get_subscription(uow, actor, subscription_id=subscription_id)
    return _out(subscription, response)


@router.put(
    f"{SUBSCRIPTIONS}/{{subscription_id}}",
    response_model=WebhookSubscriptionOut,
    summary="Replace a subscription's URL, events and description; disable or enable it",
    description="The secret does not change. Enabled again, it gets events from then on.",
    responses=problem_responses(404, 412),
)
async def update_subscription(
    subscription_id: SubscriptionId,
    body: WebhookSubscriptionChange,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> WebhookSubscriptionOut:
    subscription = await webhooks.update_subscription(
        uow,
        actor,
        subscription_id=subscription_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        active=body.active,
        expected_version=if_match,
    )
    return _out(subscription, response)


@router.post(
    f"{SUBSCRIPTIONS}/{{subscription_id}}:rotate-secret",
    response_model=WebhookSubscriptionWithSecretOut,
    summary="Rotate the signing secret",
    description="Returns the new secret, shown only here. For 24 hours the previous secret "
    "signs each message too (a second `v1,` signature), so the receiver can switch without "
    "losing any; rotating again in that time retires the previous one at once.",
    responses=problem_responses(404, 412),
)
async def rotate_secret(
    subscription_id: SubscriptionId,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> WebhookSubscriptionWithSecretOut:
    subscription = await webhooks.rotate_secret(
        uow, actor, subscription_id=subscription_id, expected_version=if_match
    )
    set_etag(response, subscription.version)
    return WebhookSubscriptionWithSecretOut.of(subscription)


@router.delete(
    f"{SUBSCRIPTIONS}/{{subscription_id}}",
    status_code=204,
    summary="Delete a subscription with its delivery log",
    responses=problem_responses(404),
)
async def delete_subscription(
    subscription_id: SubscriptionId, uow: UowDep, actor: ActorDep
) -> None:
    await webhooks.delete_subscription(uow, actor, subscription_id=subscription_id)


@router.get(
    f"{SUBSCRIPTIONS}/{{subscription_id}}/deliveries",
    response_model=WebhookDeliveryPage,
    summary="A subscription's delivery log, oldest first",
    description="One entry per event sent to it, with its attempts: pending, delivered or "
    "dead, and the receiver's last answer.",
    responses=problem_responses(404),
)
async def list_deliveries(
    subscription_id: SubscriptionId, uow: UowDep, actor: ActorDep, page: PageDep
) -> WebhookDeliveryPage:
    found = await webhooks.list_deliveries(uow, actor, subscription_id=subscription_id, page=page)
    return WebhookDeliveryPage.of(found, WebhookDeliveryOut.of)


def _fields(subscription: WebhookSubscription) -> dict:
    """Everything but the secrets; the previous secret's expiry only while it still signs."""
    return {
        "id": subscription.id,
        "url": subscription.url,
        "description": subscription.description,
        "event_types": sorted(subscription.event_types),
        "status": subscription.status,
        "disabled_reason": subscription.disabled_reason,
        "secret_rotated_until": subscription.rotation_ends_at(utcnow()),
        "version": subscription.version,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def _out(subscription: WebhookSubscription, response: Response) -> WebhookSubscriptionOut:
    set_etag(response, subscription.version)
    return WebhookSubscriptionOut.of(subscription)
