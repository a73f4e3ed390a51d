"""Tenancy and authorisation on every path: each REST operation in the OpenAPI document and
each GraphQL query and mutation field is called without credentials, with another tenant's
credentials on this tenant's ids, and as each role. The routes and fields come from the
documents the code produces and the expected roles from ACCESS below, so a route or field
added without a decision on who may call it fails the suite."""

import hashlib
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import jwt
import pytest
import sqlalchemy as sa
from graphql import GraphQLField, get_named_type, is_leaf_type
from graphql import build_schema as build_graphql_schema

from app.adapters.db.tables import metadata, tenants
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.identity import Role
from app.main import graphql_sdl, openapi_document
from app.services.tenants import create_tenant
from tests.conftest import JWT_SECRET, auth
from tests.integration.test_plans import assess, small_org

E, M, H, I = Role.EMPLOYEE, Role.MANAGER, Role.HR_ADMIN, Role.INTEGRATION  # noqa: E741
ROLES = (I, E, M, H)
EVERYONE = frozenset(ROLES)
PEOPLE = frozenset({E, M, H})
LEADS = frozenset({M, H})
ADMIN = frozenset({H})
SYNC = frozenset({H, I})
LEADS_AND_SYNC = LEADS | {I}
PERSONS = frozenset({E, M})  # a credential speaking for someone: raters, recognisers
SUBJECT_AND_SYNC = frozenset({E, I})  # the plan's employee, or the LMS relaying them

PUBLIC = {"GET /healthz", "GET /readyz"}

# Who may call each operation, as the product decides it. Employee and manager calls speak
# for the world's employee `a` and their manager `m`, so self-service routes are allowed for
# the people they concern.
ACCESS: dict[str, frozenset[Role]] = {
    "GET /healthz": EVERYONE,
    "GET /readyz": EVERYONE,
    "GET /v1/me": EVERYONE,
    "GET /v1/tenant": EVERYONE,
    "POST /v1/api-keys": ADMIN,
    "GET /v1/api-keys": ADMIN,
    "GET /v1/api-keys/{key_id}": ADMIN,
    "POST /v1/scales": ADMIN,
    "GET /v1/scales": EVERYONE,
    "GET /v1/scales/{scale_id}": EVERYONE,
    "PUT /v1/scales/{scale_id}": ADMIN,
    "POST /v1/frameworks": ADMIN,
    "GET /v1/frameworks": EVERYONE,
    "POST /v1/frameworks:import": ADMIN,
    "GET /v1/frameworks/{framework_id}": EVERYONE,
    "PATCH /v1/frameworks/{framework_id}": ADMIN,
    "POST /v1/frameworks/{framework_id}/versions": ADMIN,
    "GET /v1/frameworks/{framework_id}/versions/{number}": EVERYONE,
    "PUT /v1/frameworks/{framework_id}/versions/{number}": ADMIN,
    "GET /v1/frameworks/{framework_id}/versions/{number}/export": EVERYONE,
    "POST /v1/frameworks/{framework_id}/versions/{number}:publish": ADMIN,
    "GET /v1/frameworks/{framework_id}/diff": EVERYONE,
    "GET /v1/capabilities": EVERYONE,
    "GET /v1/capabilities/{capability_id}": EVERYONE,
    "POST /v1/frameworks:import-case": SYNC,
    "GET /v1/frameworks/{framework_id}/versions/{number}/case": EVERYONE,
    "POST /v1/roles": ADMIN,
    "GET /v1/roles": EVERYONE,
    "GET /v1/roles/{role_id}": EVERYONE,
    "PUT /v1/roles/{role_id}": ADMIN,
    "POST /v1/org-units": SYNC,
    "GET /v1/org-units": EVERYONE,
    "GET /v1/org-units/{unit_id}": EVERYONE,
    "PATCH /v1/org-units/{unit_id}": SYNC,
    "POST /v1/employees": SYNC,
    "GET /v1/employees": EVERYONE,
    "GET /v1/employees/{employee_id}": EVERYONE,
    "PATCH /v1/employees/{employee_id}": SYNC,
    "POST /v1/employees:bulk": SYNC,
    "POST /v1/role-assignments:bulk": SYNC,
    "POST /v1/cohorts": ADMIN,
    "GET /v1/cohorts": SYNC,
    "GET /v1/cohorts/{cohort_id}": SYNC,
    "PUT /v1/cohorts/{cohort_id}": ADMIN,
    "GET /v1/cohorts/{cohort_id}/members": SYNC,
    "POST /v1/cohorts/{cohort_id}/members": ADMIN,
    "GET /v1/assessment-policy": EVERYONE,
    "PUT /v1/assessment-policy": ADMIN,
    "POST /v1/assessments": LEADS,
    "GET /v1/assessments": EVERYONE,
    "GET /v1/assessments/{assessment_id}": EVERYONE,
    "POST /v1/assessments/{assessment_id}:open": LEADS,
    "POST /v1/assessments/{assessment_id}:finalise": LEADS,
    "PUT /v1/assessments/{assessment_id}/ratings": PERSONS,
    "GET /v1/assessments/{assessment_id}/ratings": PERSONS,
    "GET /v1/assessments/{assessment_id}/results": EVERYONE,
    "GET /v1/employees/{employee_id}/gaps": EVERYONE,
    "GET /v1/employees/{employee_id}/readiness": EVERYONE,
    "GET /v1/gaps": LEADS_AND_SYNC,
    "POST /v1/learning-items": SYNC,
    "GET /v1/learning-items": EVERYONE,
    "GET /v1/learning-items/{item_id}": EVERYONE,
    "PUT /v1/learning-items/{item_id}": SYNC,
    "GET /v1/plan-policy": EVERYONE,
    "PUT /v1/plan-policy": ADMIN,
    "POST /v1/development-plans:generate": LEADS,
    "GET /v1/development-plans": EVERYONE,
    "GET /v1/development-plans/{plan_id}": EVERYONE,
    "PATCH /v1/development-plans/{plan_id}": LEADS_AND_SYNC,
    "POST /v1/development-plans/{plan_id}:activate": EVERYONE,
    "PATCH /v1/development-plans/{plan_id}/items/{learning_item_id}": EVERYONE,
    "PUT /v1/development-plans/{plan_id}/items/{learning_item_id}/feedback": SUBJECT_AND_SYNC,
    "GET /v1/development-plans/{plan_id}/items/{learning_item_id}/feedback": EVERYONE,
    "POST /v1/learning-completions": EVERYONE,
    "GET /v1/training-needs": LEADS_AND_SYNC,
    "POST /v1/checkin-templates": ADMIN,
    "GET /v1/checkin-templates": EVERYONE,
    "GET /v1/checkin-templates/{template_id}": EVERYONE,
    "PATCH /v1/checkin-templates/{template_id}": ADMIN,
    "POST /v1/checkins": PEOPLE,
    "GET /v1/checkins": EVERYONE,
    "GET /v1/checkins/{checkin_id}": PEOPLE,
    "POST /v1/goals": PEOPLE,
    "GET /v1/goals": EVERYONE,
    "GET /v1/goals/{goal_id}": EVERYONE,
    "PATCH /v1/goals/{goal_id}": PEOPLE,
    "POST /v1/goals/{goal_id}/progress": EVERYONE,
    "GET /v1/goals/{goal_id}/progress": EVERYONE,
    "GET /v1/goals/{goal_id}/alignment": EVERYONE,
    "POST /v1/recognitions": PERSONS,
    "GET /v1/recognitions": EVERYONE,
    "GET /v1/recognitions/{recognition_id}": EVERYONE,
    "GET /v1/reports/capability-maturity": LEADS_AND_SYNC,
    "GET /v1/reports/succession-bench": LEADS_AND_SYNC,
    "GET /v1/reports/learning-impact": LEADS_AND_SYNC,
    "POST /v1/workflows": ADMIN,
    "GET /v1/workflows": ADMIN,
    "GET /v1/workflows/{workflow_id}": ADMIN,
    "PUT /v1/workflows/{workflow_id}": ADMIN,
    "POST /v1/workflows/{workflow_id}:pause": ADMIN,
    "POST /v1/workflows/{workflow_id}:resume": ADMIN,
    "POST /v1/workflows/{workflow_id}:dry-run": ADMIN,
    "GET /v1/workflows/{workflow_id}/runs": ADMIN,
    "GET /v1/notifications": ADMIN,
    "POST /v1/webhook-subscriptions": ADMIN,
    "GET /v1/webhook-subscriptions": ADMIN,
    "GET /v1/webhook-subscriptions/{subscription_id}": ADMIN,
    "PUT /v1/webhook-subscriptions/{subscription_id}": ADMIN,
    "POST /v1/webhook-subscriptions/{subscription_id}:rotate-secret": ADMIN,
    "GET /v1/webhook-subscriptions/{subscription_id}/deliveries": ADMIN,
    "GET /v1/audit-log": ADMIN,
    "POST /v1/xapi/statements": SYNC,
    "GET /v1/xapi/statements": SYNC,
    "GET /scim/v2/Users": SYNC,
    "POST /scim/v2/Users": SYNC,
    "GET /scim/v2/Users/{user_id}": SYNC,
    "PUT /scim/v2/Users/{user_id}": SYNC,
    "PATCH /scim/v2/Users/{user_id}": SYNC,
    "GET /scim/v2/Groups": SYNC,
    "POST /scim/v2/Groups": SYNC,
    "GET /scim/v2/Groups/{group_id}": SYNC,
    "PUT /scim/v2/Groups/{group_id}": SYNC,
    "PATCH /scim/v2/Groups/{group_id}": SYNC,
    "GET /scim/v2/ServiceProviderConfig": EVERYONE,
    "GET /scim/v2/ResourceTypes": EVERYONE,
    "GET /scim/v2/ResourceTypes/{name}": EVERYONE,
    "GET /scim/v2/Schemas": EVERYONE,
    "GET /scim/v2/Schemas/{schema_id}": EVERYONE,
    "POST /v1/api-keys/{key_id}:revoke": ADMIN,
    "POST /v1/frameworks/{framework_id}/versions/{number}:retire": ADMIN,
    "POST /v1/assessments/{assessment_id}:cancel": LEADS,
    "POST /v1/development-plans/{plan_id}:cancel": LEADS_AND_SYNC,
    "DELETE /v1/scales/{scale_id}": ADMIN,
    "DELETE /v1/roles/{role_id}": ADMIN,
    "DELETE /v1/org-units/{unit_id}": SYNC,
    "DELETE /v1/cohorts/{cohort_id}": ADMIN,
    "DELETE /v1/webhook-subscriptions/{subscription_id}": ADMIN,
    "DELETE /scim/v2/Users/{user_id}": SYNC,
    "DELETE /scim/v2/Groups/{group_id}": SYNC,
}
# Roles that may not even see the thing: they get 404, as an unknown id would.
HIDDEN = {("GET /v1/checkins/{checkin_id}", I)}
# Operations the world's state refuses for every role allowed to call them, with that answer.
REFUSED = {
    "POST /v1/frameworks/{framework_id}/versions": 409,  # a draft exists
    "POST /v1/frameworks/{framework_id}/versions/{number}:publish": 409,  # it breaks a role
    "POST /v1/frameworks/{framework_id}/versions/{number}:retire": 409,  # a draft
    "POST /v1/assessments/{assessment_id}:open": 409,  # finalised
    "POST /v1/assessments/{assessment_id}:finalise": 409,
    "POST /v1/assessments/{assessment_id}:cancel": 409,
    "PUT /v1/assessments/{assessment_id}/ratings": 409,
    "POST /v1/development-plans/{plan_id}:activate": 409,  # active since its completion
    "PATCH /v1/development-plans/{plan_id}/items/{learning_item_id}": 409,  # completed
    "DELETE /v1/scales/{scale_id}": 409,  # in use
    "DELETE /v1/roles/{role_id}": 409,  # held
    "DELETE /v1/org-units/{unit_id}": 409,  # has a child
}

SCIM = "application/scim+json"
XAPI_VERSION = {"X-Experience-API-Version": "1.0.3"}
NOT_TENANT_DATA = {"name", "schema_id", "number"}
TODAY = date.today()
QUESTIONS = [
    {"key": "went_well", "text": "What went well?"},
    {"key": "next", "text": "What comes next?"},
]


def token(tenant_id: uuid.UUID, role: Role, employee_id: str | None) -> dict[str, str]:
    claims = {
        "exp": datetime.now(UTC) + timedelta(hours=1),
        "tenant": str(tenant_id),
        "roles": [role.value],
    }
    if employee_id is not None:
        claims["sub"] = employee_id
    return {"Authorization": f"Bearer {jwt.encode(claims, JWT_SECRET, 'HS256')}"}


def credentials(tenant_id: uuid.UUID, employee: str, manager: str) -> dict[Role, dict]:
    people = {E: employee, M: manager}
    return {role: token(tenant_id, role, people.get(role)) for role in ROLES}


LEVELS = [{"code": c, "label": c} for c in ("low", "mid", "high")]
CSV = (
    "group_key,group_name,group_description,group_parent_key,capability_key,"
    "capability_name,capability_type,capability_description,scale_key,level,indicator\n"
    ",,,,k,K,skill,,core,1,Does it with help\n"
)


def loop(cohort_id: str, cron: str) -> dict:
    """A workflow definition: assess the cohort on a schedule."""
    return {
        "target": {"kind": "cohort", "ids": [cohort_id]},
        "triggers": [{"type": "schedule", "cron": cron}],
        "steps": [{"id": "assess", "type": "open_assessment", "due_in_days": 14}],
    }


async def build_world(client, admin) -> dict[str, str]:
    """One of everything a path can name, in the admin's tenant; returns ids by path
    parameter name, with `m` (a's manager) and `a` (the employee) for the credentials."""
    headers = auth(admin)
    ids, people, basics, mentoring = await small_org(client, admin)
    assessment = await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 1})

    async def created(path: str, body: dict, as_: dict[str, str] = headers) -> str:
        response = await client.post(path, json=body, headers=as_)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()["id"]

    plans = await client.get("/v1/development-plans", headers=headers)
    (plan,) = plans.json()["data"]
    completion = {"employee_id": people["a"], "learning_item_id": basics, "completion_id": "c-0"}
    completed = await client.post(
        "/v1/learning-completions", json={"completions": [completion]}, headers=headers
    )
    assert completed.json()["results"][0]["status"] == "recorded", completed.text
    rated = await client.put(
        f"/v1/development-plans/{plan['id']}/items/{basics}/feedback",
        json={"rating": 5},
        headers=token(admin.tenant.id, E, people["a"]),
    )
    assert rated.status_code == 200, rated.text
    roles = await client.get("/v1/roles", headers=headers)
    draft = await client.post(f"/v1/frameworks/{ids['framework']}/versions", headers=headers)
    assert draft.status_code == 201, draft.text
    cohort = await created("/v1/cohorts", {"key": "pilot", "name": "Pilot"})
    group = await created("/v1/cohorts", {"key": "group", "name": "Group"})
    template = await created(
        "/v1/checkin-templates",
        {"name": "Monthly", "questions": QUESTIONS},
    )
    goal = await created(
        "/v1/goals",
        {
            "title": "Close two renewals",
            "employee_id": people["a"],
            "kpi": "renewals",
            "baseline": 0,
            "target": 2,
        },
    )
    return {
        "a": people["a"],
        "m": people["m"],
        "scale_id": ids["scale"],
        "framework_id": ids["framework"],
        "number": str(draft.json()["number"]),
        "capability_id": ids["negotiation"],
        "crm_id": ids["crm"],
        "role_id": roles.json()["data"][0]["id"],
        "unit_id": await created("/v1/org-units", {"key": "emea", "name": "EMEA"}),
        "employee_id": people["a"],
        "user_id": people["b"],
        "cohort_id": cohort,
        "group_id": group,
        "assessment_id": assessment,
        "item_id": basics,
        "plan_id": plan["id"],
        "learning_item_id": basics,
        "mentoring_id": mentoring,
        "template_id": template,
        "checkin_id": await created(
            "/v1/checkins",
            {
                "employee_id": people["a"],
                "template_id": template,
                "held_on": TODAY.isoformat(),
                "answers": [{"key": "went_well", "employee_answer": "Renewals"}],
            },
        ),
        "goal_id": goal,
        "recognition_id": await created(
            "/v1/recognitions",
            {"employee_id": people["a"], "message": "Great renewal"},
            token(admin.tenant.id, M, people["m"]),
        ),
        "workflow_id": await created(
            "/v1/workflows",
            {
                "key": "loop",
                "name": "Loop",
                "definition": loop(cohort, "0 9 1 * *"),
            },
        ),
        "subscription_id": await created(
            "/v1/webhook-subscriptions", {"url": "https://hooks.example.com/tandem"}
        ),
        "key_id": (await client.get("/v1/api-keys", headers=headers)).json()["data"][-1]["id"],
        "name": "User",
        "schema_id": "urn:ietf:params:scim:schemas:core:2.0:User",
    }


def bodies(w: dict[str, str]) -> dict[str, dict]:
    """A well-formed request for each operation that takes a body (httpx keyword arguments).
    Ids in them are the world's, so another tenant's call names this tenant's data."""
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "b@example.com",
        "externalId": "b",
        "active": True,
    }
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": True}],
    }
    definition = loop(w["cohort_id"], "0 9 2 * *")
    item = {
        "title": "Negotiation basics",
        "kind": "course",
        "targets": [{"capability_id": w["capability_id"], "from_level": 1, "to_level": 2}],
    }
    content = {"capabilities": [{"key": "k", "name": "K", "type": "skill", "scale_key": "core"}]}
    json_bodies = {
        "POST /v1/api-keys": {"name": "k", "roles": ["employee"], "employee_id": w["a"]},
        "POST /v1/scales": {"key": "s2", "name": "S", "levels": LEVELS},
        "PUT /v1/scales/{scale_id}": {"name": "S", "levels": LEVELS},
        "POST /v1/frameworks": {"key": "f2", "name": "F"},
        "PATCH /v1/frameworks/{framework_id}": {"name": "Renamed"},
        "PUT /v1/frameworks/{framework_id}/versions/{number}": content,
        "POST /v1/frameworks:import-case": {
            "CFDocument": {
                "identifier": str(uuid.uuid4()),
                "uri": "https://case.example.com/doc",
                "creator": "Us",
                "title": "Doc",
                "lastChangeDateTime": "2026-01-01T00:00:00Z",
            }
        },
        "POST /v1/roles": {
            "key": "r2",
            "name": "R",
            "requirements": [{"capability_id": w["capability_id"], "required_level": 2}],
        },
        "PUT /v1/roles/{role_id}": {
            "name": "Seller",
            "requirements": [{"capability_id": w["capability_id"], "required_level": 3}],
        },
        "POST /v1/org-units": {"key": "u2", "name": "U", "parent_id": w["unit_id"]},
        "PATCH /v1/org-units/{unit_id}": {"name": "Europe"},
        "POST /v1/employees": {"external_id": "z", "name": "Z", "manager_id": w["m"]},
        "PATCH /v1/employees/{employee_id}": {"job_title": "Account executive"},
        "POST /v1/employees:bulk": {
            "rows": [{"external_id": "a", "name": "A", "manager_external_id": "m"}]
        },
        "POST /v1/role-assignments:bulk": {"rows": [{"employee_id": w["a"], "role_key": "seller"}]},
        "POST /v1/cohorts": {"key": "c2", "name": "C"},
        "PUT /v1/cohorts/{cohort_id}": {"name": "Pilot group"},
        "POST /v1/cohorts/{cohort_id}/members": {"add": [w["a"]]},
        "PUT /v1/assessment-policy": {"method": "manager_decides"},
        "POST /v1/assessments": {"employee_id": w["a"]},
        "PUT /v1/assessments/{assessment_id}/ratings": {
            "ratings": [{"capability_id": w["capability_id"], "level": 2}]
        },
        "POST /v1/learning-items": item,
        "PUT /v1/learning-items/{item_id}": item,
        "PUT /v1/plan-policy": {"due_in_days": 60},
        "POST /v1/development-plans:generate": {"employee_ids": [w["a"]]},
        "PATCH /v1/development-plans/{plan_id}": {
            "due_date": (TODAY + timedelta(days=30)).isoformat()
        },
        "PATCH /v1/development-plans/{plan_id}/items/{learning_item_id}": {"status": "in_progress"},
        "PUT /v1/development-plans/{plan_id}/items/{learning_item_id}/feedback": {"rating": 4},
        "POST /v1/learning-completions": {
            "completions": [
                {
                    "employee_id": w["a"],
                    "learning_item_id": w["item_id"],
                    "completion_id": "c-1",
                    "completed_at": "2026-12-01T10:00:00Z",
                }
            ]
        },
        "POST /v1/checkin-templates": {
            "name": "Weekly",
            "questions": QUESTIONS,
        },
        "PATCH /v1/checkin-templates/{template_id}": {"name": "Monthly check-in"},
        "POST /v1/checkins": {
            "employee_id": w["a"],
            "template_id": w["template_id"],
            "held_on": TODAY.isoformat(),
            "answers": [{"key": "went_well", "employee_answer": "More renewals"}],
            "goal_ids": [w["goal_id"]],
        },
        "POST /v1/goals": {"title": "Coach a peer", "employee_id": w["a"]},
        "PATCH /v1/goals/{goal_id}": {"title": "Close three renewals"},
        "POST /v1/goals/{goal_id}/progress": {"value": 1},
        "POST /v1/recognitions": {
            "employee_id": w["user_id"],
            "message": "Thanks",
            "capability_id": w["capability_id"],
        },
        "POST /v1/workflows": {"key": "w2", "name": "W", "definition": definition},
        "PUT /v1/workflows/{workflow_id}": {"name": "Loop", "definition": definition},
        "POST /v1/webhook-subscriptions": {"url": "https://hooks.example.com/other"},
        "PUT /v1/webhook-subscriptions/{subscription_id}": {
            "url": "https://hooks.example.com/moved",
            "active": True,
        },
    }
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "lms-neg-101"},
    }
    scim_bodies = {
        "POST /scim/v2/Users": user | {"userName": "new@example.com", "externalId": "new"},
        "PUT /scim/v2/Users/{user_id}": user,
        "PATCH /scim/v2/Users/{user_id}": patch,
        "POST /scim/v2/Groups": group | {"members": [{"value": w["a"]}]},
        "PUT /scim/v2/Groups/{group_id}": group | {"members": [{"value": w["a"]}]},
        "PATCH /scim/v2/Groups/{group_id}": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": w["a"]}]}],
        },
    }
    return (
        {op: {"json": body} for op, body in json_bodies.items()}
        | {"POST /v1/xapi/statements": {"json": statement, "headers": XAPI_VERSION}}
        | {
            op: {"content": json.dumps(body), "headers": {"Content-Type": SCIM}}
            for op, body in scim_bodies.items()
        }
        | {
            "POST /v1/frameworks:import": {
                "content": CSV,
                "headers": {"Content-Type": "text/csv"},
                "params": {"key": "csv", "name": "CSV"},
            },
            "GET /v1/frameworks/{framework_id}/diff": {"params": {"from": 1, "to": 2}},
            "GET /v1/gaps": {"params": {"group_by": "team", "ids": w["m"]}},
            "GET /v1/training-needs": {"params": {"group_by": "team", "ids": w["m"]}},
        }
    )


def operations(app) -> list[tuple[str, str]]:
    """Every REST operation, destructive ones last so that the others find what they name."""
    document = json.loads(openapi_document(app))
    found = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    last = (":retire", ":revoke", ":cancel")
    return sorted(
        found,
        key=lambda op: (op[0] == "DELETE", op[1].endswith(last), op[1].startswith("/scim")),
    )


def url_of(path: str, world: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda match: world[match.group(1)], path)


def names_tenant_data(path: str) -> bool:
    return bool(set(re.findall(r"\{([^}]+)\}", path)) - NOT_TENANT_DATA)


async def rows_of(engine, tenant_id: uuid.UUID) -> dict[str, list[str]]:
    """Each of the tenant's tables, its rows as text."""
    found = {}
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table is tenants:
                continue
            rows = await conn.execute(sa.select(table).where(table.c.tenant_id == tenant_id))
            found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


async def digest(engine, tenant_id: uuid.UUID) -> dict[str, str]:
    """A fingerprint of each of the tenant's tables, to tell whether anything changed."""
    return {
        name: hashlib.sha256("\n".join(rows).encode()).hexdigest()
        for name, rows in (await rows_of(engine, tenant_id)).items()
    }


async def _tenants_and_world(app, engine):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as client:
        factory = SqlUnitOfWorkFactory(engine)
        admin = await create_tenant(factory(), name="Home")
        other = await create_tenant(factory(), name="Other")
        world = await build_world(client, admin)
        (stranger,) = (
            await client.post(
                "/v1/employees:bulk",
                json={"rows": [{"external_id": "s", "name": "S"}]},
                headers=auth(other),
            )
        ).json()["rows"]
        yield client, admin, other, world, stranger["id"]


# The role checks change what they call, so REST and GraphQL each get a world of their own.
rest_world = pytest.fixture(scope="module")(_tenants_and_world)
graphql_world = pytest.fixture(scope="module")(_tenants_and_world)


async def call(client, method, path, world, headers, requests):
    request = requests.get(f"{method} {path}", {})
    return await client.request(
        method,
        url_of(path, world),
        headers=request.get("headers", {}) | headers,
        **{k: v for k, v in request.items() if k != "headers"},
    )


def test_every_operation_has_an_access_decision(app):
    assert sorted(f"{m} {p}" for m, p in operations(app)) == sorted(ACCESS), (
        "add the operation to ACCESS with the roles that may call it"
    )


async def test_every_operation_but_health_needs_credentials(app, rest_world):
    client, _, _, world, _ = rest_world
    requests = bodies(world)
    for method, path in operations(app):
        response = await call(client, method, path, world, {}, requests)
        if f"{method} {path}" in PUBLIC:
            assert response.status_code == 200, (method, path)
            continue
        assert response.status_code == 401, (method, path, response.status_code)
        problem = SCIM if path.startswith("/scim") else "application/problem+json"
        assert response.headers["content-type"].startswith(problem), (method, path)
        assert response.headers["www-authenticate"], (method, path)


async def test_another_tenant_finds_none_of_this_tenants_ids_and_changes_nothing(
    app, engine, rest_world
):
    client, admin, other, world, stranger = rest_world
    requests = bodies(world)
    away = credentials(other.tenant.id, stranger, stranger)
    ours = {value for value in world.values() if _is_uuid(value)}
    before = await digest(engine, admin.tenant.id)
    calls = 0
    for method, path in operations(app):
        for role, headers in away.items():
            response = await call(client, method, path, world, headers, requests)
            calls += 1
            where = (method, path, role.value, response.status_code, response.text[:300])
            assert response.status_code < 500, where
            if names_tenant_data(path):
                assert response.status_code in (403, 404), where
                if response.status_code == 403:
                    # Refused by role before any lookup: the id was never looked at.
                    assert role not in ACCESS[f"{method} {path}"], where
            sent = str(response.request.url) + response.request.content.decode(errors="replace")
            leaked = {value for value in ours if value in response.text and value not in sent}
            assert not leaked, (where, response.text)
        assert await digest(engine, admin.tenant.id) == before, (method, path)
    assert calls == len(ACCESS) * len(ROLES)
    # What the other tenant wrote meanwhile refers to nothing of this tenant's.
    for name, rows in (await rows_of(engine, other.tenant.id)).items():
        referring = [row for row in rows if any(value in row for value in ours)]
        assert not referring, (name, referring)


async def test_each_role_is_allowed_exactly_what_the_product_decides(app, rest_world):
    client, admin, _, world, _ = rest_world
    requests = bodies(world)
    home = credentials(admin.tenant.id, world["a"], world["m"])
    allowed: dict[str, frozenset[Role]] = {}
    for method, path in operations(app):
        op = f"{method} {path}"
        statuses = {}
        for role in ROLES:  # the least trusted first, so they meet the world unchanged
            response = await call(client, method, path, world, home[role], requests)
            statuses[role] = response.status_code
            where = (op, role.value, response.status_code, response.text[:300])
            assert response.status_code < 500 and response.status_code != 401, where
        deleted = method == "DELETE" and any(200 <= code < 300 for code in statuses.values())
        allowed[op] = frozenset(
            role
            for role, code in statuses.items()
            if code != 403
            and not ((op, role) in HIDDEN and code == 404)
            and not (code == 404 and not deleted and names_tenant_data(path))
        )
        answers = {statuses[role] for role in ACCESS[op]}
        if op in REFUSED:
            assert answers == {REFUSED[op]}, (op, statuses)
        else:
            assert any(200 <= code < 300 for code in answers), (op, statuses)
    wrong = {
        op: (_names(got), _names(ACCESS[op])) for op, got in allowed.items() if got != ACCESS[op]
    }
    assert not wrong, "allowed vs decided: " + repr(wrong)


def _names(roles: frozenset[Role]) -> list[str]:
    return sorted(role.value for role in roles)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def graphql_calls(w: dict[str, str]) -> dict[str, tuple[str, dict]]:
    """Each query and mutation field: the REST operation it shares a use case with (so the
    same roles must be allowed) and well-formed arguments naming the world's data."""
    definition = loop(w["cohort_id"], "0 9 2 * *")
    item = {
        "title": "Negotiation basics",
        "kind": "COURSE",
        "targets": [{"capabilityId": w["capability_id"], "fromLevel": 1, "toLevel": 2}],
    }
    requirements = [{"capabilityId": w["capability_id"], "requiredLevel": 3}]
    content = {
        "groups": [],
        "capabilities": [{"key": "k", "name": "K", "type": "SKILL", "scaleKey": "core"}],
    }
    team = {"groupBy": "TEAM", "ids": [w["m"]]}
    due = (TODAY + timedelta(days=30)).isoformat()
    return {
        "viewer": ("GET /v1/me", {}),
        "apiKeys": ("GET /v1/api-keys", {}),
        "apiKey": ("GET /v1/api-keys/{key_id}", {"id": w["key_id"]}),
        "scales": ("GET /v1/scales", {}),
        "scale": ("GET /v1/scales/{scale_id}", {"id": w["scale_id"]}),
        "frameworks": ("GET /v1/frameworks", {}),
        "framework": ("GET /v1/frameworks/{framework_id}", {"id": w["framework_id"]}),
        "frameworkDiff": (
            "GET /v1/frameworks/{framework_id}/diff",
            {"frameworkId": w["framework_id"], "old": 1, "new": 2},
        ),
        "capabilities": ("GET /v1/capabilities", {}),
        "capability": ("GET /v1/capabilities/{capability_id}", {"id": w["capability_id"]}),
        "roles": ("GET /v1/roles", {}),
        "role": ("GET /v1/roles/{role_id}", {"id": w["role_id"]}),
        "orgUnits": ("GET /v1/org-units", {}),
        "orgUnit": ("GET /v1/org-units/{unit_id}", {"id": w["unit_id"]}),
        "employees": ("GET /v1/employees", {}),
        "employee": ("GET /v1/employees/{employee_id}", {"id": w["employee_id"]}),
        "cohorts": ("GET /v1/cohorts", {}),
        "cohort": ("GET /v1/cohorts/{cohort_id}", {"id": w["cohort_id"]}),
        "assessmentPolicy": ("GET /v1/assessment-policy", {}),
        "assessments": ("GET /v1/assessments", {}),
        "assessment": ("GET /v1/assessments/{assessment_id}", {"id": w["assessment_id"]}),
        "myRatings": (
            "GET /v1/assessments/{assessment_id}/ratings",
            {"assessmentId": w["assessment_id"]},
        ),
        "gaps": ("GET /v1/gaps", team),
        "learningItems": ("GET /v1/learning-items", {}),
        "learningItem": ("GET /v1/learning-items/{item_id}", {"id": w["item_id"]}),
        "developmentPlans": ("GET /v1/development-plans", {}),
        "developmentPlan": ("GET /v1/development-plans/{plan_id}", {"id": w["plan_id"]}),
        "learningFeedback": (
            "GET /v1/development-plans/{plan_id}/items/{learning_item_id}/feedback",
            {"planId": w["plan_id"], "learningItemId": w["learning_item_id"]},
        ),
        "planPolicy": ("GET /v1/plan-policy", {}),
        "trainingNeeds": ("GET /v1/training-needs", team),
        "checkinTemplates": ("GET /v1/checkin-templates", {}),
        "checkinTemplate": (
            "GET /v1/checkin-templates/{template_id}",
            {"id": w["template_id"]},
        ),
        "checkins": ("GET /v1/checkins", {}),
        "checkin": ("GET /v1/checkins/{checkin_id}", {"id": w["checkin_id"]}),
        "goals": ("GET /v1/goals", {}),
        "goal": ("GET /v1/goals/{goal_id}", {"id": w["goal_id"]}),
        "goalAlignment": ("GET /v1/goals/{goal_id}/alignment", {"id": w["goal_id"]}),
        "recognitions": ("GET /v1/recognitions", {}),
        "capabilityMaturity": ("GET /v1/reports/capability-maturity", {}),
        "successionBench": ("GET /v1/reports/succession-bench", {}),
        "learningImpact": ("GET /v1/reports/learning-impact", {"by": "LEARNING_ITEM"}),
        "workflow": ("GET /v1/workflows/{workflow_id}", {"id": w["workflow_id"]}),
        "workflows": ("GET /v1/workflows", {}),
        "workflowRuns": (
            "GET /v1/workflows/{workflow_id}/runs",
            {"workflowId": w["workflow_id"]},
        ),
        "workflowDryRun": ("POST /v1/workflows/{workflow_id}:dry-run", {"id": w["workflow_id"]}),
        "notifications": ("GET /v1/notifications", {}),
        "webhookSubscription": (
            "GET /v1/webhook-subscriptions/{subscription_id}",
            {"id": w["subscription_id"]},
        ),
        "webhookSubscriptions": ("GET /v1/webhook-subscriptions", {}),
        "webhookDeliveries": (
            "GET /v1/webhook-subscriptions/{subscription_id}/deliveries",
            {"subscriptionId": w["subscription_id"]},
        ),
        "createApiKey": (
            "POST /v1/api-keys",
            {"input": {"name": "k", "roles": ["EMPLOYEE"], "employeeId": w["a"]}},
        ),
        "revokeApiKey": ("POST /v1/api-keys/{key_id}:revoke", {"id": w["key_id"]}),
        "createScale": ("POST /v1/scales", {"key": "s2", "input": {"name": "S", "levels": LEVELS}}),
        "updateScale": (
            "PUT /v1/scales/{scale_id}",
            {"id": w["scale_id"], "input": {"name": "S", "levels": LEVELS}},
        ),
        "createFramework": ("POST /v1/frameworks", {"key": "f2", "name": "F"}),
        "importFrameworkCsv": ("POST /v1/frameworks:import", {"key": "c", "name": "C", "csv": CSV}),
        "renameFramework": (
            "PATCH /v1/frameworks/{framework_id}",
            {"id": w["framework_id"], "name": "Renamed"},
        ),
        "replaceDraft": (
            "PUT /v1/frameworks/{framework_id}/versions/{number}",
            {"frameworkId": w["framework_id"], "number": 2, "content": content},
        ),
        "startDraft": (
            "POST /v1/frameworks/{framework_id}/versions",
            {"frameworkId": w["framework_id"]},
        ),
        "publishVersion": (
            "POST /v1/frameworks/{framework_id}/versions/{number}:publish",
            {"frameworkId": w["framework_id"], "number": 2},
        ),
        "retireVersion": (
            "POST /v1/frameworks/{framework_id}/versions/{number}:retire",
            {"frameworkId": w["framework_id"], "number": 2},
        ),
        "createRole": (
            "POST /v1/roles",
            {"key": "r2", "input": {"name": "R", "requirements": requirements}},
        ),
        "updateRole": (
            "PUT /v1/roles/{role_id}",
            {"id": w["role_id"], "input": {"name": "Seller", "requirements": requirements}},
        ),
        "deleteScale": ("DELETE /v1/scales/{scale_id}", {"id": w["scale_id"]}),
        "deleteRole": ("DELETE /v1/roles/{role_id}", {"id": w["role_id"]}),
        "createOrgUnit": (
            "POST /v1/org-units",
            {"key": "u2", "name": "U", "parentId": w["unit_id"]},
        ),
        "updateOrgUnit": ("PATCH /v1/org-units/{unit_id}", {"id": w["unit_id"], "name": "Eu"}),
        "createEmployee": (
            "POST /v1/employees",
            {"input": {"externalId": "z", "name": "Z", "managerId": w["m"]}},
        ),
        "updateEmployee": (
            "PATCH /v1/employees/{employee_id}",
            {"id": w["employee_id"], "changes": {"jobTitle": "Account executive"}},
        ),
        "upsertEmployees": (
            "POST /v1/employees:bulk",
            {"rows": [{"externalId": "a", "name": "A", "managerExternalId": "m"}]},
        ),
        "assignRoles": (
            "POST /v1/role-assignments:bulk",
            {"rows": [{"employeeId": w["a"], "roleKey": "seller"}]},
        ),
        "createCohort": ("POST /v1/cohorts", {"key": "c2", "name": "C"}),
        "updateCohort": ("PUT /v1/cohorts/{cohort_id}", {"id": w["cohort_id"], "name": "Pilot"}),
        "changeCohortMembers": (
            "POST /v1/cohorts/{cohort_id}/members",
            {"id": w["cohort_id"], "add": [w["a"]]},
        ),
        "deleteOrgUnit": ("DELETE /v1/org-units/{unit_id}", {"id": w["unit_id"]}),
        "deleteCohort": ("DELETE /v1/cohorts/{cohort_id}", {"id": w["cohort_id"]}),
        "setAssessmentPolicy": ("PUT /v1/assessment-policy", {"method": "MANAGER_DECIDES"}),
        "createAssessment": ("POST /v1/assessments", {"input": {"employeeId": w["a"]}}),
        "openAssessment": (
            "POST /v1/assessments/{assessment_id}:open",
            {"id": w["assessment_id"]},
        ),
        "cancelAssessment": (
            "POST /v1/assessments/{assessment_id}:cancel",
            {"id": w["assessment_id"]},
        ),
        "rate": (
            "PUT /v1/assessments/{assessment_id}/ratings",
            {
                "assessmentId": w["assessment_id"],
                "ratings": [{"capabilityId": w["capability_id"], "level": 2}],
            },
        ),
        "finaliseAssessment": (
            "POST /v1/assessments/{assessment_id}:finalise",
            {"id": w["assessment_id"]},
        ),
        "createLearningItem": ("POST /v1/learning-items", {"input": item}),
        "updateLearningItem": (
            "PUT /v1/learning-items/{item_id}",
            {"id": w["item_id"], "input": item},
        ),
        "rateLearning": (
            "PUT /v1/development-plans/{plan_id}/items/{learning_item_id}/feedback",
            {"planId": w["plan_id"], "learningItemId": w["learning_item_id"], "rating": 4},
        ),
        "generatePlans": ("POST /v1/development-plans:generate", {"employeeIds": [w["a"]]}),
        "activatePlan": ("POST /v1/development-plans/{plan_id}:activate", {"id": w["plan_id"]}),
        "cancelPlan": ("POST /v1/development-plans/{plan_id}:cancel", {"id": w["plan_id"]}),
        "reschedulePlan": (
            "PATCH /v1/development-plans/{plan_id}",
            {"id": w["plan_id"], "dueDate": due},
        ),
        "updatePlanItem": (
            "PATCH /v1/development-plans/{plan_id}/items/{learning_item_id}",
            {
                "planId": w["plan_id"],
                "learningItemId": w["learning_item_id"],
                "status": "IN_PROGRESS",
            },
        ),
        "reportCompletions": (
            "POST /v1/learning-completions",
            {
                "completions": [
                    {
                        "completionId": "c-1",
                        "employeeId": w["a"],
                        "learningItemId": w["item_id"],
                    }
                ]
            },
        ),
        "setPlanPolicy": ("PUT /v1/plan-policy", {"dueInDays": 60}),
        "createCheckinTemplate": (
            "POST /v1/checkin-templates",
            {"input": {"name": "Weekly", "questions": QUESTIONS}},
        ),
        "updateCheckinTemplate": (
            "PATCH /v1/checkin-templates/{template_id}",
            {"id": w["template_id"], "changes": {"name": "Monthly check-in"}},
        ),
        "logCheckin": (
            "POST /v1/checkins",
            {
                "input": {
                    "employeeId": w["a"],
                    "templateId": w["template_id"],
                    "heldOn": TODAY.isoformat(),
                    "answers": [{"key": "went_well", "employeeAnswer": "More renewals"}],
                    "goalIds": [w["goal_id"]],
                }
            },
        ),
        "createGoal": ("POST /v1/goals", {"input": {"title": "Coach", "employeeId": w["a"]}}),
        "updateGoal": (
            "PATCH /v1/goals/{goal_id}",
            {"id": w["goal_id"], "changes": {"title": "Close three renewals"}},
        ),
        "recordGoalProgress": (
            "POST /v1/goals/{goal_id}/progress",
            {"id": w["goal_id"], "value": 1},
        ),
        "recognise": (
            "POST /v1/recognitions",
            {"employeeId": w["user_id"], "message": "Thanks"},
        ),
        "defineWorkflow": (
            "POST /v1/workflows",
            {"input": {"key": "w2", "name": "W", "definition": definition}},
        ),
        "redefineWorkflow": (
            "PUT /v1/workflows/{workflow_id}",
            {"id": w["workflow_id"], "input": {"name": "Loop", "definition": definition}},
        ),
        "pauseWorkflow": ("POST /v1/workflows/{workflow_id}:pause", {"id": w["workflow_id"]}),
        "resumeWorkflow": ("POST /v1/workflows/{workflow_id}:resume", {"id": w["workflow_id"]}),
        "createWebhookSubscription": (
            "POST /v1/webhook-subscriptions",
            {"input": {"url": "https://hooks.example.com/other"}},
        ),
        "updateWebhookSubscription": (
            "PUT /v1/webhook-subscriptions/{subscription_id}",
            {
                "id": w["subscription_id"],
                "input": {"url": "https://hooks.example.com/moved", "active": True},
            },
        ),
        "rotateWebhookSecret": (
            "POST /v1/webhook-subscriptions/{subscription_id}:rotate-secret",
            {"id": w["subscription_id"]},
        ),
        "deleteWebhookSubscription": (
            "DELETE /v1/webhook-subscriptions/{subscription_id}",
            {"id": w["subscription_id"]},
        ),
    }


def graphql_fields() -> list[tuple[str, str, GraphQLField]]:
    """(operation type, name, field) of every query and mutation, destructive ones last."""
    schema = build_graphql_schema(graphql_sdl())
    found = [
        (kind, name, field)
        for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type))
        for name, field in root.fields.items()
    ]
    last = ("delete", "revoke", "retire", "cancel")
    return sorted(found, key=lambda entry: entry[1].startswith(last))


def graphql_document(kind: str, name: str, field: GraphQLField, arguments: dict) -> str:
    declared = ", ".join(f"${arg}: {field.args[arg].type}" for arg in arguments)
    passed = ", ".join(f"{arg}: ${arg}" for arg in arguments)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    return (
        f"{kind}{f'({declared})' if declared else ''} "
        f"{{ {name}{f'({passed})' if passed else ''}{selection} }}"
    )


async def graphql_call(client, kind, name, field, arguments, headers) -> tuple[str, dict]:
    """The outcome of one field: OK, or the error's code."""
    response = await client.post(
        "/graphql",
        json={"query": graphql_document(kind, name, field, arguments), "variables": arguments},
        headers=headers,
    )
    if response.status_code == 401:  # no credentials: refused before any field resolves
        return "UNAUTHENTICATED", response.json()
    assert response.status_code == 200, (name, response.status_code, response.text)
    body = response.json()
    errors = body.get("errors") or []
    code = errors[0]["extensions"]["code"] if errors else "OK"
    assert code not in {"BAD_USER_INPUT", "INTERNAL_ERROR"}, (name, body)
    return code, body


async def test_every_graphql_field_shares_a_use_case_with_a_rest_operation(graphql_world):
    calls = graphql_calls(graphql_world[3])
    assert sorted(name for _, name, _ in graphql_fields()) == sorted(calls), (
        "add the field to graphql_calls with its REST twin"
    )
    assert {op for op, _ in calls.values()} <= set(ACCESS)


async def test_graphql_fields_need_credentials_and_find_nothing_of_another_tenant(
    engine, graphql_world
):
    client, admin, other, world, stranger = graphql_world
    calls = graphql_calls(world)
    away = credentials(other.tenant.id, stranger, stranger)
    ours = {value for value in world.values() if _is_uuid(value)}
    before = await digest(engine, admin.tenant.id)
    for kind, name, field in graphql_fields():
        op, arguments = calls[name]
        code, _ = await graphql_call(client, kind, name, field, arguments, {})
        assert code == "UNAUTHENTICATED", name
        for role, headers in away.items():
            code, body = await graphql_call(client, kind, name, field, arguments, headers)
            sent = json.dumps(arguments)
            if names_tenant_data(op.split()[1]):  # what REST names in its path
                assert code in {"NOT_FOUND", "FORBIDDEN"}, (name, role.value, body)
            text = json.dumps(body)
            assert not {v for v in ours if v in text and v not in sent}, (name, body)
        assert await digest(engine, admin.tenant.id) == before, name
    for table, rows in (await rows_of(engine, other.tenant.id)).items():
        assert not [row for row in rows if any(value in row for value in ours)], table


async def test_graphql_allows_each_role_what_its_rest_twin_allows(graphql_world):
    client, admin, _, world, _ = graphql_world
    calls = graphql_calls(world)
    home = credentials(admin.tenant.id, world["a"], world["m"])
    allowed = {}
    for kind, name, field in graphql_fields():
        op, arguments = calls[name]
        codes = {}
        for role in ROLES:
            codes[role], _ = await graphql_call(client, kind, name, field, arguments, home[role])
        deleted = name.startswith("delete") and "OK" in codes.values()
        allowed[name] = frozenset(
            role
            for role, code in codes.items()
            if code != "FORBIDDEN"
            and not ((op, role) in HIDDEN and code == "NOT_FOUND")
            and not (code == "NOT_FOUND" and not deleted and names_tenant_data(op.split()[1]))
        )
        assert "UNAUTHENTICATED" not in codes.values(), (name, codes)
    decided = {name: ACCESS[op] for name, (op, _) in calls.items()}
    wrong = {
        name: (_names(got), _names(decided[name]))
        for name, got in allowed.items()
        if got != decided[name]
    }
    assert not wrong, "allowed vs decided: " + repr(wrong)
