"""Check-in templates and check-ins over REST and GraphQL: who writes and reads what, the
links to the employee's own goals and plan items, newest-first pages, and checkin_logged
opening an assessment through a workflow's event trigger."""

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.adapters.db.tables import assessments, events, goals
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.checkins import DEFAULT_QUESTIONS
from app.domain.identity import Actor, Role
from app.domain.pagination import PageRequest
from app.services import workflows as workflow_service
from tests.integration.helpers import assert_problem, auth, fields_of
from tests.integration.test_events_and_webhooks import drain_events
from tests.integration.test_people_rest import counted_statements
from tests.integration.test_plans import assess, key_for, small_org

TEMPLATES = "/v1/checkin-templates"
CHECKINS = "/v1/checkins"
QUESTIONS = [{"key": q.key, "text": q.text} for q in DEFAULT_QUESTIONS]
TODAY = datetime.now(UTC).date()


async def make_template(client, admin, name="Monthly check-in", questions=QUESTIONS):
    response = await client.post(
        TEMPLATES, json={"name": name, "questions": questions}, headers=auth(admin)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def add_goal(engine, tenant_id, employee_id) -> str:
    """A goal row as the goals feature would store it (written straight to the table)."""
    now = datetime.now(UTC)
    goal_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(goals).values(
                id=goal_id,
                tenant_id=tenant_id,
                employee_id=uuid.UUID(employee_id),
                title="Close ten deals",
                description="",
                kpi="deals closed",
                unit="deals",
                status="active",
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    return str(goal_id)


def answers(**by_key):
    return [{"key": key, "employee_answer": answer} for key, answer in by_key.items()]


async def test_templates_are_written_by_hr_admin_and_read_by_everyone(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    as_employee = await key_for(client, admin, "employee")
    made = await client.post(
        TEMPLATES, json={"name": "Monthly", "questions": QUESTIONS}, headers=auth(admin)
    )
    assert made.status_code == 201, made.text
    assert made.headers["ETag"] == '"1"'
    template = made.json()
    assert made.headers["Location"] == f"{TEMPLATES}/{template['id']}"
    assert [q["key"] for q in template["questions"]] == [q["key"] for q in QUESTIONS]
    url = f"{TEMPLATES}/{template['id']}"

    assert_problem(
        await client.post(
            TEMPLATES, json={"name": "Monthly", "questions": QUESTIONS}, headers=auth(admin)
        ),
        409,
        "conflict",
    )
    assert_problem(
        await client.post(
            TEMPLATES, json={"name": "Mine", "questions": QUESTIONS}, headers=as_employee
        ),
        403,
        "forbidden",
    )
    invalid = await client.post(
        TEMPLATES,
        json={
            "name": " ",
            "questions": [{"key": "a", "text": "A?"}, {"key": "a", "text": ""}],
        },
        headers=auth(admin),
    )
    assert fields_of(assert_problem(invalid, 422, "invalid_input")) == {
        "body.name",
        "body.questions.1.key",
        "body.questions.1.text",
    }
    extra = await client.post(
        TEMPLATES, json={"name": "X", "questions": QUESTIONS, "owner": "me"}, headers=auth(admin)
    )
    assert_problem(extra, 422, "invalid_input")

    assert (await client.get(url, headers=as_employee)).json()["name"] == "Monthly"
    listed = await client.get(TEMPLATES, headers=as_employee)
    assert [t["id"] for t in listed.json()["data"]] == [template["id"]]
    assert_problem(await client.get(url, headers=auth(other)), 404, "not_found")
    assert (await client.get(TEMPLATES, headers=auth(other))).json()["data"] == []
    assert_problem(
        await client.patch(url, json={"active": False}, headers=auth(other)), 404, "not_found"
    )

    # Changes: only what is sent; If-Match guards; renaming onto a taken name conflicts.
    await make_template(client, admin, name="Quarterly")
    assert_problem(
        await client.patch(url, json={"name": "Quarterly"}, headers=auth(admin)), 409, "conflict"
    )
    assert_problem(
        await client.patch(url, json={"active": False}, headers=as_employee), 403, "forbidden"
    )
    stale = await client.patch(
        url, json={"active": False}, headers=auth(admin) | {"If-Match": '"7"'}
    )
    assert_problem(stale, 412, "precondition_failed")
    retired = await client.patch(
        url, json={"active": False}, headers=auth(admin) | {"If-Match": '"1"'}
    )
    assert retired.status_code == 200, retired.text
    assert (retired.json()["active"], retired.headers["ETag"]) == (False, '"2"')
    assert retired.json()["questions"] == template["questions"]
    same = await client.patch(url, json={"active": False}, headers=auth(admin))
    assert same.headers["ETag"] == '"2"'
    too_few = await client.patch(url, json={"questions": QUESTIONS[:1]}, headers=auth(admin))
    assert fields_of(assert_problem(too_few, 422, "invalid_input")) == {"body.questions"}
    active = await client.get(TEMPLATES, params={"active": True}, headers=auth(admin))
    assert [t["name"] for t in active.json()["data"]] == ["Quarterly"]


async def test_a_check_in_links_the_employees_own_goals_and_plan_items(client, engine, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, people, basics, mentoring = await small_org(client, admin)
    for person in ("a", "b"):
        await assess(client, admin, people[person], {ids["negotiation"]: 1, ids["crm"]: 1})
    plans = (await client.get("/v1/development-plans", headers=auth(admin))).json()["data"]
    plan_of = {p["employee_id"]: p["id"] for p in plans}
    goal_a = await add_goal(engine, admin.tenant.id, people["a"])
    goal_b = await add_goal(engine, admin.tenant.id, people["b"])
    template = await make_template(client, admin)
    foreign_template = await make_template(client, other)
    as_a = await key_for(client, admin, "employee", people["a"])
    as_b = await key_for(client, admin, "employee", people["b"])
    as_manager = await key_for(client, admin, "manager", people["m"])
    integration = await key_for(client, admin, "integration")

    body = {
        "employee_id": people["a"],
        "template_id": template["id"],
        "held_on": TODAY.isoformat(),
        "answers": [
            {
                "key": "skills_applied",
                "employee_answer": "Anchoring in the Q4 renewal",
                "manager_answer": "Saw it work",
            },
            {"key": "support_needed", "employee_answer": "Time with a senior negotiator"},
        ],
        "goal_ids": [goal_a],
        "plan_items": [{"plan_id": plan_of[people["a"]], "learning_item_id": mentoring}],
    }
    logged = await client.post(CHECKINS, json=body, headers=as_a)
    assert logged.status_code == 201, logged.text
    checkin = logged.json()
    assert logged.headers["Location"] == f"{CHECKINS}/{checkin['id']}"
    assert checkin["manager_id"] == people["m"]
    assert checkin["goal_ids"] == [goal_a]
    assert checkin["plan_items"] == body["plan_items"]
    assert [(a["key"], a["question"]) for a in checkin["answers"]] == [
        ("skills_applied", DEFAULT_QUESTIONS[0].text),
        ("support_needed", DEFAULT_QUESTIONS[2].text),
    ]
    assert checkin["answers"][1]["manager_answer"] is None
    assert checkin["logged_by"].startswith("api_key:")

    # Logging records checkin_logged about the employee, in the same transaction.
    async with engine.connect() as conn:
        recorded = (
            await conn.execute(
                sa.select(events.c.employee_id, events.c.subject_id).where(
                    events.c.tenant_id == admin.tenant.id, events.c.type == "checkin_logged"
                )
            )
        ).all()
    assert [(str(r.employee_id), str(r.subject_id)) for r in recorded] == [
        (people["a"], checkin["id"])
    ]

    # Editing the template later does not rewrite what was asked.
    await client.patch(
        f"{TEMPLATES}/{template['id']}",
        json={"questions": [{"key": "skills_applied", "text": "Reworded?"}, QUESTIONS[1]]},
        headers=auth(admin),
    )
    url = f"{CHECKINS}/{checkin['id']}"
    again = await client.get(url, headers=as_a)
    assert again.json()["answers"][0]["question"] == DEFAULT_QUESTIONS[0].text

    # Readers: the employee, their manager, hr_admin; not a peer, an integration, another tenant.
    assert (await client.get(url, headers=as_manager)).status_code == 200
    assert (await client.get(url, headers=auth(admin))).status_code == 200
    for stranger in (as_b, integration, auth(other)):
        assert_problem(await client.get(url, headers=stranger), 404, "not_found")
    assert (await client.get(CHECKINS, headers=as_b)).json()["data"] == []
    assert (await client.get(CHECKINS, headers=integration)).json()["data"] == []
    assert (await client.get(CHECKINS, headers=auth(other))).json()["data"] == []

    # Writers: the employee, a manager above them, hr_admin; not a peer nor an integration.
    short = {
        "employee_id": people["a"],
        "held_on": TODAY.isoformat(),
        "template_id": template["id"],
        "answers": answers(skills_applied="Some"),
    }
    # A peer may not see a at all (404, as for a stranger); an integration may see but not log.
    assert_problem(await client.post(CHECKINS, json=short, headers=as_b), 404, "not_found")
    assert_problem(await client.post(CHECKINS, json=short, headers=integration), 403, "forbidden")
    by_manager = await client.post(CHECKINS, json=short, headers=as_manager)
    assert by_manager.status_code == 201, by_manager.text
    # The manager named is above the employee; hr_admin may name anyone (a skip-level talk).
    sideways = short | {"manager_id": people["b"]}
    refused = await client.post(CHECKINS, json=sideways, headers=as_a)
    assert fields_of(assert_problem(refused, 422, "invalid_input")) == {"body.manager_id"}
    by_admin = await client.post(CHECKINS, json=sideways, headers=auth(admin))
    assert by_admin.json()["manager_id"] == people["b"]
    old = short | {"held_on": (TODAY - timedelta(days=400)).isoformat()}
    refused = await client.post(CHECKINS, json=old, headers=as_a)
    assert fields_of(assert_problem(refused, 422, "invalid_input")) == {"body.held_on"}
    unknown = short | {"employee_id": str(uuid.uuid4())}
    assert_problem(await client.post(CHECKINS, json=unknown, headers=auth(admin)), 404, "not_found")
    assert_problem(await client.post(CHECKINS, json=short, headers=auth(other)), 404, "not_found")

    # Links must be the employee's own; ids of other people or tenants name their field.
    wrong = short | {
        "template_id": foreign_template["id"],
        "goal_ids": [goal_a, goal_b, str(uuid.uuid4())],
        "plan_items": [
            {"plan_id": plan_of[people["a"]], "learning_item_id": basics},
            {"plan_id": plan_of[people["b"]], "learning_item_id": basics},
            {"plan_id": plan_of[people["a"]], "learning_item_id": str(uuid.uuid4())},
        ],
        "manager_id": str(uuid.uuid4()),
    }
    refused = await client.post(CHECKINS, json=wrong, headers=auth(admin))
    assert fields_of(assert_problem(refused, 422, "invalid_input")) == {
        "body.template_id",
        "body.manager_id",
        "body.goal_ids.1",
        "body.goal_ids.2",
        "body.plan_items.1",
        "body.plan_items.2",
    }
    rules = short | {
        "held_on": (TODAY + timedelta(days=5)).isoformat(),
        "answers": [
            {"key": "nope", "employee_answer": "x"},
            {"key": "most_challenged", "manager_answer": "x" * 5_001},
            {"key": "skills_applied"},
        ],
        "goal_ids": [goal_a, goal_a],
    }
    refused = await client.post(CHECKINS, json=rules, headers=auth(admin))
    assert fields_of(assert_problem(refused, 422, "invalid_input")) == {
        "body.held_on",
        "body.answers.0.key",
        "body.answers.1.manager_answer",
        "body.answers.2",
        "body.goal_ids.1",
    }
    retired = await make_template(client, admin, name="Old")
    await client.patch(f"{TEMPLATES}/{retired['id']}", json={"active": False}, headers=auth(admin))
    stale = short | {"template_id": retired["id"]}
    refused = await client.post(CHECKINS, json=stale, headers=auth(admin))
    assert fields_of(assert_problem(refused, 422, "invalid_input")) == {"body.template_id"}

    # Without a template, each answer asks its own question.
    free = {
        "employee_id": people["b"],
        "held_on": TODAY.isoformat(),
        "answers": [{"key": "wins", "question": "What went well?", "manager_answer": "A lot"}],
    }
    made = await client.post(CHECKINS, json=free, headers=as_manager)
    assert made.status_code == 201, made.text
    assert (made.json()["template_id"], made.json()["answers"][0]["question"]) == (
        None,
        "What went well?",
    )
    mine = await client.get(CHECKINS, params={"employee_id": people["b"]}, headers=as_manager)
    assert [c["id"] for c in mine.json()["data"]] == [made.json()["id"]]
    assert len((await client.get(CHECKINS, headers=as_manager)).json()["data"]) == 4
    assert len((await client.get(CHECKINS, headers=as_a)).json()["data"]) == 3


async def test_check_ins_list_newest_first_in_pages_in_a_fixed_number_of_queries(
    client, new_tenant
):
    admin = await new_tenant()
    _, people, *_ = await small_org(client, admin, reports=("a",))
    template = await make_template(client, admin)
    days = [TODAY - timedelta(days=d) for d in (30, 2, 30, 10, 0, 2)]
    logged = []
    for day in days:
        response = await client.post(
            CHECKINS,
            json={
                "employee_id": people["a"],
                "template_id": template["id"],
                "held_on": day.isoformat(),
                "answers": answers(development_goal=f"Goal for {day}"),
            },
            headers=auth(admin),
        )
        assert response.status_code == 201, response.text
        logged.append((date.fromisoformat(response.json()["held_on"]), response.json()["id"]))
    expected = [i for _, i in sorted(logged, key=lambda pair: (pair[0], pair[1]), reverse=True)]

    seen, cursor = [], None
    while True:
        params = {"limit": 4, "employee_id": people["a"]} | ({"cursor": cursor} if cursor else {})
        with counted_statements() as statements:
            page = (await client.get(CHECKINS, params=params, headers=auth(admin))).json()
        assert len([s for s in statements if "checkin" in s]) == 3
        seen += [c["id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    bad = await client.get(CHECKINS, params={"cursor": "WyJ4Il0"}, headers=auth(admin))
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"query.cursor"}


async def test_a_workflow_opens_an_assessment_when_a_check_in_is_logged(client, engine, new_tenant):
    admin = await new_tenant()
    _, people, *_ = await small_org(client, admin, reports=("a", "b"))
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    workflow = await workflow_service.define_workflow(
        uow(),
        hr,
        key="after-check-in",
        name="Assess after a check-in",
        definition={
            "target": {"kind": "everyone"},
            "triggers": [{"type": "event", "event": "checkin_logged"}],
            "steps": [{"id": "assess", "type": "open_assessment", "due_in_days": 21}],
        },
    )
    template = await make_template(client, admin)
    as_a = await key_for(client, admin, "employee", people["a"])
    logged = await client.post(
        CHECKINS,
        json={
            "employee_id": people["a"],
            "template_id": template["id"],
            "held_on": TODAY.isoformat(),
            "answers": answers(most_challenged="Pricing objections"),
        },
        headers=as_a,
    )
    assert logged.status_code == 201, logged.text
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
    assert [(str(r.employee_id), r.due_date) for r in opened] == [
        (people["a"], TODAY + timedelta(days=21))
    ]
    runs = await workflow_service.list_runs(
        uow(), hr, workflow_id=workflow.id, page=PageRequest(limit=10)
    )
    assert [(run.trigger, run.opened) for run in runs.items] == [("event:checkin_logged", 1)]


async def test_check_ins_through_graphql(client, engine, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, people, basics, _ = await small_org(client, admin, reports=("a", "b"))
    await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 1})
    (plan,) = (await client.get("/v1/development-plans", headers=auth(admin))).json()["data"]
    goal = await add_goal(engine, admin.tenant.id, people["a"])
    as_a = await key_for(client, admin, "employee", people["a"])
    as_b = await key_for(client, admin, "employee", people["b"])

    async def graphql(query, variables=None, headers=None):
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    create = """mutation($input: CheckinTemplateInput!) {
        createCheckinTemplate(input: $input) { id name version questions { key text } } }"""
    made = await graphql(
        create, {"input": {"name": "Monthly", "questions": QUESTIONS}}, auth(admin)
    )
    template = made["data"]["createCheckinTemplate"]
    assert [q["key"] for q in template["questions"]] == [q["key"] for q in QUESTIONS]
    denied = await graphql(create, {"input": {"name": "Mine", "questions": QUESTIONS}}, as_a)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    invalid = await graphql(create, {"input": {"name": "Bad", "questions": []}}, auth(admin))
    assert invalid["errors"][0]["extensions"]["field_errors"][0]["field"] == "questions"

    log = """mutation($input: LogCheckinInput!) { logCheckin(input: $input) { id heldOn
        answers { key question employeeAnswer } goalIds planItems { planId } } }"""
    variables = {
        "input": {
            "employeeId": people["a"],
            "templateId": template["id"],
            "heldOn": TODAY.isoformat(),
            "answers": [{"key": "support_needed", "employeeAnswer": "A mentor"}],
            "goalIds": [goal],
            "planItems": [{"planId": plan["id"], "learningItemId": basics}],
        }
    }
    logged = await graphql(log, variables, as_a)
    checkin = logged["data"]["logCheckin"]
    assert checkin["goalIds"] == [goal]
    foreign = {"input": variables["input"] | {"goalIds": [str(uuid.uuid4())]}}
    refused = await graphql(log, foreign, as_a)
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert [e["field"] for e in refused["errors"][0]["extensions"]["field_errors"]] == [
        "goal_ids.0"
    ]
    crowded = {"input": variables["input"] | {"goalIds": [str(uuid.uuid4()) for _ in range(51)]}}
    refused = await graphql(log, crowded, as_a)
    assert [e["field"] for e in refused["errors"][0]["extensions"]["field_errors"]] == ["goal_ids"]
    assert (await graphql(log, variables, as_b))["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    listed = await graphql(
        """query($employee: UUID) { checkins(employeeId: $employee, first: 10) { nodes {
             id employee { externalId } manager { externalId } template { name }
             planItems { learningItem { title } } } } }""",
        {"employee": people["a"]},
        auth(admin),
    )
    (node,) = listed["data"]["checkins"]["nodes"]
    assert node["employee"]["externalId"] == "a"
    assert node["manager"]["externalId"] == "m"
    assert node["template"]["name"] == "Monthly"
    assert node["planItems"][0]["learningItem"]["title"] == "Negotiation basics"

    # Nested links are batched: one template lookup however many check-ins and templates.
    for name in ("Second", "Third", "Fourth"):
        other_template = await make_template(client, admin, name=name)
        again = {"input": variables["input"] | {"templateId": other_template["id"]}}
        assert "errors" not in await graphql(log, again, as_a)
    with counted_statements() as statements:
        listed = await graphql(
            """{ checkins(first: 10) { nodes { template { name } employee { name } } } }""",
            headers=auth(admin),
        )
    nodes = listed["data"]["checkins"]["nodes"]
    assert sorted(n["template"]["name"] for n in nodes) == ["Fourth", "Monthly", "Second", "Third"]
    assert len([s for s in statements if "FROM checkin_templates" in s]) == 1

    one = """query($id: UUID!) { checkin(id: $id) { id answers { question } } }"""
    assert (await graphql(one, {"id": checkin["id"]}, as_a))["data"]["checkin"]["id"] == checkin[
        "id"
    ]
    for stranger in (as_b, auth(other)):
        hidden = await graphql(one, {"id": checkin["id"]}, stranger)
        assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    update = """mutation($id: UUID!, $changes: CheckinTemplateChanges!, $v: Int) {
        updateCheckinTemplate(id: $id, changes: $changes, expectedVersion: $v) {
          name active version questions { key } } }"""
    retired = await graphql(
        update, {"id": template["id"], "changes": {"active": False}, "v": 1}, auth(admin)
    )
    assert retired["data"]["updateCheckinTemplate"] == {
        "name": "Monthly",
        "active": False,
        "version": 2,
        "questions": [{"key": q["key"]} for q in QUESTIONS],
    }
    stale = await graphql(
        update, {"id": template["id"], "changes": {"name": "New"}, "v": 1}, auth(admin)
    )
    assert stale["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    templates = await graphql(
        "{ checkinTemplates(active: false) { nodes { name } } }", headers=as_b
    )
    assert templates["data"]["checkinTemplates"]["nodes"] == [{"name": "Monthly"}]
    assert (await graphql("{ checkinTemplates { nodes { name } } }", headers=auth(other)))["data"][
        "checkinTemplates"
    ]["nodes"] == []
