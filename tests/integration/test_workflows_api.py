"""Workflows over REST: define, read, change, pause and dry-run a workflow; its runs and the
notifications it queues; invalid definitions reported field by field; who may do what."""

import uuid
from datetime import datetime, timedelta

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.services.workflows import fire_due_workflows
from tests.integration.helpers import assert_problem, auth, fields_of
from tests.integration.test_plans import key_for, small_org

WORKFLOWS = "/v1/workflows"


def monthly(cohort_id: str) -> dict:
    """The whole loop for a cohort, at 09:00 London time on the 1st of each month."""
    return {
        "target": {"kind": "cohort", "ids": [cohort_id]},
        "triggers": [{"type": "schedule", "cron": "0 9 1 * *", "timezone": "Europe/London"}],
        "steps": [
            {"id": "assess", "type": "open_assessment", "due_in_days": 14},
            {"id": "tell", "type": "notify", "about": "assess", "remind_every_days": 3},
            {"id": "finalised", "type": "wait", "for": "assess"},
            {"id": "plan", "type": "generate_plan"},
            {"id": "reassess", "type": "schedule_reassessment", "after_days": 90},
            {"id": "again", "type": "restart", "until": "requirements_met", "max_rounds": 3},
        ],
    }


async def cohort_org(client, admin) -> tuple[dict, str]:
    """The small org (manager m; a and b hold the seller role and report to m) plus: c, a
    seller outside the cohort, and loner, a seller with no manager to rate them. The cohort
    holds m, a, b and loner: only a and b can be assessed."""
    _, people, *_ = await small_org(client, admin, reports=("a", "b", "c"))
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
    listed = await client.get("/v1/employees", params={"limit": 500}, headers=auth(admin))
    people["loner"] = next(p["id"] for p in listed.json()["data"] if p["external_id"] == "loner")
    cohort = await client.post(
        "/v1/cohorts", json={"key": "pilot", "name": "Pilot group"}, headers=auth(admin)
    )
    assert cohort.status_code == 201, cohort.text
    members = [people[p] for p in ("m", "a", "b", "loner")]
    added = await client.post(
        f"/v1/cohorts/{cohort.json()['id']}/members", json={"add": members}, headers=auth(admin)
    )
    assert added.status_code == 200, added.text
    return people, cohort.json()["id"]


async def define(client, admin, definition, key="monthly", name="Monthly check-in"):
    return await client.post(
        WORKFLOWS, json={"key": key, "name": name, "definition": definition}, headers=auth(admin)
    )


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_workflow_is_defined_read_changed_paused_and_resumed(client, new_tenant):
    admin = await new_tenant()
    _, cohort_id = await cohort_org(client, admin)

    created = await define(client, admin, monthly(cohort_id))
    assert created.status_code == 201, created.text
    workflow = created.json()
    url = f"{WORKFLOWS}/{workflow['id']}"
    assert created.headers["Location"] == url
    assert created.headers["ETag"] == '"1"'
    assert (workflow["key"], workflow["name"], workflow["status"], workflow["version"]) == (
        "monthly",
        "Monthly check-in",
        "active",
        1,
    )
    assert workflow["active_since"] == workflow["created_at"] == workflow["updated_at"]
    # The definition comes back with the domain's defaults filled in.
    assert workflow["definition"] == {
        "target": {"kind": "cohort", "ids": [cohort_id]},
        "triggers": [
            {
                "type": "schedule",
                "cron": "0 9 1 * *",
                "timezone": "Europe/London",
                "starts_at": None,
                "ends_at": None,
            }
        ],
        "steps": [
            {
                "id": "assess",
                "type": "open_assessment",
                "rater_types": ["self", "manager"],
                "due_in_days": 14,
                "grace_days": 7,
            },
            {
                "id": "tell",
                "type": "notify",
                "about": "assess",
                "recipients": ["employee", "manager"],
                "addresses": [],
                "remind_every_days": 3,
                "escalate_after_days": None,
            },
            {"id": "finalised", "type": "wait", "for": "assess"},
            {"id": "plan", "type": "generate_plan"},
            {"id": "reassess", "type": "schedule_reassessment", "after_days": 90},
            {"id": "again", "type": "restart", "until": "requirements_met", "max_rounds": 3},
        ],
    }

    got = await client.get(url, headers=auth(admin))
    assert got.status_code == 200
    assert got.json() == workflow
    assert got.headers["ETag"] == '"1"'

    assert_problem(await define(client, admin, monthly(cohort_id)), 409, "conflict")

    # Replacing needs the current version when If-Match is sent.
    changed = monthly(cohort_id)
    changed["triggers"] = [
        {
            "type": "schedule",
            "every": 3,
            "unit": "months",
            "starts_at": "2027-01-04T09:00:00+01:00",
            "timezone": "Europe/Paris",
        }
    ]
    body = {"name": "Quarterly check-in", "definition": changed}
    stale = await client.put(url, json=body, headers=auth(admin) | {"If-Match": '"7"'})
    assert_problem(stale, 412, "precondition_failed")
    put = await client.put(url, json=body, headers=auth(admin) | {"If-Match": '"1"'})
    assert put.status_code == 200, put.text
    assert put.headers["ETag"] == '"2"'
    assert (put.json()["name"], put.json()["version"]) == ("Quarterly check-in", 2)
    assert put.json()["definition"]["triggers"] == [
        {
            "type": "schedule",
            "every": 3,
            "unit": "months",
            "timezone": "Europe/Paris",
            "starts_at": "2027-01-04T08:00:00Z",
            "ends_at": None,
        }
    ]
    assert moment(put.json()["active_since"]) > moment(workflow["active_since"])

    paused = await client.post(f"{url}:pause", headers=auth(admin) | {"If-Match": '"2"'})
    assert paused.status_code == 200, paused.text
    assert (paused.json()["status"], paused.json()["version"]) == ("paused", 3)
    assert paused.headers["ETag"] == '"3"'
    again = assert_problem(
        await client.post(f"{url}:pause", headers=auth(admin)), 409, "invalid_transition"
    )
    assert "already paused" in again["detail"]
    assert_problem(
        await client.post(f"{url}:resume", headers=auth(admin) | {"If-Match": '"2"'}),
        412,
        "precondition_failed",
    )
    resumed = await client.post(f"{url}:resume", headers=auth(admin))
    assert (resumed.json()["status"], resumed.json()["version"]) == ("active", 4)
    assert moment(resumed.json()["active_since"]) > moment(put.json()["active_since"])
    assert_problem(
        await client.post(f"{url}:resume", headers=auth(admin)), 409, "invalid_transition"
    )


async def test_workflows_are_listed_page_by_page(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    _, cohort_id = await cohort_org(client, admin)
    keys = ["first", "second", "third"]
    for key in keys:
        assert (await define(client, admin, monthly(cohort_id), key=key)).status_code == 201

    first = await client.get(WORKFLOWS, params={"limit": 2}, headers=auth(admin))
    assert first.status_code == 200, first.text
    assert [w["key"] for w in first.json()["data"]] == keys[:2]
    assert first.json()["has_more"] is True
    rest = await client.get(
        WORKFLOWS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=auth(admin)
    )
    assert [w["key"] for w in rest.json()["data"]] == keys[2:]
    assert (rest.json()["has_more"], rest.json()["next_cursor"]) == (False, None)
    bad = await client.get(WORKFLOWS, params={"cursor": "nonsense"}, headers=auth(admin))
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"query.cursor"}

    assert (await client.get(WORKFLOWS, headers=auth(other))).json()["data"] == []


def broken(cohort_id: str, path: tuple, value) -> dict:
    definition = monthly(cohort_id)
    holder = definition
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    return definition


async def test_invalid_definitions_are_reported_field_by_field(client, new_tenant):
    admin = await new_tenant()
    _, cohort_id = await cohort_org(client, admin)
    restart_without_exit = {"id": "again", "type": "restart"}
    cases = {
        "body.definition.steps.2.for": broken(cohort_id, ("steps", 2, "for"), "nowhere"),
        "body.definition.steps.5": broken(cohort_id, ("steps", 5), restart_without_exit),
        "body.definition.triggers.0.cron": broken(cohort_id, ("triggers", 0, "cron"), "61 * * * *"),
        "body.definition.triggers.0.timezone": broken(
            cohort_id, ("triggers", 0, "timezone"), "Mars/Olympus_Mons"
        ),
        "body.definition.target.ids.0": monthly(str(uuid.uuid4())),
        # The shape, checked before the domain sees it: the same paths.
        "body.definition.steps.2.until": broken(cohort_id, ("steps", 2, "until"), "never"),
        "body.definition.steps.1": broken(cohort_id, ("steps", 1, "type"), "email"),
        "body.definition.triggers.0.starts_at": broken(
            cohort_id, ("triggers", 0, "starts_at"), "2027-01-01T09:00:00"
        ),
    }
    for field, definition in cases.items():
        refused = await define(client, admin, definition)
        problem = assert_problem(refused, 422, "invalid_input")
        assert fields_of(problem) == {field}, (field, problem)

    wait_for_a_plan = broken(cohort_id, ("steps", 2, "for"), "plan")
    problem = assert_problem(await define(client, admin, wait_for_a_plan), 422, "invalid_input")
    assert problem["errors"] == [
        {"field": "body.definition.steps.2.for", "message": "Name an open_assessment step."}
    ]

    created = await define(client, admin, monthly(cohort_id))
    url = f"{WORKFLOWS}/{created.json()['id']}"
    bad_change = {"name": "Monthly", "definition": broken(cohort_id, ("steps", 1, "about"), "x")}
    changed = await client.put(url, json=bad_change, headers=auth(admin))
    assert fields_of(assert_problem(changed, 422, "invalid_input")) == {
        "body.definition.steps.1.about"
    }
    assert (await client.get(url, headers=auth(admin))).json()["version"] == 1


async def test_dry_run_runs_and_notifications(client, engine, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    people, cohort_id = await cohort_org(client, admin)
    workflow = (await define(client, admin, monthly(cohort_id))).json()
    url = f"{WORKFLOWS}/{workflow['id']}"

    preview = await client.post(f"{url}:dry-run", headers=auth(admin))
    assert preview.status_code == 200, preview.text
    dry = preview.json()
    eligible = sorted([people["a"], people["b"]])
    assert (dry["due"], dry["would_open"], dry["employee_ids"]) == ([], 2, eligible)
    assert (dry["has_more"], dry["next_cursor"]) == (False, None)
    upcoming = [moment(t) for t in dry["upcoming"]]
    assert len(upcoming) == 5 and upcoming == sorted(upcoming)
    assert all(t.day == 1 for t in upcoming)
    assert moment(dry["at"]) < upcoming[0]

    first_page = await client.post(f"{url}:dry-run", params={"limit": 1}, headers=auth(admin))
    assert (first_page.json()["employee_ids"], first_page.json()["has_more"]) == (
        eligible[:1],
        True,
    )
    second_page = await client.post(
        f"{url}:dry-run",
        params={"limit": 1, "cursor": first_page.json()["next_cursor"]},
        headers=auth(admin),
    )
    assert second_page.json()["employee_ids"] == eligible[1:]
    assert second_page.json()["would_open"] == 2

    when = upcoming[0] + timedelta(minutes=5)
    later = await client.post(
        f"{url}:dry-run", params={"at": when.isoformat()}, headers=auth(admin)
    )
    assert later.json()["due"] == [
        {"trigger": "schedule:0", "period": upcoming[0].isoformat().replace("Z", "+00:00")}
    ]
    assert [moment(t) for t in later.json()["upcoming"]][:4] == upcoming[1:]
    naive = await client.post(
        f"{url}:dry-run", params={"at": "2027-01-01T09:00:00"}, headers=auth(admin)
    )
    assert fields_of(assert_problem(naive, 422, "invalid_input")) == {"query.at"}
    bad_cursor = await client.post(f"{url}:dry-run", params={"cursor": "x"}, headers=auth(admin))
    assert fields_of(assert_problem(bad_cursor, 422, "invalid_input")) == {"query.cursor"}

    runs = await client.get(f"{url}/runs", headers=auth(admin))
    assert runs.status_code == 200, runs.text
    assert (runs.json()["data"], runs.json()["has_more"]) == ([], False)
    assert (await client.get("/v1/notifications", headers=auth(admin))).json()["data"] == []

    # The worker fires the first period: an assessment for each eligible person, and the
    # opening notice to each of them (the manager's turn comes after the self-assessment).
    await fire_due_workflows(SqlUnitOfWorkFactory(engine)(), now=when)
    (run,) = (await client.get(f"{url}/runs", headers=auth(admin))).json()["data"]
    assert (run["trigger"], run["opened"], run["employee_id"]) == ("schedule:0", 2, None)
    assert moment(run["period"]) == upcoming[0]
    assert moment(run["fired_at"]) == when
    after = (
        await client.post(f"{url}:dry-run", params={"at": when.isoformat()}, headers=auth(admin))
    ).json()
    assert (after["due"], after["would_open"], after["employee_ids"]) == ([], 0, [])

    listed = await client.get("/v1/notifications", params={"limit": 1}, headers=auth(admin))
    assert listed.status_code == 200, listed.text
    (notice,) = listed.json()["data"]
    assert listed.json()["has_more"] is True
    rest = await client.get(
        "/v1/notifications",
        params={"limit": 1, "cursor": listed.json()["next_cursor"]},
        headers=auth(admin),
    )
    assert rest.json()["has_more"] is False
    notices = [notice, *rest.json()["data"]]
    assert {(n["kind"], n["sequence"], n["recipient"], n["status"]) for n in notices} == {
        ("assessment_opened", 0, "employee", "pending")
    }
    assert len({n["assessment_id"] for n in notices}) == 2
    assert set(notice) == {
        "id",
        "assessment_id",
        "kind",
        "sequence",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    }
    assert (notice["attempts"], notice["sent_at"], notice["last_error"]) == (0, None, None)
    one = await client.get(
        "/v1/notifications", params={"assessment_id": notice["assessment_id"]}, headers=auth(admin)
    )
    assert [n["id"] for n in one.json()["data"]] == [notice["id"]]
    pending = await client.get(
        "/v1/notifications", params={"status": "pending"}, headers=auth(admin)
    )
    assert len(pending.json()["data"]) == 2
    dead = await client.get("/v1/notifications", params={"status": "dead"}, headers=auth(admin))
    assert dead.json()["data"] == []
    unknown = await client.get("/v1/notifications", params={"status": "lost"}, headers=auth(admin))
    assert fields_of(assert_problem(unknown, 422, "invalid_input")) == {"query.status"}
    assert (await client.get("/v1/notifications", headers=auth(other))).json()["data"] == []


async def test_only_hr_admins_of_the_tenant_reach_workflows(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    people, cohort_id = await cohort_org(client, admin)
    workflow = (await define(client, admin, monthly(cohort_id))).json()
    url = f"{WORKFLOWS}/{workflow['id']}"
    content = {"name": "Changed", "definition": monthly(cohort_id)}
    own_routes = [
        ("GET", url, None),
        ("PUT", url, content),
        ("POST", f"{url}:pause", None),
        ("POST", f"{url}:resume", None),
        ("POST", f"{url}:dry-run", None),
        ("GET", f"{url}/runs", None),
    ]
    every_route = [
        ("POST", WORKFLOWS, {"key": "other", **content}),
        ("GET", WORKFLOWS, None),
        ("GET", "/v1/notifications", None),
        *own_routes,
    ]
    as_manager = await key_for(client, admin, "manager", people["m"])
    as_employee = await key_for(client, admin, "employee", people["a"])
    for method, path, body in every_route:
        for headers in (as_manager, as_employee):
            refused = await client.request(method, path, json=body, headers=headers)
            assert_problem(refused, 403, "forbidden")
        anonymous = await client.request(method, path, json=body)
        assert_problem(anonymous, 401, "unauthenticated")
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    for method, path, body in own_routes:
        elsewhere = await client.request(method, path, json=body, headers=auth(other))
        assert_problem(elsewhere, 404, "not_found")
    # Nothing changed on the way.
    unchanged = await client.get(url, headers=auth(admin))
    assert (unchanged.json()["version"], unchanged.json()["status"]) == (1, "active")
