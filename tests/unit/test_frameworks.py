import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import Conflict, InvalidInput, InvalidTransition
from app.domain.frameworks import (
    MAX_INDICATORS_PER_LEVEL,
    CapabilityChange,
    CapabilitySpec,
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
    Group,
    VersionStatus,
    current_version,
    diff,
    next_draft,
)
from app.domain.scales import CompetencyScale, LevelSpec

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
TENANT = uuid.uuid4()
FIVE_LEVELS = CompetencyScale.create(
    TENANT,
    key="five",
    name="Five levels",
    levels=[LevelSpec(f"L{value}", f"Level {value}") for value in range(1, 6)],
    now=NOW,
)
SCALES = {"five": FIVE_LEVELS}


def capability(key: str = "python", **overrides) -> CapabilitySpec:
    arguments = {
        "key": key,
        "name": "Writes maintainable Python",
        "type": CapabilityType.SKILL,
        "scale_key": "five",
    }
    return CapabilitySpec(**(arguments | overrides))


def refused_fields(content: FrameworkContent) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        content.validated(SCALES)
    return [error.field for error in refused.value.errors]


def framework() -> Framework:
    return Framework.create(TENANT, key="engineering", name="Engineering", description="", now=NOW)


def published(number: int = 1) -> FrameworkVersion:
    draft = replace(FrameworkVersion.first_draft(framework(), NOW), number=number)
    return draft.publish(NOW, FrameworkContent(capabilities=(capability(),)))


# Content validation


def test_valid_content_comes_back_with_names_and_indicators_trimmed():
    content = FrameworkContent(
        groups=(Group("eng", "  Engineering  "), Group("backend", "Backend", parent_key="eng")),
        capabilities=(
            capability(
                name="  Writes maintainable Python ",
                group_key="backend",
                indicators={3: (" Reviews code ", "   ", "Mentors")},
            ),
        ),
    )
    checked = content.validated(SCALES)
    assert checked.groups[0].name == "Engineering"
    assert checked.capabilities[0].name == "Writes maintainable Python"
    assert checked.capabilities[0].indicators == {3: ("Reviews code", "Mentors")}


def test_empty_content_is_valid():
    assert FrameworkContent().validated(SCALES) == FrameworkContent()


def test_bad_group_fields_are_reported_by_index():
    content = FrameworkContent(groups=(Group("ok", "Ok"), Group("", " ", "bad\x01")))
    assert refused_fields(content) == ["groups.1.key", "groups.1.name", "groups.1.description"]


def test_a_repeated_group_key_is_refused_on_the_second_occurrence():
    content = FrameworkContent(groups=(Group("a", "A"), Group("b", "B"), Group("a", "Again")))
    assert refused_fields(content) == ["groups.2.key"]


def test_a_group_under_an_unknown_parent_is_refused():
    content = FrameworkContent(groups=(Group("a", "A", parent_key="ghost"),))
    assert refused_fields(content) == ["groups.0.parent_key"]


def test_a_group_cannot_be_its_own_parent():
    content = FrameworkContent(groups=(Group("a", "A", parent_key="a"),))
    assert refused_fields(content) == ["groups.0.parent_key"]


def test_every_group_on_a_cycle_is_reported():
    content = FrameworkContent(
        groups=(
            Group("root", "Root"),
            Group("a", "A", parent_key="c"),
            Group("b", "B", parent_key="a"),
            Group("c", "C", parent_key="b"),
        )
    )
    assert refused_fields(content) == [
        "groups.1.parent_key",
        "groups.2.parent_key",
        "groups.3.parent_key",
    ]


def test_a_deep_chain_of_groups_is_not_a_cycle():
    groups = [Group("g0", "G0")] + [
        Group(f"g{i}", f"G{i}", parent_key=f"g{i - 1}") for i in range(1, 50)
    ]
    assert len(FrameworkContent(groups=tuple(groups)).validated(SCALES).groups) == 50


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=1, max_size=6))
def test_a_group_tree_is_accepted_exactly_when_following_parents_never_repeats(parents):
    groups = tuple(
        Group(f"g{i}", f"G{i}", parent_key=None if p is None or p >= len(parents) else f"g{p}")
        for i, p in enumerate(parents)
    )
    by_key = {g.key: g.parent_key for g in groups}

    def reaches_a_cycle(key: str) -> bool:
        seen = set()
        while key is not None:
            if key in seen:
                return True
            seen.add(key)
            key = by_key[key]
        return False

    has_cycle = any(reaches_a_cycle(g.key) for g in groups)
    content = FrameworkContent(groups=groups)
    if has_cycle:
        assert refused_fields(content)
    else:
        assert content.validated(SCALES).groups == groups


def test_bad_capability_fields_are_reported_by_index():
    content = FrameworkContent(
        capabilities=(
            capability("ok"),
            capability("bad key!", name="", description="x\x07", group_key="nowhere"),
        )
    )
    assert refused_fields(content) == [
        "capabilities.1.key",
        "capabilities.1.name",
        "capabilities.1.description",
        "capabilities.1.group_key",
    ]


def test_a_capability_on_an_unknown_scale_is_refused():
    content = FrameworkContent(capabilities=(capability(scale_key="seven"),))
    assert refused_fields(content) == ["capabilities.0.scale_key"]


def test_a_repeated_capability_key_is_refused_on_the_second_occurrence():
    content = FrameworkContent(capabilities=(capability("a"), capability("b"), capability("a")))
    assert refused_fields(content) == ["capabilities.2.key"]


@pytest.mark.parametrize("level", [0, 6, -1])
def test_indicators_for_a_level_the_scale_lacks_are_refused_at_that_level(level):
    content = FrameworkContent(capabilities=(capability(indicators={1: ("ok",), level: ("x",)}),))
    assert refused_fields(content) == [f"capabilities.0.indicators.{level}"]


def test_at_most_twenty_indicators_per_level():
    accepted = FrameworkContent(
        capabilities=(capability(indicators={2: ("x",) * MAX_INDICATORS_PER_LEVEL}),)
    )
    assert accepted.validated(SCALES)
    refused = FrameworkContent(
        capabilities=(capability(indicators={2: ("x",) * (MAX_INDICATORS_PER_LEVEL + 1)}),)
    )
    assert refused_fields(refused) == ["capabilities.0.indicators.2"]


def test_an_indicator_with_control_characters_is_refused_at_its_level():
    content = FrameworkContent(capabilities=(capability(indicators={4: ("fine", "bad\x00")}),))
    assert refused_fields(content) == ["capabilities.0.indicators.4"]


def test_group_and_capability_problems_are_reported_together():
    content = FrameworkContent(
        groups=(Group("a", "A", parent_key="a"),),
        capabilities=(capability(scale_key="none"),),
    )
    assert refused_fields(content) == ["groups.0.parent_key", "capabilities.0.scale_key"]


# Framework


def test_a_framework_is_created_at_version_one_and_renaming_bumps_the_version():
    created = framework()
    assert (created.key, created.name, created.version) == ("engineering", "Engineering", 1)
    renamed = created.rename(name=" Eng ", description="All of it", now=LATER)
    assert (renamed.name, renamed.description, renamed.version) == ("Eng", "All of it", 2)
    assert (renamed.id, renamed.created_at, renamed.updated_at) == (created.id, NOW, LATER)


def test_a_framework_with_bad_fields_is_refused_on_each():
    with pytest.raises(InvalidInput) as refused:
        Framework.create(TENANT, key="", name="", description="\x00", now=NOW)
    assert [e.field for e in refused.value.errors] == ["key", "name", "description"]
    with pytest.raises(InvalidInput) as refused:
        framework().rename(name="x" * 201, description="", now=NOW)
    assert [e.field for e in refused.value.errors] == ["name"]


# Version lifecycle


def test_the_first_draft_is_version_one_of_its_framework():
    owner = framework()
    draft = FrameworkVersion.first_draft(owner, NOW)
    assert (draft.framework_id, draft.tenant_id) == (owner.id, TENANT)
    assert (draft.number, draft.status, draft.revision) == (1, VersionStatus.DRAFT, 1)
    assert draft.published_at is None and draft.retired_at is None


def test_editing_a_draft_bumps_its_revision_only():
    draft = FrameworkVersion.first_draft(framework(), NOW)
    edited = draft.edited()
    assert edited.revision == 2
    assert edited == replace(draft, revision=2)


def test_publishing_a_draft_freezes_it_with_the_time():
    draft = FrameworkVersion.first_draft(framework(), NOW)
    version = draft.publish(LATER, FrameworkContent(capabilities=(capability(),)))
    assert (version.status, version.published_at, version.revision) == (
        VersionStatus.PUBLISHED,
        LATER,
        2,
    )


def test_a_draft_without_capabilities_cannot_be_published():
    draft = FrameworkVersion.first_draft(framework(), NOW)
    with pytest.raises(InvalidTransition):
        draft.publish(NOW, FrameworkContent(groups=(Group("a", "A"),)))


def test_published_and_retired_versions_cannot_be_edited_or_published_again():
    version = published()
    retired = version.retire(LATER)
    content = FrameworkContent(capabilities=(capability(),))
    for frozen in (version, retired):
        with pytest.raises(InvalidTransition):
            frozen.edited()
        with pytest.raises(InvalidTransition):
            frozen.publish(LATER, content)


def test_only_a_published_version_can_be_retired():
    retired = published().retire(LATER)
    assert (retired.status, retired.retired_at, retired.revision) == (
        VersionStatus.RETIRED,
        LATER,
        3,
    )
    with pytest.raises(InvalidTransition):
        retired.retire(LATER)
    with pytest.raises(InvalidTransition):
        FrameworkVersion.first_draft(framework(), NOW).retire(LATER)


def test_a_lifecycle_error_is_also_a_conflict():
    with pytest.raises(Conflict):
        published().edited()


def test_the_next_draft_is_numbered_after_the_latest_version():
    owner = framework()
    versions = [published(1).retire(LATER), published(3), published(2).retire(LATER)]
    draft = next_draft(owner, versions, LATER)
    assert (draft.number, draft.status, draft.revision) == (4, VersionStatus.DRAFT, 1)
    assert (draft.framework_id, draft.created_at) == (owner.id, LATER)


def test_the_next_draft_of_a_framework_without_versions_is_number_one():
    assert next_draft(framework(), [], NOW).number == 1


def test_a_second_draft_is_a_conflict():
    owner = framework()
    with pytest.raises(Conflict):
        next_draft(owner, [published(1), FrameworkVersion.first_draft(owner, NOW)], LATER)


def test_the_current_version_is_the_published_one():
    live = published(2)
    assert current_version([published(1).retire(NOW), live]) == live
    assert current_version([FrameworkVersion.first_draft(framework(), NOW)]) is None
    assert current_version([]) is None


# Diff


def test_diff_of_identical_content_is_empty_whatever_the_order():
    first = FrameworkContent(
        groups=(Group("a", "A"), Group("b", "B")), capabilities=(capability("x"), capability("y"))
    )
    second = FrameworkContent(
        groups=(Group("b", "B"), Group("a", "A")), capabilities=(capability("y"), capability("x"))
    )
    assert diff(first, second).empty


def test_diff_lists_added_removed_and_changed_capabilities_by_key():
    old = FrameworkContent(capabilities=(capability("keep"), capability("drop"), capability("c")))
    new = FrameworkContent(
        capabilities=(
            capability("keep"),
            capability("c", name="Renamed", type=CapabilityType.TOOL, indicators={1: ("x",)}),
            capability("new"),
        )
    )
    result = diff(old, new)
    assert result.added_capabilities == ("new",)
    assert result.removed_capabilities == ("drop",)
    assert result.changed_capabilities == (CapabilityChange("c", ("name", "type", "indicators")),)
    assert not result.empty


def test_diff_lists_added_removed_and_changed_groups_by_key():
    old = FrameworkContent(groups=(Group("a", "A"), Group("b", "B"), Group("c", "C")))
    new = FrameworkContent(
        groups=(Group("a", "A"), Group("c", "C", parent_key="a"), Group("d", "D"))
    )
    result = diff(old, new)
    assert (result.added_groups, result.removed_groups, result.changed_groups) == (
        ("d",),
        ("b",),
        ("c",),
    )
    assert not result.empty


def test_diff_ignores_empty_indicator_levels_and_list_versus_tuple():
    old = capability(indicators={1: ("a",), 2: ()})
    new = capability(indicators={1: ["a"]})
    assert diff(FrameworkContent(capabilities=(old,)), FrameworkContent(capabilities=(new,))).empty


def test_diff_sees_a_moved_capability_and_a_changed_scale():
    old = FrameworkContent(capabilities=(capability(group_key="a", scale_key="five"),))
    new = FrameworkContent(capabilities=(capability(group_key="b", scale_key="three"),))
    assert diff(old, new).changed_capabilities == (
        CapabilityChange("python", ("scale_key", "group_key")),
    )


@settings(max_examples=50)
@given(
    st.sets(st.sampled_from("abcdefgh")),
    st.sets(st.sampled_from("abcdefgh")),
)
def test_diff_adds_and_removes_exactly_the_set_differences(old_keys, new_keys):
    old = FrameworkContent(capabilities=tuple(capability(k) for k in old_keys))
    new = FrameworkContent(capabilities=tuple(capability(k) for k in new_keys))
    result = diff(old, new)
    assert set(result.added_capabilities) == new_keys - old_keys
    assert set(result.removed_capabilities) == old_keys - new_keys
    assert result.changed_capabilities == ()
    assert list(result.added_capabilities) == sorted(result.added_capabilities)
    assert result.empty == (old_keys == new_keys)
