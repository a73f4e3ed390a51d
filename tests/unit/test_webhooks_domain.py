"""Webhook subscriptions: which URLs they accept, which events they want, which secrets sign."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import InvalidInput
from app.domain.events import DomainEvent, EventType
from app.domain.notifications import MAX_ATTEMPTS, Attempt, DeliveryStatus, after_attempt
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
        "http://[::ffff:169.254.169.254]/",
        "http://2852039166/",
        "http://localhost:6379/",
        "http://127.0.0.1:8080/in",
        "http://10.0.0.7/in",
        "https://hooks.example.com/in\x00",
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
    disabled = everything.changed(
        url=everything.url, event_types=(), description="", active=False, now=later
    )
    assert disabled.status is SubscriptionStatus.DISABLED
    assert not disabled.wants(DomainEvent.of(TENANT, EventType.ROLE_CHANGED, later))


def test_the_previous_secret_signs_beside_the_new_one_for_the_overlap_only():
    first = subscription()
    rotated = first.rotated(NOW)
    assert rotated.signing_secrets(NOW) == (rotated.secret, first.secret)
    assert rotated.signing_secrets(NOW + ROTATION_OVERLAP) == (rotated.secret,)
    assert rotated.rotation_ends_at(NOW) == NOW + ROTATION_OVERLAP
    assert rotated.rotation_ends_at(NOW + ROTATION_OVERLAP) is None
    assert first.rotation_ends_at(NOW) is None
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


def test_retries_back_off_for_about_a_day_then_dead_letter():
    waited, attempts, moment = timedelta(), 0, NOW
    failure = Attempt(ok=False, error="HTTP 503")
    while (retry := after_attempt("message", attempts, failure, moment)).at is not None:
        waited += retry.at - moment
        attempts, moment = retry.attempts, retry.at
    assert retry.status is DeliveryStatus.DEAD and retry.attempts == MAX_ATTEMPTS
    assert timedelta(hours=24) <= waited <= timedelta(hours=36)
    gone = after_attempt("message", 0, Attempt(ok=False, status_code=410, permanent=True), NOW)
    assert (gone.status, gone.attempts) == (DeliveryStatus.DEAD, 1)
