"""xAPI statements from an LMS complete plan items once, and nothing sent is lost."""

import uuid

from tests.integration.helpers import assert_problem, auth, fields_of
from tests.integration.test_plans import assess, key_for, small_org

VERSION = {"X-Experience-API-Version": "1.0.3"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def statement(actor, verb=COMPLETED, item="lms-neg-101", **extra):
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": verb, "display": {"en-US": "anything"}},
        "object": {"id": item, "objectType": "Activity"},
        "result": {"completion": True, "success": True},
        "timestamp": "2026-12-01T10:00:00Z",
    } | extra


async def plan_of(client, headers):
    (plan,) = (await client.get("/v1/development-plans", headers=headers)).json()["data"]
    return plan


async def test_a_statement_sent_twice_completes_the_item_once(client, new_tenant):
    admin = await new_tenant()
    ids, people, basics, _ = await small_org(client, admin)
    await client.patch(
        f"/v1/employees/{people['a']}", json={"email": "a@x.org"}, headers=auth(admin)
    )
    await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 1})
    lms = await key_for(client, admin, "integration")
    sent = statement({"mbox": "mailto:A@x.org", "objectType": "Agent"})

    first = await client.post("/v1/xapi/statements", json=sent, headers=lms | VERSION)
    assert first.status_code == 200, first.text
    assert first.json() == [sent["id"]]
    assert first.headers["x-experience-api-version"] == "1.0.3"
    plan = await plan_of(client, auth(admin))
    item = next(i for i in plan["items"] if i["learning_item_id"] == basics)
    assert item["status"] == "completed"
    assert item["completion_id"] == sent["id"]

    again = await client.post("/v1/xapi/statements", json=[sent], headers=lms | VERSION)
    assert again.status_code == 200, again.text
    assert (await plan_of(client, auth(admin)))["version"] == plan["version"]
    listed = (await client.get("/v1/xapi/statements", headers=lms)).json()["data"]
    assert [(s["id"], s["outcome"]) for s in listed] == [(sent["id"], "recorded")]

    # The same id with other content is refused whole.
    changed = sent | {"timestamp": "2026-12-02T10:00:00Z"}
    other = statement({"account": {"homePage": "https://lms", "name": "b"}})
    clash = await client.post("/v1/xapi/statements", json=[other, changed], headers=lms | VERSION)
    assert_problem(clash, 409, "conflict")
    listed = (await client.get("/v1/xapi/statements", headers=lms)).json()["data"]
    assert len(listed) == 1

    log = await client.get("/v1/audit-log?channel=xapi", headers=auth(admin))
    assert [e["changes"]["outcome"] for e in log.json()["data"]] == ["recorded"]


async def test_unknown_people_and_items_are_kept_and_matched_when_sent_again(client, new_tenant):
    admin = await new_tenant()
    ids, people, basics, _ = await small_org(client, admin)
    await assess(client, admin, people["b"], {ids["negotiation"]: 1, ids["crm"]: 1})
    lms = await key_for(client, admin, "integration")
    early = statement({"mbox": "mailto:b@x.org"})
    unknown_item = statement({"account": {"homePage": "https://lms", "name": "b"}}, item="nope")
    failed = statement(
        {"account": {"homePage": "https://lms", "name": "b"}},
        verb="http://adlnet.gov/expapi/verbs/failed",
    )
    sent = await client.post(
        "/v1/xapi/statements", json=[early, unknown_item, failed], headers=lms | VERSION
    )
    assert sent.status_code == 200, sent.text
    outcomes = {
        s["id"]: s["outcome"]
        for s in (await client.get("/v1/xapi/statements", headers=lms)).json()["data"]
    }
    assert outcomes == {
        early["id"]: "unknown_actor",
        unknown_item["id"]: "unknown_item",
        failed["id"]: "not_a_completion",
    }
    waiting = await client.get("/v1/xapi/statements?outcome=unknown_actor", headers=lms)
    assert [s["statement"]["actor"] for s in waiting.json()["data"]] == [early["actor"]]

    # The HRIS sends b's email; the LMS retries: now it completes the plan item.
    await client.patch(
        f"/v1/employees/{people['b']}", json={"email": "b@x.org"}, headers=auth(admin)
    )
    retried = await client.post("/v1/xapi/statements", json=early, headers=lms | VERSION)
    assert retried.status_code == 200
    plan = await plan_of(client, auth(admin))
    assert (
        next(i for i in plan["items"] if i["learning_item_id"] == basics)["status"] == "completed"
    )
    now = await client.get("/v1/xapi/statements?outcome=recorded", headers=lms)
    assert [s["id"] for s in now.json()["data"]] == [early["id"]]


async def test_bad_statements_are_refused_whole(client, new_tenant):
    admin = await new_tenant()
    lms = await key_for(client, admin, "integration")
    good = statement({"mbox": "mailto:a@x.org"})
    no_version = await client.post("/v1/xapi/statements", json=good, headers=lms)
    assert "header.x-experience-api-version" in fields_of(
        assert_problem(no_version, 422, "invalid_input")
    )
    bad = [good, {"actor": {"name": "nobody"}, "verb": {}, "object": {}}, good]
    refused = await client.post("/v1/xapi/statements", json=bad, headers=lms | VERSION)
    problem = assert_problem(refused, 422, "invalid_input")
    assert {
        "body.1.actor",
        "body.1.verb.id",
        "body.1.object.id",
        "body.2.id",
    } <= fields_of(problem)
    assert (await client.get("/v1/xapi/statements", headers=lms)).json()["data"] == []
    single = await client.post(
        "/v1/xapi/statements", json=good | {"timestamp": "yesterday"}, headers=lms | VERSION
    )
    assert fields_of(assert_problem(single, 422, "invalid_input")) == {"body.timestamp"}


async def test_tenants_and_roles(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    lms = await key_for(client, admin, "integration")
    sent = statement({"mbox": "mailto:a@x.org"})
    await client.post("/v1/xapi/statements", json=sent, headers=lms | VERSION)
    theirs = await key_for(client, other, "integration")
    assert (await client.get("/v1/xapi/statements", headers=theirs)).json()["data"] == []
    # Statement ids are the LMS's: another tenant may use the same one.
    mine = await client.post("/v1/xapi/statements", json=sent, headers=theirs | VERSION)
    assert mine.status_code == 200, mine.text
    employee = await key_for(client, admin, "employee")
    assert_problem(
        await client.post("/v1/xapi/statements", json=sent, headers=employee | VERSION),
        403,
        "forbidden",
    )
    assert_problem(await client.get("/v1/xapi/statements"), 401, "unauthenticated")
