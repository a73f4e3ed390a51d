"""The learning impact query agrees with app.domain.impact.learning_impact, its definition, on
generated plan histories: plans completed or not, re-assessments finalised, pending or never
scheduled, levels rated or not, items completed or not, rated or not, chosen for gaps the
assessment measured or not, gaps left open."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.adapters.db.tables import (
    assessment_items,
    assessment_results,
    assessments,
    learning_feedback,
    learning_items,
    plan_items,
    plan_open_gaps,
    plans,
)
from app.domain.ids import new_id
from app.domain.impact import ClosedPlan, GapOutcome, ImpactBy, learning_impact
from app.domain.workforce import Population
from tests.integration.test_roll_ups_match_the_domain import CAPABILITIES, build, organisations

LEVELS = st.none() | st.integers(1, 5)


@st.composite
def histories(draw):
    roles, unit_parents, people = draw(organisations())
    catalogue = draw(st.integers(1, 2))
    capabilities = st.frozensets(st.integers(0, CAPABILITIES - 1), max_size=2)
    history = []
    for person in range(len(people)):
        for _ in range(draw(st.integers(0, 2))):
            history.append(
                {
                    "person": person,
                    "completed": draw(st.booleans()) or draw(st.booleans()),
                    "reassessment": draw(
                        st.sampled_from(["finalised", "finalised", "finalised", "open", None])
                    ),
                    "quarter_days": draw(st.integers(0, 800)),
                    # capability -> (required, before, after)
                    "items": draw(
                        st.dictionaries(
                            st.integers(0, CAPABILITIES - 1),
                            st.tuples(st.integers(1, 5), LEVELS, LEVELS),
                            max_size=CAPABILITIES,
                        )
                    ),
                    # learning item -> (completed, rating, capabilities it was chosen for)
                    "learning": draw(
                        st.dictionaries(
                            st.integers(0, catalogue - 1),
                            st.tuples(st.booleans(), LEVELS, capabilities),
                        )
                    ),
                    "left_open": draw(capabilities),
                }
            )
    return (roles, unit_parents, people), catalogue, history


async def write_history(engine, tenant_id, roles, ids, capability, catalogue, history):
    """Rows as the assessment and plan use cases leave them, written directly; returns the
    learning items' ids."""
    now = datetime.now(UTC)
    item_ids = [new_id() for _ in range(catalogue)]
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(learning_items),
            [
                {
                    "id": item_id,
                    "tenant_id": tenant_id,
                    "title": f"L{n}",
                    "description": "",
                    "kind": "course",
                    "minutes": 60,
                    "cost": 0.0,
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, item_id in enumerate(item_ids)
            ],
        )
        for entry in history:
            employee = ids[entry["person"]]
            created = now - timedelta(days=400)
            assessment_id = new_id()
            reassessment_id = None if entry["reassessment"] is None else new_id()
            for which, status, closed_at in (
                (assessment_id, "finalised", created),
                (
                    reassessment_id,
                    entry["reassessment"],
                    created + timedelta(days=entry["quarter_days"] / 4)
                    if entry["reassessment"] == "finalised"
                    else None,
                ),
            ):
                if which is None:
                    continue
                await conn.execute(
                    sa.insert(assessments).values(
                        id=which,
                        tenant_id=tenant_id,
                        employee_id=employee,
                        role_id=roles[0].id,
                        purpose="current_role",
                        status=status,
                        required_rater_types=["manager"],
                        version=1,
                        created_at=created,
                        closed_at=closed_at,
                    )
                )
            plan_id = new_id()
            await conn.execute(
                sa.insert(plans).values(
                    id=plan_id,
                    tenant_id=tenant_id,
                    employee_id=employee,
                    role_id=roles[0].id,
                    assessment_id=assessment_id,
                    status="completed" if entry["completed"] else "cancelled",
                    minutes=0,
                    cost=0.0,
                    due_date=created.date(),
                    reassessment_id=reassessment_id,
                    version=1,
                    created_at=created,
                    updated_at=created,
                )
            )
            levels = entry["items"]
            if levels:
                await conn.execute(
                    sa.insert(assessment_items),
                    [
                        {
                            "tenant_id": tenant_id,
                            "assessment_id": assessment_id,
                            "capability_id": capability[c],
                            "required_level": required,
                            "max_level": 5,
                            "weight": 1.0,
                            "core": False,
                            "position": position,
                        }
                        for position, (c, (required, _, _)) in enumerate(sorted(levels.items()))
                    ],
                )
            results = [
                {
                    "tenant_id": tenant_id,
                    "assessment_id": which,
                    "capability_id": capability[c],
                    "level": level,
                }
                for c, (_, before, after) in levels.items()
                for which, level in ((assessment_id, before), (reassessment_id, after))
                if which is not None and level is not None
            ]
            if results:
                await conn.execute(sa.insert(assessment_results), results)
            learning = entry["learning"]
            if learning:
                await conn.execute(
                    sa.insert(plan_items),
                    [
                        {
                            "tenant_id": tenant_id,
                            "plan_id": plan_id,
                            "learning_item_id": item_ids[n],
                            "position": position,
                            "reason": "closes_gap",
                            "capability_ids": [str(capability[c]) for c in sorted(chosen_for)],
                            "status": "completed" if done else "assigned",
                        }
                        for position, (n, (done, _, chosen_for)) in enumerate(
                            sorted(learning.items())
                        )
                    ],
                )
            rated = [
                {
                    "tenant_id": tenant_id,
                    "plan_id": plan_id,
                    "learning_item_id": item_ids[n],
                    "rating": rating,
                    "comment": "",
                    "given_at": now,
                }
                for n, (done, rating, _) in learning.items()
                if done and rating is not None
            ]
            if rated:
                await conn.execute(sa.insert(learning_feedback), rated)
            if entry["left_open"]:
                await conn.execute(
                    sa.insert(plan_open_gaps),
                    [
                        {
                            "tenant_id": tenant_id,
                            "plan_id": plan_id,
                            "capability_id": capability[c],
                            "reached_level": 1,
                            "required_level": 5,
                            "shortfall": "no_content",
                            "position": position,
                        }
                        for position, c in enumerate(sorted(entry["left_open"]))
                    ],
                )
    return item_ids


def closed_plans(people, units, capability, item_ids, history):
    """The domain's view of the same history: each plan's gaps are what its items were chosen
    for and what it left open, where its assessment measured them."""
    found = []
    for number, entry in enumerate(history):
        person = people[entry["person"]]
        if not (entry["completed"] and entry["reassessment"] == "finalised" and person["active"]):
            continue
        learning = entry["learning"]
        targeted = set(entry["left_open"]).union(*(v[2] for v in learning.values()))
        done = {n: v for n, v in learning.items() if v[0]}
        found.append(
            ClosedPlan(
                id=uuid.UUID(int=number),
                org_unit_id=None if person["unit"] is None else units[person["unit"]].id,
                days=entry["quarter_days"] / 4,
                gaps=tuple(
                    GapOutcome(capability[c], required, before, after)
                    for c, (required, before, after) in entry["items"].items()
                    if c in targeted
                ),
                completed={
                    item_ids[n]: frozenset(capability[c] for c in chosen_for)
                    for n, (_, _, chosen_for) in done.items()
                },
                ratings={item_ids[n]: r for n, (_, r, _) in done.items() if r is not None},
            )
        )
    return found


def comparable(impact):
    return (
        impact.id,
        impact.plans,
        impact.gaps,
        impact.reassessed,
        impact.closed,
        pytest.approx(impact.mean_level_change, abs=1e-6),
        pytest.approx(impact.mean_days_to_close, abs=1e-4),
        impact.ratings,
        pytest.approx(impact.mean_rating, abs=1e-6),
        impact.share_closed,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories())
async def test_the_impact_query_equals_the_domain_definition(engine, generated):
    (roles_spec, unit_parents, people), catalogue, history = generated
    uow, tenant_id, roles, units, ids, capability = await build(
        engine, roles_spec, unit_parents, people
    )
    item_ids = await write_history(engine, tenant_id, roles, ids, capability, catalogue, history)
    everyone = Population(org_unit_id=None, visible_to_manager=None)
    expected_plans = closed_plans(people, units, capability, item_ids, history)
    for by in ImpactBy:
        async with uow() as unit_of_work:
            from_sql = await unit_of_work.workforce.learning_impact(tenant_id, everyone, by, None)
        assert [comparable(i) for i in from_sql.items] == [
            comparable(i) for i in learning_impact(expected_plans, by)
        ], by
