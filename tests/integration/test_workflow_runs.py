"""Scheduled workflows on a real database: a cycle opens once per period for everyone the
target holds, exactly as the domain would open each assessment, with its notices queued and
delivered once."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from app.adapters.db.tables import assessments, notifications, workflow_runs
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.assessments import Assessment, AssessmentStatus, Purpose, RaterType
from app.domain.identity import Actor, Role
from app.domain.notifications import CLAIM_LEASE, Attempt, DeliveryStatus, EmailMessage, Retry
from app.domain.pagination import PageRequest
from app.services import assessments as assessment_service
from app.services import notifications as notification_service
from app.services import workflows as workflow_service
from app.services.assessments import get_assessment
from app.services.roles import get_role
from tests.integration.helpers import auth
from tests.integration.test_plans import key_for, small_org


class Outbox:
    """An email gateway that keeps what it is given, failing when told to."""

    def __init__(self, failing: bool = False) -> None:
        self.sent: list[EmailMessage] = []
        self.failing = failing

    async def send(self, message: EmailMessage) -> Attempt:
        if self.failing:
            return Attempt(ok=False, error="421 try later")
        self.sent.append(message)
        return Attempt(ok=True)


def monthly(role_id: str, **step_changes) -> dict:
    return {
        "target": {"kind": "role", "ids": [role_id]},
        "triggers": [{"type": "schedule", "cron": "0 9 1 * *", "timezone": "Europe/Paris"}],
        "steps": [
            {"id": "assess", "type": "open_assessment", "due_in_days": 14, **step_changes},
            {
                "id": "tell",
                "type": "notify",
                "about": "assess",
                "addresses": ["hr@example.com"],
            },
            {"id": "done", "type": "wait", "for": "assess"},
            {"id": "plan", "type": "generate_plan"},
        ],
    }


async def seller_org(client, admin):
    ids, people, *_ = await small_org(client, admin, reports=("a", "b", "c"))
    await client.post(
        "/v1/employees:bulk",
        json={"rows": [{"external_id": "loner", "name": "Loner"}]},
        headers=auth(admin),
    )
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "loner", "role_key": "seller"}]},
        headers=auth(admin),
    )
    role = (await client.get("/v1/roles", headers=auth(admin))).json()["data"][0]
    return ids, people, role


async def test_a_monthly_cycle_opens_once_per_period_as_the_domain_would(
    client, engine, new_tenant
):
    admin = await new_tenant()
    _, people, role = await seller_org(client, admin)
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="monthly", name="Monthly check", definition=monthly(role["id"])
    )
    first = workflow.next_firings(workflow.active_since, 2)
    # The jobs fire every tenant's workflows (other tests' too): look at this one's runs.
    await workflow_service.fire_due_workflows(uow(), now=first[0] - timedelta(minutes=1))
    runs = await workflow_service.list_runs(
        uow(), hr, workflow_id=workflow.id, page=PageRequest(limit=10)
    )
    assert runs.items == []

    await asyncio.gather(
        *(
            workflow_service.fire_due_workflows(uow(), now=first[0] + timedelta(minutes=2))
            for _ in range(3)
        )
    )

    async with engine.connect() as conn:
        runs = (
            await conn.execute(
                sa.select(workflow_runs).where(workflow_runs.c.tenant_id == admin.tenant.id)
            )
        ).all()
        opened = (
            await conn.execute(
                sa.select(assessments.c.id, assessments.c.employee_id).where(
                    assessments.c.tenant_id == admin.tenant.id,
                    assessments.c.workflow_id == workflow.id,
                )
            )
        ).all()
    assert [(r.trigger, r.opened) for r in runs] == [("schedule:0", 3)]
    # Not "m" (no role) nor "loner" (no manager to rate them).
    by_employee = {str(row.employee_id): row.id for row in opened}
    assert set(by_employee) == {people["a"], people["b"], people["c"]}

    role_profile = await get_role(uow(), hr, role_id=uuid.UUID(role["id"]))
    zone = workflow.definition.schedules[0][1].zone
    for name in ("a", "b", "c"):
        stored = await get_assessment(uow(), hr, assessment_id=by_employee[people[name]])
        expected = Assessment.create(
            admin.tenant.id,
            employee_id=stored.employee_id,
            manager_id=uuid.UUID(people["m"]),
            role_id=role_profile.id,
            purpose=Purpose.CURRENT_ROLE,
            requirements=role_profile.requirements,
            max_levels=dict.fromkeys((r.capability_id for r in role_profile.requirements), 3),
            required_rater_types=(RaterType.SELF, RaterType.MANAGER),
            due_date=first[0].astimezone(zone).date() + timedelta(days=14),
            now=first[0],
        ).open(first[0])
        assert stored.status is expected.status is AssessmentStatus.OPEN
        assert stored.items == expected.items
        assert stored.due_date == expected.due_date
        assert stored.required_rater_types == expected.required_rater_types
        assert {(r.employee_id, r.type) for r in stored.raters} == {
            (r.employee_id, r.type) for r in expected.raters
        }

    async with engine.connect() as conn:
        queued = (
            await conn.execute(
                sa.select(notifications.c.kind, notifications.c.recipient).where(
                    notifications.c.tenant_id == admin.tenant.id
                )
            )
        ).all()
    assert sorted(queued) == sorted(
        [("assessment_opened", "employee")] * 3 + [("assessment_opened", "hr@example.com")] * 3
    )

    # The next period: everyone still has an unfinished assessment, so nobody gets a second.
    await workflow_service.fire_due_workflows(uow(), now=first[1] + timedelta(hours=1))
    runs = await workflow_service.list_runs(
        uow(), hr, workflow_id=workflow.id, page=PageRequest(limit=10)
    )
    assert [run.opened for run in runs.items] == [3, 0]


async def test_notifications_are_sent_once_and_failures_retried_later(client, engine, new_tenant):
    admin = await new_tenant()
    *_, role = await seller_org(client, admin)
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="monthly", name="Monthly", definition=monthly(role["id"])
    )
    (when,) = workflow.next_firings(workflow.active_since, 1)
    await workflow_service.fire_due_workflows(uow(), now=when)

    down = Outbox(failing=True)
    assert await notification_service.deliver_notifications(uow(), down, now=when) == 0
    tried = await notification_service.list_notifications(uow(), hr, page=PageRequest(limit=50))
    # The sellers have no email address: given up on at once. HR's copies wait for a retry.
    assert (
        sorted((n.recipient, n.status, n.attempts, n.last_error) for n in tried.items)
        == [
            ("employee", DeliveryStatus.DEAD, 1, "The recipient has no email address."),
        ]
        * 3
        + [("hr@example.com", DeliveryStatus.PENDING, 1, "421 try later")] * 3
    )

    # The drains are for every tenant; this test looks at its own tenant's notifications.
    up = Outbox()
    await notification_service.deliver_notifications(uow(), up, now=when)
    assert await _statuses(uow, hr) == {"dead": 3, "pending": 3}
    later = when + timedelta(minutes=2)
    await notification_service.deliver_notifications(uow(), up, now=later)
    assert await _statuses(uow, hr) == {"dead": 3, "delivered": 3}
    await notification_service.deliver_notifications(uow(), up, now=later)
    delivered = await notification_service.list_notifications(
        uow(), hr, page=PageRequest(limit=50), status="delivered"
    )
    assert {(n.attempts, n.sent_at) for n in delivered.items} == {(2, later)}
    ours = {str(n.id) for n in delivered.items}
    mails = [m for m in up.sent if m.message_id in ours]
    assert sorted(m.to for m in mails) == ["hr@example.com"] * 3
    assert all("Seller" in m.subject for m in mails)


async def _statuses(uow, actor) -> dict[str, int]:
    found = await notification_service.list_notifications(uow(), actor, page=PageRequest(limit=50))
    return dict(Counter(n.status.value for n in found.items))


async def test_the_loop_runs_from_the_first_notice_to_the_reassessment(client, engine, new_tenant):
    """notify -> self -> manager -> plan -> re-assess, with the workflow's clock set by the
    test: the plan comes from the workflow although the tenant turned plans on finalisation
    off, and the loop ends once the re-assessment finds the requirements met."""
    admin = await new_tenant()
    ids, people, basics, mentoring = await small_org(client, admin, reports=("a",))
    policy = await client.put(
        "/v1/plan-policy", json={"generate_on_finalise": False}, headers=auth(admin)
    )
    assert policy.status_code == 200, policy.text
    role = (await client.get("/v1/roles", headers=auth(admin))).json()["data"][0]
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    definition = monthly(role["id"])
    definition["steps"][1] = {
        "id": "tell",
        "type": "notify",
        "about": "assess",
        "recipients": ["employee", "manager"],
        "remind_every_days": 3,
    }
    definition["steps"] += [
        {"id": "reassess", "type": "schedule_reassessment", "after_days": 20},
        {"id": "again", "type": "restart", "until": "requirements_met", "max_rounds": 3},
    ]
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="loop", name="The loop", definition=definition
    )
    (start,) = workflow.next_firings(workflow.active_since, 1)
    await workflow_service.fire_due_workflows(uow(), now=start)

    async def notices():
        found = await notification_service.list_notifications(
            uow(), hr, page=PageRequest(limit=100)
        )
        return sorted((n.kind, n.sequence, n.recipient) for n in found.items)

    await workflow_service.advance_workflows(uow(), now=start)
    assert await notices() == [("assessment_opened", 0, "employee")]
    await workflow_service.advance_workflows(uow(), now=start + timedelta(days=3, hours=1))
    assert await notices() == [("assessment_opened", 0, "employee"), ("reminder", 1, "employee")]

    (assessment,) = (
        await client.get(
            "/v1/assessments", params={"employee_id": people["a"]}, headers=auth(admin)
        )
    ).json()["data"]
    url = f"/v1/assessments/{assessment['id']}"
    as_a = await key_for(client, admin, "employee", people["a"])
    as_manager = await key_for(client, admin, "manager", people["m"])
    low = {ids["negotiation"]: 1, ids["crm"]: 2}
    for key in (as_a, as_manager):
        rated = await client.put(
            f"{url}/ratings",
            json={
                "ratings": [{"capability_id": c, "level": v} for c, v in low.items()],
                "submit": True,
            },
            headers=key,
        )
        assert rated.status_code == 200, rated.text
        if key is as_a:
            await workflow_service.advance_workflows(uow(), now=start + timedelta(days=4))
            assert ("manager_turn", 0, "manager") in await notices()
    finalised = await client.post(f"{url}:finalise", headers=as_manager)
    assert finalised.status_code == 200, finalised.text

    (plan,) = (
        await client.get(
            "/v1/development-plans", params={"employee_id": people["a"]}, headers=auth(admin)
        )
    ).json()["data"]
    for item in (basics, mentoring):
        done = await client.patch(
            f"/v1/development-plans/{plan['id']}/items/{item}",
            json={"status": "completed"},
            headers=as_manager,
        )
        assert done.status_code == 200, done.text
    completed = done.json()
    assert completed["status"] == "completed"
    reassessment = await get_assessment(
        uow(), hr, assessment_id=uuid.UUID(completed["reassessment_id"])
    )
    assert reassessment.status is AssessmentStatus.SCHEDULED
    completed_on = datetime.now(UTC).date()
    assert reassessment.due_date == completed_on + timedelta(days=20)

    # It opens once its due date is within the assessment step's 14 days. The job reads
    # "today" in the workflow's zone (Paris): from noon UTC, that is the same date.
    noon = datetime.combine(completed_on, time(12), tzinfo=UTC)
    await workflow_service.advance_workflows(uow(), now=noon + timedelta(days=5))
    reassessment = await get_assessment(uow(), hr, assessment_id=reassessment.id)
    assert reassessment.status is AssessmentStatus.SCHEDULED
    await workflow_service.advance_workflows(uow(), now=noon + timedelta(days=7))
    reassessment = await get_assessment(uow(), hr, assessment_id=reassessment.id)
    assert reassessment.status is AssessmentStatus.OPEN
    opened_notices = await notification_service.list_notifications(
        uow(), hr, page=PageRequest(limit=100), assessment_id=reassessment.id
    )
    assert [(n.kind, n.recipient) for n in opened_notices.items] == [
        ("assessment_opened", "employee")
    ]

    # Requirements met at the re-assessment: no further plan, the loop ends for "a".
    met = {ids["negotiation"]: 3, ids["crm"]: 2}
    url = f"/v1/assessments/{reassessment.id}"
    for key in (as_a, as_manager):
        rated = await client.put(
            f"{url}/ratings",
            json={
                "ratings": [{"capability_id": c, "level": v} for c, v in met.items()],
                "submit": True,
            },
            headers=key,
        )
        assert rated.status_code == 200, rated.text
    assert (await client.post(f"{url}:finalise", headers=as_manager)).status_code == 200
    plans = (
        await client.get(
            "/v1/development-plans", params={"employee_id": people["a"]}, headers=auth(admin)
        )
    ).json()["data"]
    assert [p["status"] for p in plans] == ["completed"]


async def test_workflow_assessments_expire_after_their_grace_and_escalate_before(
    client, engine, new_tenant
):
    admin = await new_tenant()
    *_, role = await seller_org(client, admin)
    await client.post(
        "/v1/employees:bulk",
        json={
            "rows": [
                {"external_id": "boss", "name": "Boss"},
                {"external_id": "m", "name": "M", "manager_external_id": "boss"},
            ]
        },
        headers=auth(admin),
    )
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    definition = monthly(role["id"], grace_days=5)
    definition["steps"][1] = {
        "id": "tell",
        "type": "notify",
        "about": "assess",
        "recipients": ["employee"],
        "escalate_after_days": 2,
    }
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="strict", name="Strict", definition=definition
    )
    (start,) = workflow.next_firings(workflow.active_since, 1)
    await workflow_service.fire_due_workflows(uow(), now=start)
    due = start + timedelta(days=14)

    async def escalations():
        found = await notification_service.list_notifications(
            uow(), hr, page=PageRequest(limit=100)
        )
        return [n for n in found.items if n.kind == "escalation"]

    await workflow_service.advance_workflows(uow(), now=due + timedelta(days=1))
    assert await escalations() == []
    await workflow_service.advance_workflows(uow(), now=due + timedelta(days=3))
    assert {(n.recipient, n.sequence) for n in await escalations()} == {("skip_manager", 0)}
    assert len(await escalations()) == 3

    async def statuses():
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(assessments.c.status).where(
                    assessments.c.tenant_id == admin.tenant.id,
                    assessments.c.workflow_id == workflow.id,
                )
            )
            return Counter(row.status for row in rows)

    # Past the due date but within the grace: still open (a plain assessment would expire).
    await assessment_service.expire_overdue_assessments(uow(), now=due + timedelta(days=4))
    assert await statuses() == {"open": 3}
    await assessment_service.expire_overdue_assessments(uow(), now=due + timedelta(days=7))
    assert await statuses() == {"expired": 3}


async def test_a_sender_whose_lease_lapsed_cannot_overwrite_the_next_senders_result(
    client, engine, new_tenant
):
    admin = await new_tenant()
    *_, role = await seller_org(client, admin)
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="leases", name="Leases", definition=monthly(role["id"])
    )
    (when,) = workflow.next_firings(workflow.active_since, 1)
    await workflow_service.fire_due_workflows(uow(), now=when)
    late = when + CLAIM_LEASE + timedelta(minutes=1)

    async with uow() as first:
        slow = [
            o for o in await first.notifications.claim(when, 500) if o.tenant_id == admin.tenant.id
        ]
        await first.commit()
    async with uow() as second:
        taken = [
            o for o in await second.notifications.claim(late, 500) if o.tenant_id == admin.tenant.id
        ]
        await second.notifications.record(
            [(o.id, Retry(DeliveryStatus.DELIVERED, 1, sent_at=late), None) for o in taken],
            late + CLAIM_LEASE,
        )
        await second.commit()
    assert {o.id for o in slow} == {o.id for o in taken} != set()
    async with uow() as stale:
        await stale.notifications.record(
            [(o.id, Retry(DeliveryStatus.PENDING, 1, at=late), "timeout") for o in slow],
            when + CLAIM_LEASE,
        )
        await stale.commit()
    assert await _statuses(uow, hr) == {"delivered": len(taken)}


async def test_two_workflows_firing_at_once_open_one_assessment_per_person(
    client, engine, new_tenant
):
    admin = await new_tenant()
    _, people, role = await seller_org(client, admin)
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    first, second = [
        await workflow_service.define_workflow(
            uow(), hr, key=key, name=key, definition=monthly(role["id"])
        )
        for key in ("first", "second")
    ]
    (when,) = first.next_firings(second.active_since, 1)
    # Each workflow's firing in its own transaction, both at once (as two workers would
    # when their lists of due workflows come in different orders).
    await asyncio.gather(
        *(
            workflow_service._fire(uow(), workflow, workflow.due_firings(when, {})[0], when)
            for workflow in (first, second)
        )
    )
    async with engine.connect() as conn:
        opened = (
            await conn.execute(
                sa.select(assessments.c.employee_id).where(
                    assessments.c.tenant_id == admin.tenant.id
                )
            )
        ).all()
    assert sorted(str(row.employee_id) for row in opened) == sorted(
        people[name] for name in ("a", "b", "c")
    )
