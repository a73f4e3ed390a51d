import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import Conflict, InvalidInput
from app.domain.scales import MAX_LEVELS, MIN_LEVELS, CompetencyScale, LevelSpec

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
TENANT = uuid.uuid4()


def specs(count: int) -> list[LevelSpec]:
    return [LevelSpec(f"L{value}", f"Level {value}") for value in range(1, count + 1)]


def create(**overrides) -> CompetencyScale:
    arguments = {"key": "proficiency", "name": "Proficiency", "levels": specs(4), "now": NOW}
    return CompetencyScale.create(TENANT, **(arguments | overrides))


def revise(scale: CompetencyScale, **overrides) -> CompetencyScale:
    arguments = {
        "name": scale.name,
        "description": scale.description,
        "levels": [LevelSpec(level.code, level.label) for level in scale.levels],
        "proficient_level": scale.proficient_level,
        "levels_in_use": (),
        "now": LATER,
    }
    return scale.revise(**(arguments | overrides))


def refused_fields(call) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return [error.field for error in refused.value.errors]


def test_a_new_scale_numbers_its_levels_by_position_and_trims_the_text():
    scale = create(
        name="  Proficiency  ",
        description=" How well ",
        levels=[LevelSpec("novice", " Novice ", " new "), LevelSpec("expert", "Expert")],
        proficient_level=2,
    )
    assert [(level.value, level.code, level.label) for level in scale.levels] == [
        (1, "novice", "Novice"),
        (2, "expert", "Expert"),
    ]
    assert scale.levels[0].description == "new"
    assert (scale.name, scale.description) == ("Proficiency", "How well")
    assert scale.proficient_level == 2
    assert (scale.version, scale.created_at, scale.updated_at) == (1, NOW, NOW)
    assert scale.tenant_id == TENANT


def test_two_scales_get_different_ids():
    assert create().id != create().id


@pytest.mark.parametrize("count", [MIN_LEVELS, 3, 5, MAX_LEVELS])
def test_two_to_ten_levels_are_accepted(count):
    scale = create(levels=specs(count))
    assert scale.max_level == count


@pytest.mark.parametrize("count", [0, 1, MAX_LEVELS + 1, 20])
def test_fewer_than_two_or_more_than_ten_levels_are_refused_on_the_levels_field(count):
    assert "levels" in refused_fields(lambda: create(levels=specs(count)))


def test_a_repeated_level_code_is_refused_on_the_second_occurrence_regardless_of_case():
    levels = [LevelSpec("basic", "Basic"), LevelSpec("mid", "Mid"), LevelSpec("BASIC", "Again")]
    assert refused_fields(lambda: create(levels=levels)) == ["levels.2.code"]


def test_every_bad_level_part_is_reported_by_its_path():
    levels = [
        LevelSpec("", "Empty code"),
        LevelSpec("ok", "   "),
        LevelSpec("fine", "Fine", "bad\x00text"),
    ]
    assert refused_fields(lambda: create(levels=levels)) == [
        "levels.0.code",
        "levels.1.label",
        "levels.2.description",
    ]


def test_bad_scale_fields_and_bad_levels_are_reported_together():
    fields = refused_fields(lambda: create(key="-bad", name="", levels=specs(1)))
    assert fields == ["key", "name", "levels"]


@pytest.mark.parametrize("proficient_level", [0, -1, 5, 11])
def test_the_proficient_level_must_be_one_of_the_levels(proficient_level):
    assert refused_fields(lambda: create(proficient_level=proficient_level)) == ["proficient_level"]


@pytest.mark.parametrize("proficient_level", [None, 1, 4])
def test_the_proficient_level_is_optional_and_may_be_any_level(proficient_level):
    assert create(proficient_level=proficient_level).proficient_level == proficient_level


@given(st.integers(min_value=MIN_LEVELS, max_value=MAX_LEVELS), st.integers(-3, 14))
def test_has_level_holds_exactly_for_the_values_one_to_the_top(count, value):
    scale = create(levels=specs(count))
    assert scale.has_level(value) == (1 <= value <= count)


def test_revising_relabels_and_adds_levels_and_bumps_the_version():
    scale = create()
    revised = revise(
        scale,
        name="Mastery",
        levels=[*specs(4)[:3], LevelSpec("L4", "Master"), LevelSpec("L5", "Guru")],
        proficient_level=5,
        levels_in_use={1, 4},
    )
    assert revised.name == "Mastery"
    assert [level.label for level in revised.levels][-2:] == ["Master", "Guru"]
    assert revised.proficient_level == 5
    assert (revised.version, revised.updated_at, revised.created_at) == (2, LATER, NOW)
    assert (revised.id, revised.key, revised.tenant_id) == (scale.id, scale.key, TENANT)


def test_levels_nobody_uses_can_be_dropped():
    revised = revise(create(levels=specs(5)), levels=specs(3), levels_in_use=[1, 2, 3])
    assert revised.max_level == 3


def test_dropping_a_level_in_use_is_a_conflict_naming_every_such_level():
    scale = create(levels=specs(6))
    with pytest.raises(Conflict) as refused:
        revise(scale, levels=specs(3), levels_in_use=[6, 1, 4, 4])
    assert "4, 6" in refused.value.detail


def test_invalid_content_is_reported_before_a_level_in_use_conflict():
    scale = create(levels=specs(4))
    fields = refused_fields(lambda: revise(scale, name=" ", levels=specs(3), levels_in_use=[4]))
    assert fields == ["name"]


def test_a_revision_is_validated_like_a_new_scale():
    scale = create()
    assert refused_fields(
        lambda: revise(scale, levels=[LevelSpec("a", "A"), LevelSpec("A", "A")])
    ) == ["levels.1.code"]
    assert refused_fields(lambda: revise(scale, levels=specs(11))) == ["levels"]
    assert refused_fields(lambda: revise(scale, proficient_level=9)) == ["proficient_level"]


@given(
    st.integers(min_value=MIN_LEVELS, max_value=MAX_LEVELS),
    st.integers(min_value=MIN_LEVELS, max_value=MAX_LEVELS),
    st.sets(st.integers(min_value=1, max_value=MAX_LEVELS)),
)
def test_a_revision_succeeds_exactly_when_every_level_in_use_survives(before, after, in_use):
    scale = create(levels=specs(before), proficient_level=None)
    in_use = {value for value in in_use if value <= before}
    survives = all(value <= after for value in in_use)
    if survives:
        assert revise(scale, levels=specs(after), levels_in_use=in_use).max_level == after
    else:
        with pytest.raises(Conflict):
            revise(scale, levels=specs(after), levels_in_use=in_use)
