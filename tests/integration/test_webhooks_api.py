"""Webhook subscriptions over REST and GraphQL: create (the secret shown then and on rotation
only), read, list, change, rotate, delete; invalid input reported field by field; the delivery
log of an event; who may do what."""

import json
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.services import events as event_service
from app.services import webhooks as webhook_service
from tests.integration.helpers import assert_problem, auth, fields_of
from tests.integration.test_assessments_graphql import codes, gql
from tests.integration.test_events_and_webhooks import Receiver
from tests.integration.test_plans import key_for, small_org

SUBSCRIPTIONS = "/v1/webhook-subscriptions"
PUBLIC_FIELDS = {
    "id",
    "url",
    "description",
    "event_types",
    "status",
    "disabled_reason",
    "secret_rotated_until",
    "version",
    "created_at",
    "updated_at",
}
DELIVERY_FIELDS = {
    "id",
    "event_id",
    "event_type",
    "status",
    "attempts",
    "next_attempt_at",
    "last_status_code",
    "last_error",
    "delivered_at",
    "created_at",
}


async def subscribe(client, admin, url="https://hooks.example.com/tandem", **fields):
    return await client.post(SUBSCRIPTIONS, json={"url": url, **fields}, headers=auth(admin))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def move_to_lead(client, admin, ids, *external_ids):
    """A lead role, and the people moved to it: a role_changed event each."""
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
        json={"rows": [{"employee_external_id": e, "role_key": "lead"} for e in external_ids]},
        headers=auth(admin),
    )
    assert moved.json()["applied"] == len(external_ids), moved.text


async def process_every_event(engine) -> None:
    """Fan out every event recorded so far: earlier tests may have left a backlog larger than
    one run of the job takes."""
    while await event_service.process_events(SqlUnitOfWorkFactory(engine)()):
        pass


async def test_a_subscription_is_created_read_changed_rotated_and_deleted(client, new_tenant):
    admin = await new_tenant()
    created = await subscribe(
        client,
        admin,
        event_types=["role_changed", "employee_created"],
        description="  HRIS sync  ",
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    url = f"{SUBSCRIPTIONS}/{subscription['id']}"
    assert created.headers["Location"] == url
    assert created.headers["ETag"] == '"1"'
    assert set(subscription) == PUBLIC_FIELDS | {"secret"}
    secret = subscription.pop("secret")
    assert secret.startswith("whsec_")
    assert subscription == {
        "id": subscription["id"],
        "url": "https://hooks.example.com/tandem",
        "description": "HRIS sync",
        "event_types": ["employee_created", "role_changed"],
        "status": "active",
        "disabled_reason": None,
        "secret_rotated_until": None,
        "version": 1,
        "created_at": subscription["created_at"],
        "updated_at": subscription["created_at"],
    }

    # The secret is never read back.
    got = await client.get(url, headers=auth(admin))
    assert got.status_code == 200, got.text
    assert got.json() == subscription
    assert got.headers["ETag"] == '"1"'
    listed = await client.get(SUBSCRIPTIONS, headers=auth(admin))
    assert listed.json()["data"] == [subscription]
    assert secret not in got.text + listed.text

    everything = await subscribe(client, admin, url="http://hooks.example.com/all")
    assert everything.status_code == 201, everything.text
    assert (everything.json()["event_types"], everything.json()["description"]) == ([], "")

    # Replacing needs the current version when If-Match is sent.
    change = {
        "url": "https://hooks.example.com/v2",
        "event_types": ["plan_completed"],
        "description": "Plans",
        "active": False,
    }
    stale = await client.put(url, json=change, headers=auth(admin) | {"If-Match": '"7"'})
    assert_problem(stale, 412, "precondition_failed")
    put = await client.put(url, json=change, headers=auth(admin) | {"If-Match": '"1"'})
    assert put.status_code == 200, put.text
    assert put.headers["ETag"] == '"2"'
    changed = put.json()
    assert set(changed) == PUBLIC_FIELDS
    assert (changed["url"], changed["event_types"], changed["description"]) == (
        "https://hooks.example.com/v2",
        ["plan_completed"],
        "Plans",
    )
    assert (changed["status"], changed["disabled_reason"], changed["version"]) == (
        "disabled",
        "Disabled by a user.",
        2,
    )
    enabled = await client.put(url, json=change | {"active": True}, headers=auth(admin))
    assert (enabled.json()["status"], enabled.json()["disabled_reason"]) == ("active", None)
    assert enabled.json()["version"] == 3

    # Rotation: a new secret, shown once; the previous one signs for a day beside it.
    assert_problem(
        await client.post(f"{url}:rotate-secret", headers=auth(admin) | {"If-Match": '"1"'}),
        412,
        "precondition_failed",
    )
    rotated = await client.post(f"{url}:rotate-secret", headers=auth(admin) | {"If-Match": '"3"'})
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["ETag"] == '"4"'
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret
    until = rotated.json()["secret_rotated_until"]
    assert moment(until) - moment(rotated.json()["updated_at"]) == timedelta(hours=24)
    after = await client.get(url, headers=auth(admin))
    assert set(after.json()) == PUBLIC_FIELDS
    assert (after.json()["secret_rotated_until"], after.json()["version"]) == (until, 4)
    assert new_secret not in after.text and secret not in after.text
    again = await client.post(f"{url}:rotate-secret", headers=auth(admin))
    assert again.json()["secret"] not in (secret, new_secret)

    deleted = await client.delete(url, headers=auth(admin))
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    assert_problem(await client.get(url, headers=auth(admin)), 404, "not_found")
    assert_problem(await client.delete(url, headers=auth(admin)), 404, "not_found")
    assert_problem(await client.get(f"{url}/deliveries", headers=auth(admin)), 404, "not_found")
    remaining = await client.get(SUBSCRIPTIONS, headers=auth(admin))
    assert [s["id"] for s in remaining.json()["data"]] == [everything.json()["id"]]


async def test_invalid_subscriptions_are_refused_field_by_field(client, new_tenant):
    admin = await new_tenant()
    cases = {
        "body.url": [
            {"url": "ftp://hooks.example.com/x"},
            {"url": "https://user:password@hooks.example.com/x"},
            {"url": "https://token@hooks.example.com/x"},
            {"url": "hooks.example.com/x"},
            {"url": "https:///no-host"},
            {"url": "https://hooks.example.com/" + "x" * 2000},
        ],
        "body.event_types.0": [{"url": "https://a.example.com", "event_types": ["hired"]}],
        "body.description": [{"url": "https://a.example.com", "description": "x" * 501}],
        "body.secret": [{"url": "https://a.example.com", "secret": "whsec_mine"}],
    }
    for field, bodies in cases.items():
        for body in bodies:
            refused = await client.post(SUBSCRIPTIONS, json=body, headers=auth(admin))
            problem = assert_problem(refused, 422, "invalid_input")
            assert fields_of(problem) == {field}, (body, problem)
    assert (await client.get(SUBSCRIPTIONS, headers=auth(admin))).json()["data"] == []

    url = f"{SUBSCRIPTIONS}/{(await subscribe(client, admin)).json()['id']}"
    change = {"url": "https://hooks.example.com/x", "active": True}
    for field, body in {
        "body.url": change | {"url": "ftp://hooks.example.com/x"},
        "body.active": {"url": "https://hooks.example.com/x"},
        "body.event_types.1": change | {"event_types": ["role_changed", "nope"]},
    }.items():
        refused = await client.put(url, json=body, headers=auth(admin))
        assert fields_of(assert_problem(refused, 422, "invalid_input")) == {field}, field
    assert (await client.get(url, headers=auth(admin))).json()["version"] == 1


async def test_subscriptions_are_listed_page_by_page(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    urls = [f"https://hooks.example.com/{n}" for n in range(3)]
    for url in urls:
        assert (await subscribe(client, admin, url=url)).status_code == 201

    first = await client.get(SUBSCRIPTIONS, params={"limit": 2}, headers=auth(admin))
    assert first.status_code == 200, first.text
    assert [s["url"] for s in first.json()["data"]] == urls[:2]
    assert first.json()["has_more"] is True
    rest = await client.get(
        SUBSCRIPTIONS,
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=auth(admin),
    )
    assert [s["url"] for s in rest.json()["data"]] == urls[2:]
    assert (rest.json()["has_more"], rest.json()["next_cursor"]) == (False, None)
    assert all(set(s) == PUBLIC_FIELDS for s in first.json()["data"] + rest.json()["data"])
    bad = await client.get(SUBSCRIPTIONS, params={"cursor": "nonsense"}, headers=auth(admin))
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"query.cursor"}
    too_many = await client.get(SUBSCRIPTIONS, params={"limit": 0}, headers=auth(admin))
    assert fields_of(assert_problem(too_many, 422, "invalid_input")) == {"query.limit"}

    assert (await client.get(SUBSCRIPTIONS, headers=auth(other))).json()["data"] == []


async def test_the_delivery_log_shows_each_event_queued_then_delivered(client, engine, new_tenant):
    admin = await new_tenant()
    ids, people, *_ = await small_org(client, admin, reports=("a", "b"))
    uow = SqlUnitOfWorkFactory(engine)
    created = (await subscribe(client, admin, event_types=["role_changed"])).json()
    log = f"{SUBSCRIPTIONS}/{created['id']}/deliveries"
    other_events = (await subscribe(client, admin, event_types=["plan_completed"])).json()
    empty = await client.get(log, headers=auth(admin))
    assert empty.status_code == 200, empty.text
    assert (empty.json()["data"], empty.json()["has_more"]) == ([], False)

    await move_to_lead(client, admin, ids, "a")
    await process_every_event(engine)
    queued = await client.get(log, headers=auth(admin))
    assert queued.status_code == 200, queued.text
    (delivery,) = queued.json()["data"]
    assert set(delivery) == DELIVERY_FIELDS
    assert (delivery["event_type"], delivery["status"], delivery["attempts"]) == (
        "role_changed",
        "pending",
        0,
    )
    assert (delivery["last_status_code"], delivery["last_error"], delivery["delivered_at"]) == (
        None,
        None,
        None,
    )
    assert moment(delivery["next_attempt_at"]) == moment(delivery["created_at"])
    nothing = await client.get(
        f"{SUBSCRIPTIONS}/{other_events['id']}/deliveries", headers=auth(admin)
    )
    assert nothing.json()["data"] == []

    # Delivered: the log's id is the webhook-id, and the body verifies with the secret.
    receiver = Receiver()
    await webhook_service.deliver_webhooks(uow(), receiver.sender())
    (request,) = [r for r in receiver.requests if r.headers["webhook-id"] == delivery["id"]]
    Webhook(created["secret"]).verify(request.content, dict(request.headers), json_parse=False)
    payload = json.loads(request.content)
    assert (payload["type"], payload["data"]["event_id"]) == ("role_changed", delivery["event_id"])
    assert payload["data"]["employee_id"] == people["a"]
    (sent,) = (await client.get(log, headers=auth(admin))).json()["data"]
    assert (sent["id"], sent["status"], sent["attempts"], sent["last_status_code"]) == (
        delivery["id"],
        "delivered",
        1,
        204,
    )
    assert sent["delivered_at"] is not None

    # The log is paged, oldest first.
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "b", "role_key": "lead"}]},
        headers=auth(admin),
    )
    await process_every_event(engine)
    first = await client.get(log, params={"limit": 1}, headers=auth(admin))
    assert [d["id"] for d in first.json()["data"]] == [delivery["id"]]
    assert first.json()["has_more"] is True
    rest = await client.get(
        log, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=auth(admin)
    )
    (newer,) = rest.json()["data"]
    assert (newer["status"], newer["event_type"], rest.json()["has_more"]) == (
        "pending",
        "role_changed",
        False,
    )
    bad = await client.get(log, params={"cursor": "nonsense"}, headers=auth(admin))
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"query.cursor"}


async def test_only_hr_admins_of_the_tenant_reach_webhooks(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    _, people, *_ = await small_org(client, admin, reports=("a",))
    subscription = (await subscribe(client, admin)).json()
    url = f"{SUBSCRIPTIONS}/{subscription['id']}"
    change = {"url": "https://hooks.example.com/x", "event_types": [], "active": False}
    own_routes = [
        ("GET", url, None),
        ("PUT", url, change),
        ("POST", f"{url}:rotate-secret", None),
        ("GET", f"{url}/deliveries", None),
        ("DELETE", url, None),
    ]
    every_route = [
        ("POST", SUBSCRIPTIONS, {"url": "https://hooks.example.com/y"}),
        ("GET", SUBSCRIPTIONS, None),
        *own_routes,
    ]
    as_manager = await key_for(client, admin, "manager", people["m"])
    as_employee = await key_for(client, admin, "employee", people["a"])
    as_integration = await key_for(client, admin, "integration")
    for method, path, body in every_route:
        for headers in (as_manager, as_employee, as_integration):
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
    assert unchanged.json() == {k: v for k, v in subscription.items() if k != "secret"}
    listed = await client.get(SUBSCRIPTIONS, headers=auth(admin))
    assert [s["id"] for s in listed.json()["data"]] == [subscription["id"]]


FIELDS = """id url description eventTypes status disabledReason secretRotatedUntil version
createdAt updatedAt"""
CREATE = f"""mutation($input: CreateWebhookSubscriptionInput!) {{
  createWebhookSubscription(input: $input) {{ secret subscription {{ {FIELDS} }} }}
}}"""
UPDATE = f"""mutation($id: UUID!, $input: UpdateWebhookSubscriptionInput!, $version: Int) {{
  updateWebhookSubscription(id: $id, input: $input, expectedVersion: $version) {{ {FIELDS} }}
}}"""
ROTATE = """mutation($id: UUID!, $version: Int) {
  rotateWebhookSecret(id: $id, expectedVersion: $version) {
    secret subscription { version secretRotatedUntil updatedAt }
  }
}"""
DELETE = "mutation($id: UUID!) { deleteWebhookSubscription(id: $id) }"
SUBSCRIPTION = f"query($id: UUID!) {{ webhookSubscription(id: $id) {{ {FIELDS} }} }}"
SUBSCRIPTION_LIST = """query($first: Int, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { url } pageInfo { hasNextPage endCursor }
  }
}"""
DELIVERIES = """query($id: UUID!, $first: Int, $after: String) {
  webhookDeliveries(subscriptionId: $id, first: $first, after: $after) {
    nodes {
      id eventId eventType status attempts nextAttemptAt lastStatusCode lastError deliveredAt
      createdAt
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


def field_errors(result) -> list[str]:
    return [e["field"] for e in result["errors"][0]["extensions"].get("field_errors", [])]


async def test_the_webhook_scenario_through_graphql(client, engine, new_tenant):
    admin = await new_tenant()
    ids, *_ = await small_org(client, admin, reports=("a",))
    headers = auth(admin)
    created = await gql(
        client,
        headers,
        CREATE,
        input={"url": "https://hooks.example.com/gql", "eventTypes": ["ROLE_CHANGED"]},
    )
    payload = created["data"]["createWebhookSubscription"]
    secret, subscription = payload["secret"], payload["subscription"]
    assert secret.startswith("whsec_")
    assert (subscription["eventTypes"], subscription["status"], subscription["version"]) == (
        ["ROLE_CHANGED"],
        "ACTIVE",
        1,
    )
    assert (subscription["description"], subscription["secretRotatedUntil"]) == ("", None)
    rest = await client.get(f"{SUBSCRIPTIONS}/{subscription['id']}", headers=headers)
    assert rest.json()["url"] == subscription["url"]
    read = await gql(client, headers, SUBSCRIPTION, id=subscription["id"])
    assert read["data"]["webhookSubscription"] == subscription
    # A subscription has no secret to ask for.
    asked = await gql(
        client,
        headers,
        "query($id: UUID!) { webhookSubscription(id: $id) { secret } }",
        id=subscription["id"],
    )
    assert codes(asked) == ["BAD_USER_INPUT"]

    await gql(client, headers, CREATE, input={"url": "https://hooks.example.com/second"})
    page = (await gql(client, headers, SUBSCRIPTION_LIST, first=1))["data"]
    page = page["webhookSubscriptions"]
    assert [n["url"] for n in page["nodes"]] == ["https://hooks.example.com/gql"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = await gql(
        client, headers, SUBSCRIPTION_LIST, first=1, after=page["pageInfo"]["endCursor"]
    )
    assert [n["url"] for n in after["data"]["webhookSubscriptions"]["nodes"]] == [
        "https://hooks.example.com/second"
    ]
    assert after["data"]["webhookSubscriptions"]["pageInfo"]["hasNextPage"] is False

    # Invalid input: the domain's fields, or the schema's own coercion.
    bad_url = await gql(client, headers, CREATE, input={"url": "ftp://hooks.example.com"})
    assert (codes(bad_url), field_errors(bad_url)) == (["INVALID_INPUT"], ["url"])
    with_credentials = await gql(
        client, headers, CREATE, input={"url": "https://u:p@hooks.example.com"}
    )
    assert (codes(with_credentials), field_errors(with_credentials)) == (
        ["INVALID_INPUT"],
        ["url"],
    )
    unknown = await gql(
        client, headers, CREATE, input={"url": "https://a.example.com", "eventTypes": ["HIRED"]}
    )
    assert codes(unknown) == ["BAD_USER_INPUT"]

    change = {"url": "https://hooks.example.com/v2", "eventTypes": [], "active": False}
    stale = await gql(client, headers, UPDATE, id=subscription["id"], input=change, version=7)
    assert codes(stale) == ["PRECONDITION_FAILED"]
    updated = await gql(client, headers, UPDATE, id=subscription["id"], input=change, version=1)
    updated = updated["data"]["updateWebhookSubscription"]
    assert (updated["url"], updated["eventTypes"], updated["status"], updated["version"]) == (
        "https://hooks.example.com/v2",
        [],
        "DISABLED",
        2,
    )
    assert updated["disabledReason"] == "Disabled by a user."
    invalid = await gql(
        client, headers, UPDATE, id=subscription["id"], input=change | {"url": "nope"}
    )
    assert (codes(invalid), field_errors(invalid)) == (["INVALID_INPUT"], ["url"])
    enabled = await gql(
        client,
        headers,
        UPDATE,
        id=subscription["id"],
        input=change | {"active": True, "eventTypes": ["ROLE_CHANGED"]},
    )
    assert enabled["data"]["updateWebhookSubscription"]["status"] == "ACTIVE"

    assert codes(await gql(client, headers, ROTATE, id=subscription["id"], version=1)) == [
        "PRECONDITION_FAILED"
    ]
    rotated = (await gql(client, headers, ROTATE, id=subscription["id"], version=3))["data"]
    rotated = rotated["rotateWebhookSecret"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    assert rotated["subscription"]["version"] == 4
    until = moment(rotated["subscription"]["secretRotatedUntil"])
    assert until - moment(rotated["subscription"]["updatedAt"]) == timedelta(hours=24)

    await move_to_lead(client, admin, ids, "a")
    await process_every_event(engine)
    log = (await gql(client, headers, DELIVERIES, id=subscription["id"]))["data"]
    (delivery,) = log["webhookDeliveries"]["nodes"]
    assert (delivery["eventType"], delivery["status"], delivery["attempts"]) == (
        "ROLE_CHANGED",
        "PENDING",
        0,
    )
    assert (delivery["lastStatusCode"], delivery["deliveredAt"]) == (None, None)
    assert log["webhookDeliveries"]["pageInfo"]["hasNextPage"] is False
    rest_log = await client.get(f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries", headers=headers)
    assert [d["id"] for d in rest_log.json()["data"]] == [delivery["id"]]
    bad_cursor = await gql(client, headers, DELIVERIES, id=subscription["id"], after="x")
    assert (codes(bad_cursor), field_errors(bad_cursor)) == (["INVALID_INPUT"], ["after"])

    deleted = await gql(client, headers, DELETE, id=subscription["id"])
    assert deleted["data"]["deleteWebhookSubscription"] == subscription["id"]
    gone = await gql(client, headers, SUBSCRIPTION, id=subscription["id"])
    assert codes(gone) == ["NOT_FOUND"]
    assert codes(await gql(client, headers, DELETE, id=subscription["id"])) == ["NOT_FOUND"]
    assert codes(await gql(client, headers, DELIVERIES, id=subscription["id"])) == ["NOT_FOUND"]


async def test_graphql_webhooks_are_for_hr_admins_of_the_tenant(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    _, people, *_ = await small_org(client, admin, reports=("a",))
    created = await gql(
        client, auth(admin), CREATE, input={"url": "https://hooks.example.com/mine"}
    )
    subscription_id = created["data"]["createWebhookSubscription"]["subscription"]["id"]
    change = {"url": "https://hooks.example.com/x", "active": False}
    own = [
        (SUBSCRIPTION, {"id": subscription_id}),
        (UPDATE, {"id": subscription_id, "input": change}),
        (ROTATE, {"id": subscription_id}),
        (DELIVERIES, {"id": subscription_id}),
        (DELETE, {"id": subscription_id}),
    ]
    every = [
        (CREATE, {"input": {"url": "https://hooks.example.com/y"}}),
        (SUBSCRIPTION_LIST, {}),
        *own,
    ]
    as_manager = await key_for(client, admin, "manager", people["m"])
    as_employee = await key_for(client, admin, "employee", people["a"])
    as_integration = await key_for(client, admin, "integration")
    for query, variables in every:
        for headers in (as_manager, as_employee, as_integration):
            assert codes(await gql(client, headers, query, **variables)) == ["FORBIDDEN"]
        anonymous = await client.post("/graphql", json={"query": query, "variables": variables})
        assert anonymous.status_code == 401
    for query, variables in own:
        assert codes(await gql(client, auth(other), query, **variables)) == ["NOT_FOUND"]
    unchanged = await gql(client, auth(admin), SUBSCRIPTION, id=subscription_id)
    found = unchanged["data"]["webhookSubscription"]
    assert (found["version"], found["status"], found["url"]) == (
        1,
        "ACTIVE",
        "https://hooks.example.com/mine",
    )
    listed = await gql(client, auth(admin), SUBSCRIPTION_LIST)
    assert len(listed["data"]["webhookSubscriptions"]["nodes"]) == 1
