"""Webhook subscriptions: which URLs they accept, which events they want, which secrets sign."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import InvalidInput
from app.domain.events import DomainEvent, EventType
from app.domain.webhooks import ROTATION_OVERLAP, SubscriptionStatus, WebhookSubscription

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
TENANT = uuid.uuid4()


def subscription(**changes) -> WebhookSubscription:
    values = {"url": "https://hooks.example.com/in", "event_types": [], "description": ""}
    return WebhookSubscription.create(TENANT, now=NOW, **(values | changes))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/in",
        "https://user:pw@hooks.example.com/in",
        "http://[abc/x",
        "https://hooks.example.com:99999/",
        "https://hooks exa.com/",
        "https:///no-host",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/in",
        "https://hooks.example.com/" + "x" * 2000,
    ],
)
def test_urls_a_receiver_cannot_have_are_refused_on_the_url_field(url):
    with pytest.raises(InvalidInput) as refused:
        subscription(url=url)
    assert [e.field for e in refused.value.errors] == ["url"]


def test_a_subscription_wants_its_types_from_its_tenant_since_it_exists():
    chosen = subscription(event_types=[EventType.ROLE_CHANGED])
    later = NOW + timedelta(seconds=1)
    assert chosen.wants(DomainEvent.of(TENANT, EventType.ROLE_CHANGED, later))
    assert not chosen.wants(DomainEvent.of(TENANT, EventType.PLAN_COMPLETED, later))
    assert not chosen.wants(DomainEvent.of(uuid.uuid4(), EventType.ROLE_CHANGED, later))
    assert not chosen.wants(
        DomainEvent.of(TENANT, EventType.ROLE_CHANGED, NOW - timedelta(seconds=1))
    )
    everything = subscription()
    assert all(everything.wants(DomainEvent.of(TENANT, kind, later)) for kind in EventType)
    gone = everything.gone(later)
    assert gone.status is SubscriptionStatus.DISABLED
    assert not gone.wants(DomainEvent.of(TENANT, EventType.ROLE_CHANGED, later))


def test_the_previous_secret_signs_beside_the_new_one_for_the_overlap_only():
    first = subscription()
    rotated = first.rotated(NOW)
    assert rotated.signing_secrets(NOW) == (rotated.secret, first.secret)
    assert rotated.signing_secrets(NOW + ROTATION_OVERLAP) == (rotated.secret,)
    assert first.secret.startswith("whsec_") and rotated.secret != first.secret


def test_the_event_body_is_the_standard_webhooks_shape():
    employee, plan = uuid.uuid4(), uuid.uuid4()
    event = DomainEvent.of(
        TENANT, EventType.PLAN_COMPLETED, NOW, employee_id=employee, subject_id=plan
    )
    assert event.payload() == {
        "type": "plan_completed",
        "timestamp": NOW.isoformat(),
        "data": {"event_id": str(event.id), "employee_id": str(employee), "subject_id": str(plan)},
    }
