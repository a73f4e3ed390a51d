import uuid
from datetime import UTC, datetime

import pytest

from app.domain.errors import InvalidInput
from app.domain.learning import ItemContent, LearningItem, check_prerequisites
from app.domain.plans import LearningKind, Target

NOW = datetime(2026, 11, 23, tzinfo=UTC)
TENANT = uuid.uuid4()
SQL, TALK = uuid.UUID(int=1), uuid.UUID(int=2)
LEVELS = {SQL: 5, TALK: 3}


def content(**overrides):
    fields = {"title": " SQL basics ", "kind": LearningKind.COURSE, "targets": (Target(SQL, 1, 3),)}
    return ItemContent(**(fields | overrides))


def refused(**overrides):
    with pytest.raises(InvalidInput) as error:
        LearningItem.create(TENANT, content(**overrides), max_levels=LEVELS, now=NOW)
    return [e.field for e in error.value.errors]


def test_an_item_is_created_trimmed_and_offers_what_it_develops():
    item = LearningItem.create(TENANT, content(minutes=90, cost=120.0), max_levels=LEVELS, now=NOW)
    assert item.content.title == "SQL basics"
    offer = item.as_offer()
    assert (offer.id, offer.targets, offer.minutes, offer.cost) == (
        item.id,
        (Target(SQL, 1, 3),),
        90,
        120.0,
    )


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"targets": ()}, ["targets"]),
        ({"targets": (Target(uuid.uuid4(), 1, 2),)}, ["targets.0.capability_id"]),
        ({"targets": (Target(TALK, 2, 4),)}, ["targets.0"]),
        ({"targets": (Target(SQL, 3, 3),)}, ["targets.0"]),
        ({"targets": (Target(SQL, 1, 2), Target(SQL, 2, 3))}, ["targets.1.capability_id"]),
        ({"minutes": -1, "cost": -5.0}, ["minutes", "cost"]),
        ({"url": "javascript:alert(1)"}, ["url"]),
        ({"title": "", "external_id": "x\x00"}, ["title", "external_id"]),
        ({"prerequisites": (SQL, SQL)}, ["prerequisites"]),
    ],
)
def test_bad_content_is_refused_with_every_path(overrides, fields):
    assert refused(**overrides) == fields


def test_revising_keeps_identity_and_moves_the_version():
    item = LearningItem.create(TENANT, content(), max_levels=LEVELS, now=NOW)
    revised = item.revise(content(title="SQL"), max_levels=LEVELS, now=NOW)
    assert (revised.id, revised.version, revised.content.title) == (item.id, 2, "SQL")


def test_prerequisites_must_exist_and_never_loop():
    a, b, c = (uuid.UUID(int=n) for n in (10, 11, 12))
    existing = {a: (), b: (a,)}
    check_prerequisites(c, [b], existing)
    with pytest.raises(InvalidInput) as unknown:
        check_prerequisites(c, [uuid.UUID(int=99)], existing)
    assert unknown.value.errors[0].field == "prerequisites.0"
    with pytest.raises(InvalidInput):
        check_prerequisites(a, [b], existing)  # a -> b -> a
    with pytest.raises(InvalidInput):
        check_prerequisites(c, [c], existing)
