"""The event outbox on a real database: events written with their cause, fanned out once to
the webhook subscriptions that want them, delivered signed (verified with the Standard
Webhooks reference library), retried, dead-lettered; and workflows fired by events."""

import json
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from app.adapters.db.tables import assessments, events
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.adapters.db.workflows import SqlWorkflowRepository
from app.adapters.notify.webhooks import HttpxWebhookSender
from app.domain.events import EventType
from app.domain.identity import Actor, Role
from app.domain.notifications import DeliveryStatus
from app.domain.pagination import PageRequest
from app.domain.webhooks import SubscriptionStatus
from app.services import events as event_service
from app.services import webhooks as webhook_service
from app.services import workflows as workflow_service
from tests.integration.helpers import auth
from tests.integration.test_plans import assess, key_for, small_org


class Receiver:
    """Webhook endpoints answering each path with the statuses given for it (then 204),
    keeping every request."""

    def __init__(self, **statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[httpx.Request] = []

    def sender(self) -> HttpxWebhookSender:
        return HttpxWebhookSender(httpx.AsyncClient(transport=httpx.MockTransport(self.answer)))

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        waiting = self.statuses.get(request.url.path.strip("/"), [])
        return httpx.Response(waiting.pop(0) if waiting else 204)


async def drain_events(uow) -> None:
    """Process every pending event, other tests' backlog included (each call takes a bounded
    number of batches)."""
    while await event_service.process_events(uow()):
        pass


def hr_of(tenant) -> Actor:
    return Actor(tenant.tenant.id, frozenset({Role.HR_ADMIN}))


async def test_a_finalised_assessment_reaches_each_subscriber_once_signed(
    client, engine, new_tenant
):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, people, *_ = await small_org(client, admin, reports=("a",))
    uow = SqlUnitOfWorkFactory(engine)
    hr = hr_of(admin)
    wanted = await webhook_service.create_subscription(
        uow(), hr, url="https://hooks.example.com/a", event_types=[EventType.ASSESSMENT_FINALISED]
    )
    everything = await webhook_service.create_subscription(
        uow(), hr, url="https://hooks.example.com/all"
    )
    await webhook_service.create_subscription(
        uow(), hr, url="https://hooks.example.com/roles", event_types=[EventType.ROLE_CHANGED]
    )
    foreign = await webhook_service.create_subscription(
        uow(), hr_of(other), url="https://hooks.example.com/other"
    )
    assert wanted.secret.startswith("whsec_")

    assessment_id = await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 2})
    await drain_events(uow)
    assert await event_service.process_events(uow()) == 0

    receiver = Receiver(a=[503])
    await webhook_service.deliver_webhooks(uow(), receiver.sender())
    first = await webhook_service.list_deliveries(
        uow(), hr, subscription_id=wanted.id, page=PageRequest(limit=10)
    )
    (delivery,) = first.items
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        503,
    )
    assert delivery.next_attempt_at > datetime.now(UTC)
    for_everything = await webhook_service.list_deliveries(
        uow(), hr, subscription_id=everything.id, page=PageRequest(limit=10)
    )
    assert {d.event_type for d in for_everything.items} >= {EventType.ASSESSMENT_FINALISED}
    nothing_foreign = await webhook_service.list_deliveries(
        uow(), hr_of(other), subscription_id=foreign.id, page=PageRequest(limit=10)
    )
    assert nothing_foreign.items == []

    # The retry, once its backoff has passed, carries the same webhook-id.
    await webhook_service.deliver_webhooks(
        uow(), receiver.sender(), now=datetime.now(UTC) + timedelta(minutes=5)
    )
    to_wanted = [r for r in receiver.requests if r.url.path == "/a"]
    assert len(to_wanted) == 2
    assert to_wanted[0].headers["webhook-id"] == to_wanted[1].headers["webhook-id"]
    payload = json.loads(to_wanted[1].content)
    assert payload["type"] == "assessment_finalised"
    assert payload["data"]["subject_id"] == assessment_id
    assert payload["data"]["employee_id"] == people["a"]
    delivered = await webhook_service.list_deliveries(
        uow(), hr, subscription_id=wanted.id, page=PageRequest(limit=10)
    )
    assert [(d.status, d.attempts) for d in delivered.items] == [(DeliveryStatus.DELIVERED, 2)]


async def test_signatures_verify_across_a_secret_rotation_and_410_disables(
    client, engine, new_tenant
):
    admin = await new_tenant()
    ids, people, *_ = await small_org(client, admin, reports=("a", "b"))
    uow = SqlUnitOfWorkFactory(engine)
    hr = hr_of(admin)
    subscription = await webhook_service.create_subscription(
        uow(), hr, url="https://hooks.example.com/rotate", event_types=[EventType.ROLE_CHANGED]
    )
    rotated = await webhook_service.rotate_secret(
        uow(), hr, subscription_id=subscription.id, expected_version=subscription.version
    )
    assert rotated.secret != subscription.secret
    role = (await client.get("/v1/roles", headers=auth(admin))).json()["data"][0]
    await client.post(
        "/v1/roles",
        json={
            "key": "lead",
            "name": "Lead",
            "requirements": [{"capability_id": ids["crm"], "required_level": 3}],
        },
        headers=auth(admin),
    )
    moved = await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "a", "role_key": "lead"}]},
        headers=auth(admin),
    )
    assert moved.json()["applied"] == 1, moved.text
    await drain_events(uow)

    receiver = Receiver(rotate=[200])
    assert await webhook_service.deliver_webhooks(uow(), receiver.sender()) >= 1
    (request,) = [r for r in receiver.requests if r.url.path == "/rotate"]
    signed = dict(request.headers)
    assert len(signed["webhook-signature"].split(" ")) == 2
    for secret in (subscription.secret, rotated.secret):
        Webhook(secret).verify(request.content, signed, json_parse=False)
    payload = json.loads(request.content)
    assert payload["data"]["previous_role_id"] == role["id"]
    assert payload["data"]["employee_id"] == people["a"]

    # The receiver says it is gone: dead at once, and the subscription is disabled.
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "b", "role_key": "lead"}]},
        headers=auth(admin),
    )
    await drain_events(uow)
    await webhook_service.deliver_webhooks(uow(), Receiver(rotate=[410]).sender())
    disabled = await webhook_service.get_subscription(uow(), hr, subscription_id=subscription.id)
    assert disabled.status is SubscriptionStatus.DISABLED
    log = await webhook_service.list_deliveries(
        uow(), hr, subscription_id=subscription.id, page=PageRequest(limit=10)
    )
    assert [(d.status, d.last_status_code) for d in log.items] == [
        (DeliveryStatus.DELIVERED, 200),
        (DeliveryStatus.DEAD, 410),
    ]

    # Disabled before its delivery went out: the delivery waits rather than being sent.
    enabled = await webhook_service.update_subscription(
        uow(),
        hr,
        subscription_id=subscription.id,
        url=disabled.url,
        event_types=disabled.event_types,
        description="",
        active=True,
    )
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "b", "role_key": "seller"}]},
        headers=auth(admin),
    )
    await drain_events(uow)
    await webhook_service.update_subscription(
        uow(),
        hr,
        subscription_id=subscription.id,
        url=enabled.url,
        event_types=enabled.event_types,
        description="",
        active=False,
    )
    silent = Receiver()
    await webhook_service.deliver_webhooks(uow(), silent.sender())
    assert [r for r in silent.requests if r.url.path == "/rotate"] == []
    log = await webhook_service.list_deliveries(
        uow(), hr, subscription_id=subscription.id, page=PageRequest(limit=10)
    )
    assert log.items[-1].status is DeliveryStatus.PENDING


async def test_an_event_trigger_opens_one_assessment_for_the_person(client, engine, new_tenant):
    admin = await new_tenant()
    ids, people, *_ = await small_org(client, admin, reports=("a", "b"))
    uow = SqlUnitOfWorkFactory(engine)
    hr = hr_of(admin)
    await client.post(
        "/v1/roles",
        json={
            "key": "lead",
            "name": "Lead",
            "requirements": [{"capability_id": ids["crm"], "required_level": 3}],
        },
        headers=auth(admin),
    )
    workflow = await workflow_service.define_workflow(
        uow(),
        hr,
        key="on-role-change",
        name="Assess a new role",
        definition={
            "target": {"kind": "everyone"},
            "triggers": [{"type": "event", "event": "role_changed"}],
            "steps": [{"id": "assess", "type": "open_assessment", "due_in_days": 30}],
        },
    )
    moved = await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "a", "role_key": "lead"}]},
        headers=auth(admin),
    )
    assert moved.json()["applied"] == 1
    await drain_events(uow)
    await drain_events(uow)
    async with engine.connect() as conn:
        opened = (
            await conn.execute(
                sa.select(assessments.c.employee_id, assessments.c.due_date).where(
                    assessments.c.tenant_id == admin.tenant.id,
                    assessments.c.workflow_id == workflow.id,
                )
            )
        ).all()
    assert [str(row.employee_id) for row in opened] == [people["a"]]
    runs = await workflow_service.list_runs(
        uow(), hr, workflow_id=workflow.id, page=PageRequest(limit=10)
    )
    assert [(run.trigger, run.opened, str(run.employee_id)) for run in runs.items] == [
        ("event:role_changed", 1, people["a"])
    ]

    # Two changes for "b" processed in one batch: two runs, one assessment, for the role held.
    for role_key in ("lead", "seller"):
        await client.post(
            "/v1/role-assignments:bulk",
            json={"rows": [{"employee_external_id": "b", "role_key": role_key}]},
            headers=auth(admin),
        )
    await drain_events(uow)
    runs = await workflow_service.list_runs(
        uow(), hr, workflow_id=workflow.id, page=PageRequest(limit=10)
    )
    assert sorted((run.opened, str(run.employee_id)) for run in runs.items) == sorted(
        [(1, people["a"]), (1, people["b"]), (0, people["b"])]
    )


async def test_an_event_that_cannot_be_processed_is_set_aside_not_blocking_others(
    client, engine, new_tenant, monkeypatch
):
    healthy, broken = await new_tenant(), await new_tenant("Broken")
    uow = SqlUnitOfWorkFactory(engine)
    for tenant in (healthy, broken):
        ids, *_ = await small_org(client, tenant, reports=("a",))
        await client.post(
            "/v1/roles",
            json={
                "key": "lead",
                "name": "Lead",
                "requirements": [{"capability_id": ids["crm"], "required_level": 3}],
            },
            headers=auth(tenant),
        )
        await workflow_service.define_workflow(
            uow(),
            hr_of(tenant),
            key="on-role-change",
            name="Assess a new role",
            definition={
                "target": {"kind": "everyone"},
                "triggers": [{"type": "event", "event": "role_changed"}],
                "steps": [{"id": "assess", "type": "open_assessment"}],
            },
        )
    opening = SqlWorkflowRepository.open_assessments

    async def failing_for_one_tenant(self, tenant_id, *args, **kwargs):
        if tenant_id == broken.tenant.id:
            raise RuntimeError("the broken tenant's opening fails")
        return await opening(self, tenant_id, *args, **kwargs)

    monkeypatch.setattr(SqlWorkflowRepository, "open_assessments", failing_for_one_tenant)
    for tenant in (broken, healthy):
        moved = await client.post(
            "/v1/role-assignments:bulk",
            json={"rows": [{"employee_external_id": "a", "role_key": "lead"}]},
            headers=auth(tenant),
        )
        assert moved.json()["applied"] == 1
    await drain_events(uow)

    async with engine.connect() as conn:
        opened = {
            tenant.tenant.id: (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(assessments)
                    .where(
                        assessments.c.tenant_id == tenant.tenant.id,
                        assessments.c.workflow_id.is_not(None),
                    )
                )
            ).scalar()
            for tenant in (healthy, broken)
        }
        set_aside = (
            await conn.execute(
                sa.select(events.c.type, events.c.error, events.c.processed_at).where(
                    events.c.tenant_id == broken.tenant.id, events.c.error.is_not(None)
                )
            )
        ).all()
    assert opened == {healthy.tenant.id: 1, broken.tenant.id: 0}
    assert [(e.type, e.error) for e in set_aside] == [
        ("role_changed", "RuntimeError: the broken tenant's opening fails")
    ]
    assert all(e.processed_at is not None for e in set_aside)


async def test_a_workflow_does_not_fire_on_its_own_loops_events(client, engine, new_tenant):
    admin = await new_tenant()
    ids, people, *_ = await small_org(client, admin, reports=("a",))
    uow = SqlUnitOfWorkFactory(engine)
    workflow = await workflow_service.define_workflow(
        uow(),
        hr_of(admin),
        key="after-any-assessment",
        name="Follow up every finalised assessment",
        definition={
            "target": {"kind": "everyone"},
            "triggers": [{"type": "event", "event": "assessment_finalised"}],
            "steps": [{"id": "assess", "type": "open_assessment", "rater_types": ["manager"]}],
        },
    )
    levels = {ids["negotiation"]: 1, ids["crm"]: 2}
    await assess(client, admin, people["a"], levels)
    await drain_events(uow)

    async def opened_by_workflow():
        async with engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(assessments.c.id, assessments.c.status).where(
                        assessments.c.tenant_id == admin.tenant.id,
                        assessments.c.workflow_id == workflow.id,
                    )
                )
            ).all()

    (follow_up,) = await opened_by_workflow()
    as_manager = await key_for(client, admin, "manager", people["m"])
    url = f"/v1/assessments/{follow_up.id}"
    rated = await client.put(
        f"{url}/ratings",
        json={
            "ratings": [{"capability_id": c, "level": v} for c, v in levels.items()],
            "submit": True,
        },
        headers=as_manager,
    )
    assert rated.status_code == 200, rated.text
    assert (await client.post(f"{url}:finalise", headers=as_manager)).status_code == 200
    await drain_events(uow)
    assert [row.status for row in await opened_by_workflow()] == ["finalised"]
