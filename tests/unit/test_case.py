"""CASE packages: what a framework exports imports back to the same content, keys and record;
how items, rubrics and associations map."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.api.case import CFPackage
from app.domain.case import (
    CasePackage,
    Identities,
    export_package,
    plan_import,
)
from app.domain.errors import InvalidInput
from app.domain.frameworks import (
    CapabilitySpec,
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
    Group,
    diff,
)
from app.domain.scales import CompetencyScale, LevelSpec

NOW = datetime(2026, 12, 4, tzinfo=UTC)
TENANT = uuid.uuid4()
SCALES = [
    CompetencyScale.create(
        TENANT,
        key=f"scale-{size}",
        name=f"{size} levels",
        levels=[LevelSpec(f"l{value}", f"Step {value} of {size}") for value in range(1, size + 1)],
        now=NOW,
    )
    for size in (3, 4)
]
FRAMEWORK = Framework.create(TENANT, key="fw", name="Framework", description="", now=NOW)
VERSION = FrameworkVersion.first_draft(FRAMEWORK, NOW)

keys = st.text("abcxyz019.-", min_size=1, max_size=8).map(lambda k: "k" + k)
words = st.text("abc XYZ éü日🙂,\"'", min_size=1, max_size=30).map(str.strip).filter(bool)
descriptions = st.one_of(st.just(""), words.map(lambda w: f"{w} — in more words"))


@st.composite
def contents(draw) -> FrameworkContent:
    group_keys = draw(st.lists(keys, unique=True, max_size=5))
    groups = []
    for index, key in enumerate(group_keys):
        parent = draw(st.one_of(st.none(), st.sampled_from(group_keys[:index]))) if index else None
        groups.append(Group(key, draw(words), draw(descriptions), parent))
    capabilities = []
    for key in draw(st.lists(keys, unique=True, min_size=1, max_size=8)):
        scale = draw(st.sampled_from(SCALES))
        levels = draw(st.lists(st.integers(1, scale.max_level), unique=True, max_size=3))
        capabilities.append(
            CapabilitySpec(
                key=key,
                name=draw(words),
                type=draw(st.sampled_from(list(CapabilityType))),
                scale_key=scale.key,
                description=draw(descriptions),
                group_key=draw(st.one_of(st.none(), st.sampled_from(group_keys)))
                if group_keys
                else None,
                indicators={
                    level: tuple(draw(st.lists(words, min_size=1, max_size=2))) for level in levels
                },
            )
        )
    return FrameworkContent(tuple(groups), tuple(capabilities))


def read(package: dict) -> CasePackage:
    """The package as the REST adapter reads it."""
    return CFPackage.model_validate(package).to_domain()


def imported(package: dict, identities: Identities, previous: FrameworkContent, **options):
    return plan_import(
        read(package),
        identities=identities,
        previous=previous,
        scales=SCALES,
        default_type=options.get("default_type", CapabilityType.SKILL),
        default_scale_key=options.get("default_scale_key"),
        tenant_id=TENANT,
        now=NOW,
    )


def by_key(content: FrameworkContent) -> tuple[dict, dict]:
    return {g.key: g for g in content.groups}, {c.key: c for c in content.capabilities}


@settings(max_examples=150, deadline=None)
@given(contents())
def test_an_export_imports_back_unchanged_and_then_exactly(content):
    scales = {s.key: s for s in SCALES}
    native = Identities(FRAMEWORK.id, None)
    first = imported(export_package(FRAMEWORK, VERSION, content, scales, None), native, content)
    # A framework made in Tandem comes back with the same keys and content; only the order of
    # siblings may follow the tree.
    assert diff(content, first.content).empty
    assert by_key(first.content) == by_key(content)
    assert first.new_scales == ()
    # From then on the round trip is exact: content, order, record and the package itself.
    kept = Identities(FRAMEWORK.id, first.record)
    exported = export_package(FRAMEWORK, VERSION, first.content, scales, first.record)
    second = imported(exported, kept, first.content)
    assert second.content == first.content
    assert second.record == first.record
    again = export_package(FRAMEWORK, VERSION, second.content, scales, second.record)
    assert again == exported


def item(identifier: str, statement: str, **fields) -> dict:
    return {
        "identifier": identifier,
        "uri": f"https://x.test/{identifier}",
        "fullStatement": statement,
        **fields,
    }


def document(**fields) -> dict:
    return {"identifier": "doc", "uri": "https://x.test/doc", "title": "Doc", **fields}


def child_of(child: str, parent: str, sequence: int | None = None) -> dict:
    association = {
        "identifier": f"{child}-in-{parent}",
        "uri": f"https://x.test/a/{child}/{parent}",
        "associationType": "isChildOf",
        "originNodeURI": {"identifier": child, "uri": f"https://x.test/{child}"},
        "destinationNodeURI": {"identifier": parent, "uri": f"https://x.test/{parent}"},
    }
    return association | ({"sequenceNumber": sequence} if sequence is not None else {})


NEW = Identities(None, None)


def test_siblings_follow_sequence_numbers_and_items_keep_their_first_parent():
    package = {
        "CFDocument": document(),
        "CFItems": [
            item("g1", "Group one"),
            item("g2", "Group two"),
            item("c", "Third", humanCodingScheme="C"),
            item("a", "First", humanCodingScheme="not a key!"),
            item("b", "Second", CFItemType="behavior"),
        ],
        "CFAssociations": [
            child_of("c", "g1", 3),
            child_of("a", "g1", 1),
            child_of("b", "g1", 2),
            child_of("b", "g2"),
            child_of("g2", "elsewhere"),
            child_of("g1", "doc", 2),
            child_of("x", "g1"),
        ],
    }
    plan = imported(package, NEW, FrameworkContent(), default_scale_key="scale-3")
    assert [g.key for g in plan.content.groups] == ["g1"]  # g2 has no children of its own
    assert [(c.key, c.group_key) for c in plan.content.capabilities] == [
        ("a", "g1"),
        ("b", "g1"),
        ("C", "g1"),
        ("g2", None),
    ]
    assert plan.content.capabilities[1].type is CapabilityType.BEHAVIOUR
    assert len(plan.record.associations) == 3  # b's second parent, g2's outside one, x's
    assert any("more than one parent" in note for note in plan.notes)
    assert any("outside this package" in note for note in plan.notes)


def test_a_long_statement_becomes_a_shortened_name_and_the_whole_description():
    statement = "Explains " + "very " * 60 + "clearly"
    package = {"CFDocument": document(), "CFItems": [item("a", statement)]}
    [spec] = imported(
        package, NEW, FrameworkContent(), default_scale_key="scale-3"
    ).content.capabilities
    assert len(spec.name) <= 200 and spec.name.endswith("very…")
    assert spec.description == statement


def test_rubric_levels_order_by_position_and_make_a_scale_once():
    def criterion(item_id: str, levels: list[tuple[str, int]]) -> dict:
        return {
            "CFItemURI": {"identifier": item_id, "uri": "u"},
            "CFRubricCriterionLevels": [
                {"quality": quality, "position": position, "feedback": f"{quality} feedback"}
                for quality, position in levels
            ],
        }

    levels = [("High", 3), ("Low", 1), ("Mid", 2)]
    package = {
        "CFDocument": document(),
        "CFItems": [item("a", "A"), item("b", "B"), item("c", "C")],
        "CFRubrics": [
            {
                "identifier": "r",
                "uri": "u",
                "title": "Rubric: Levels!",
                "CFRubricCriteria": [
                    criterion("a", levels),
                    criterion("b", levels),
                    criterion("c", [(f"Step {v} of 3", v) for v in (1, 2, 3)]),
                ],
            }
        ],
    }
    plan = imported(package, NEW, FrameworkContent())
    [scale] = plan.new_scales
    assert scale.key == "rubric-levels"
    assert [(level.code, level.label) for level in scale.levels] == [
        ("low", "Low"),
        ("mid", "Mid"),
        ("high", "High"),
    ]
    a, b, c = plan.content.capabilities
    assert a.scale_key == b.scale_key == "rubric-levels"
    assert a.indicators == {1: ("Low feedback",), 2: ("Mid feedback",), 3: ("High feedback",)}
    assert c.scale_key == "scale-3"  # a tenant scale with the same labels


def test_new_items_are_keyed_by_code_then_identifier_and_keep_their_keys():
    package = {
        "CFDocument": document(),
        "CFItems": [
            item("id-1", "One", humanCodingScheme="X"),
            item("id-2", "Two", humanCodingScheme="X"),
            item("not a valid key", "Three"),
        ],
    }
    plan = imported(package, NEW, FrameworkContent(), default_scale_key="scale-3")
    keys = [c.key for c in plan.content.capabilities]
    assert keys[:2] == ["X", "id-2"]
    assert keys[2] == str(uuid.uuid5(uuid.NAMESPACE_URL, "not a valid key"))
    # Re-imported with other codes, the items keep their keys.
    for entry in package["CFItems"]:
        entry["humanCodingScheme"] = "Y"
    again = imported(
        package, Identities(FRAMEWORK.id, plan.record), plan.content, default_scale_key="scale-3"
    )
    assert [c.key for c in again.content.capabilities] == keys


def test_a_cycle_of_groups_is_reported_on_the_items():
    package = {
        "CFDocument": document(),
        "CFItems": [item("g1", "G1"), item("g2", "G2"), item("c", "C")],
        "CFAssociations": [child_of("g1", "g2"), child_of("g2", "g1"), child_of("c", "g1")],
    }
    with pytest.raises(InvalidInput) as raised:
        imported(package, NEW, FrameworkContent(), default_scale_key="scale-3")
    assert {e.field for e in raised.value.errors} <= {"CFItems.0", "CFItems.1"}
    assert raised.value.errors


def test_an_item_that_names_itself_as_parent_is_refused():
    package = {
        "CFDocument": document(),
        "CFItems": [item("a", "A")],
        "CFAssociations": [child_of("a", "a")],
    }
    with pytest.raises(InvalidInput) as raised:
        imported(package, NEW, FrameworkContent(), default_scale_key="scale-3")
    assert [e.field for e in raised.value.errors] == ["CFAssociations.0.destinationNodeURI"]


def test_an_imported_tree_exports_in_its_own_order():
    # P holds a capability, then a group with one of its own, then another capability, then
    # an empty group: the export's sequence numbers must bring back that interleaving.
    package = {
        "CFDocument": document(),
        "CFItems": [
            item("p", "P"),
            item("c", "C"),
            item("g", "G"),
            item("b", "B"),
            item("a", "A"),
            item("e", "E", CFItemType="Group"),
        ],
        "CFAssociations": [
            child_of("p", "doc", 1),
            child_of("e", "p", 4),
            child_of("c", "p", 3),
            child_of("g", "p", 2),
            child_of("a", "p", 1),
            child_of("b", "g", 1),
        ],
    }
    first = imported(package, NEW, FrameworkContent(), default_scale_key="scale-3")
    assert [c.key for c in first.content.capabilities] == ["a", "b", "c"]
    assert [g.key for g in first.content.groups] == ["p", "g", "e"]
    scales = {s.key: s for s in SCALES}
    exported = export_package(FRAMEWORK, VERSION, first.content, scales, first.record)
    again = imported(exported, Identities(FRAMEWORK.id, first.record), first.content)
    assert again.content == first.content
