import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.cohorts import MAX_ALTERNATIVES, Cohort, CohortKind, CohortRule, MemberFacts
from app.domain.errors import InvalidInput
from app.domain.people import EmployeeStatus

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
TENANT = uuid.uuid4()

# company > engineering > platform, and company > sales
COMPANY, ENGINEERING, PLATFORM, SALES = (uuid.uuid4() for _ in range(4))
UNITS_BELOW = {
    COMPANY: {COMPANY, ENGINEERING, PLATFORM, SALES},
    ENGINEERING: {ENGINEERING, PLATFORM},
    PLATFORM: {PLATFORM},
    SALES: {SALES},
}
ENGINEER_ROLE, SELLER_ROLE = uuid.uuid4(), uuid.uuid4()
CEO, CTO, LEAD = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

ENGINEER = MemberFacts(
    employee_id=uuid.uuid4(),
    status=EmployeeStatus.ACTIVE,
    org_unit_id=PLATFORM,
    job_level="L3",
    location="Lyon",
    current_role_id=ENGINEER_ROLE,
    managers_above=(LEAD, CTO, CEO),
)


def refused_fields(call) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return [error.field for error in refused.value.errors]


def create(rule: CohortRule | None, **overrides) -> Cohort:
    arguments = {"key": "lyon", "name": "Lyon office", "description": "", "rule": rule, "now": NOW}
    return Cohort.create(TENANT, **(arguments | overrides))


# Rule validation


def test_a_rule_without_any_criterion_is_refused_on_the_rule():
    assert [e.field for e in CohortRule().problems()] == ["rule"]


@pytest.mark.parametrize(
    "criterion", ["org_unit_ids", "job_levels", "locations", "role_ids", "manager_ids"]
)
def test_any_single_criterion_makes_a_valid_rule(criterion):
    value = "x" if criterion in ("job_levels", "locations") else uuid.uuid4()
    assert CohortRule(**{criterion: (value,)}).problems() == []


@pytest.mark.parametrize("criterion", ["org_unit_ids", "locations", "manager_ids"])
def test_a_criterion_has_at_most_a_hundred_alternatives(criterion):
    at_limit = CohortRule(**{criterion: tuple(str(n) for n in range(MAX_ALTERNATIVES))})
    assert at_limit.problems() == []
    too_many = CohortRule(**{criterion: tuple(str(n) for n in range(MAX_ALTERNATIVES + 1))})
    assert [e.field for e in too_many.problems()] == [f"rule.{criterion}"]


# Rule semantics


def test_an_active_employee_matching_every_criterion_is_a_member():
    rule = CohortRule(
        org_unit_ids=(ENGINEERING,),
        job_levels=("L3",),
        locations=("Lyon",),
        role_ids=(ENGINEER_ROLE,),
        manager_ids=(CTO,),
    )
    assert rule.matches(ENGINEER, UNITS_BELOW)


@pytest.mark.parametrize(
    "criterion",
    [
        CohortRule(org_unit_ids=(SALES,)),
        CohortRule(job_levels=("L4",)),
        CohortRule(locations=("Paris",)),
        CohortRule(role_ids=(SELLER_ROLE,)),
        CohortRule(manager_ids=(uuid.uuid4(),)),
    ],
)
def test_failing_any_one_criterion_excludes_the_employee(criterion):
    everything_else = CohortRule(
        org_unit_ids=(COMPANY,),
        job_levels=("L3",),
        locations=("Lyon",),
        role_ids=(ENGINEER_ROLE,),
        manager_ids=(CEO,),
    )
    failing = {name: value for name, value in vars(criterion).items() if value}
    assert everything_else.matches(ENGINEER, UNITS_BELOW)
    assert not replace(everything_else, **failing).matches(ENGINEER, UNITS_BELOW)


def test_alternatives_within_a_criterion_are_alternatives():
    assert CohortRule(locations=("Paris", "Lyon")).matches(ENGINEER, UNITS_BELOW)
    assert CohortRule(job_levels=("L1", "L3")).matches(ENGINEER, UNITS_BELOW)
    assert CohortRule(org_unit_ids=(SALES, PLATFORM)).matches(ENGINEER, UNITS_BELOW)
    assert not CohortRule(locations=("Paris", "Berlin")).matches(ENGINEER, UNITS_BELOW)


@pytest.mark.parametrize("unit", [COMPANY, ENGINEERING, PLATFORM])
def test_an_org_unit_criterion_includes_everyone_in_the_units_below(unit):
    assert CohortRule(org_unit_ids=(unit,)).matches(ENGINEER, UNITS_BELOW)


def test_an_org_unit_criterion_does_not_include_units_above_or_beside():
    in_engineering = replace(ENGINEER, org_unit_id=ENGINEERING)
    assert not CohortRule(org_unit_ids=(PLATFORM,)).matches(in_engineering, UNITS_BELOW)
    assert not CohortRule(org_unit_ids=(SALES,)).matches(in_engineering, UNITS_BELOW)


def test_a_unit_missing_from_units_below_still_contains_its_own_members():
    lonely = uuid.uuid4()
    member = replace(ENGINEER, org_unit_id=lonely)
    assert CohortRule(org_unit_ids=(lonely,)).matches(member, {})
    assert not CohortRule(org_unit_ids=(uuid.uuid4(),)).matches(member, {})


def test_an_employee_without_the_attribute_does_not_match_a_criterion_on_it():
    bare = replace(ENGINEER, org_unit_id=None, job_level=None, location=None, current_role_id=None)
    for rule in (
        CohortRule(org_unit_ids=(COMPANY,)),
        CohortRule(job_levels=("L3",)),
        CohortRule(locations=("Lyon",)),
        CohortRule(role_ids=(ENGINEER_ROLE,)),
    ):
        assert not rule.matches(bare, UNITS_BELOW)


@pytest.mark.parametrize("manager", [LEAD, CTO, CEO])
def test_a_manager_criterion_includes_direct_and_indirect_reports(manager):
    assert CohortRule(manager_ids=(manager,)).matches(ENGINEER, UNITS_BELOW)


def test_a_manager_is_not_in_their_own_manager_cohort():
    the_cto = replace(ENGINEER, employee_id=CTO, managers_above=(CEO,))
    assert not CohortRule(manager_ids=(CTO,)).matches(the_cto, UNITS_BELOW)


def test_an_inactive_employee_is_never_a_member():
    gone = replace(ENGINEER, status=EmployeeStatus.INACTIVE)
    assert not CohortRule(locations=("Lyon",)).matches(gone, UNITS_BELOW)
    assert not CohortRule(org_unit_ids=(COMPANY,)).matches(gone, UNITS_BELOW)


# A reference written independently: climb the parent links instead of using units_below.

UNIT_POOL = [uuid.UUID(int=n) for n in range(1, 7)]
ROLE_POOL = [uuid.UUID(int=n) for n in range(100, 103)]
PERSON_POOL = [uuid.UUID(int=n) for n in range(200, 205)]


@st.composite
def org_trees(draw) -> dict[uuid.UUID, uuid.UUID | None]:
    parents: dict[uuid.UUID, uuid.UUID | None] = {}
    for index, unit in enumerate(UNIT_POOL):
        parent = draw(st.one_of(st.none(), st.integers(0, index - 1))) if index else None
        parents[unit] = None if parent is None else UNIT_POOL[parent]
    return parents


def units_below_from(parents: dict[uuid.UUID, uuid.UUID | None]) -> dict[uuid.UUID, set]:
    below: dict[uuid.UUID, set] = {unit: set() for unit in parents}
    for unit in parents:
        node: uuid.UUID | None = unit
        while node is not None:
            below[node].add(unit)
            node = parents[node]
    return below


def alternatives(pool):
    return st.lists(st.sampled_from(pool), max_size=3, unique=True).map(tuple)


rules = st.builds(
    CohortRule,
    org_unit_ids=alternatives(UNIT_POOL),
    job_levels=alternatives(["L1", "L2", "L3"]),
    locations=alternatives(["Lyon", "Oslo"]),
    role_ids=alternatives(ROLE_POOL),
    manager_ids=alternatives(PERSON_POOL),
)
members = st.builds(
    MemberFacts,
    employee_id=st.just(uuid.UUID(int=999)),
    status=st.sampled_from(EmployeeStatus),
    org_unit_id=st.one_of(st.none(), st.sampled_from(UNIT_POOL)),
    job_level=st.one_of(st.none(), st.sampled_from(["L1", "L2", "L3"])),
    location=st.one_of(st.none(), st.sampled_from(["Lyon", "Oslo"])),
    current_role_id=st.one_of(st.none(), st.sampled_from(ROLE_POOL)),
    managers_above=st.frozensets(st.sampled_from(PERSON_POOL), max_size=3),
)


def reference_match(rule: CohortRule, member: MemberFacts, parents) -> bool:
    def in_or_under(unit: uuid.UUID) -> bool:
        node = member.org_unit_id
        while node is not None:
            if node == unit:
                return True
            node = parents[node]
        return False

    checks = [
        not rule.org_unit_ids or any(in_or_under(unit) for unit in rule.org_unit_ids),
        not rule.job_levels or member.job_level in rule.job_levels,
        not rule.locations or member.location in rule.locations,
        not rule.role_ids or member.current_role_id in rule.role_ids,
        not rule.manager_ids or bool(set(rule.manager_ids) & set(member.managers_above)),
    ]
    return member.status == EmployeeStatus.ACTIVE and all(checks)


@settings(max_examples=150)
@given(org_trees(), rules, members)
def test_matching_agrees_with_a_reference_that_climbs_the_org_tree(parents, rule, member):
    below = units_below_from(parents)
    assert rule.matches(member, below) == reference_match(rule, member, parents)


@settings(max_examples=80)
@given(org_trees(), rules, members)
def test_a_rule_is_the_and_of_its_criteria_taken_one_at_a_time(parents, rule, member):
    below = units_below_from(parents)
    singles = [CohortRule(**{name: value}) for name, value in vars(rule).items() if value]
    expected = member.status is EmployeeStatus.ACTIVE and all(
        single.matches(member, below) for single in singles
    )
    assert rule.matches(member, below) == expected


# Cohort


def test_a_cohort_without_a_rule_is_static_and_with_one_is_a_rule_cohort():
    static = create(None, name="  Pilot group ", description=" first wave ")
    assert (static.kind, static.rule, static.name, static.description) == (
        CohortKind.STATIC,
        None,
        "Pilot group",
        "first wave",
    )
    rule = CohortRule(locations=("Lyon",))
    by_rule = create(rule)
    assert (by_rule.kind, by_rule.rule, by_rule.version) == (CohortKind.RULE, rule, 1)


def test_a_cohort_reports_its_own_fields_and_its_rules_problems_together():
    too_many = CohortRule(locations=tuple(str(n) for n in range(MAX_ALTERNATIVES + 1)))
    assert refused_fields(lambda: create(too_many, key="", name="")) == [
        "key",
        "name",
        "rule.locations",
    ]
    assert refused_fields(lambda: create(CohortRule())) == ["rule"]


def test_revising_a_rule_cohort_replaces_its_rule():
    cohort = create(CohortRule(locations=("Lyon",)))
    new_rule = CohortRule(locations=("Oslo",), job_levels=("L2",))
    revised = cohort.revise(name="Nordics", description="", rule=new_rule, now=LATER)
    assert (revised.rule, revised.name, revised.kind) == (new_rule, "Nordics", CohortKind.RULE)
    assert (revised.version, revised.updated_at, revised.id) == (2, LATER, cohort.id)


def test_revising_a_static_cohort_keeps_it_static():
    revised = create(None).revise(name="Renamed", description="", rule=None, now=LATER)
    assert (revised.kind, revised.rule, revised.version) == (CohortKind.STATIC, None, 2)


def test_a_static_cohort_cannot_gain_a_rule():
    static = create(None)
    assert refused_fields(
        lambda: static.revise(
            name="x", description="", rule=CohortRule(locations=("Lyon",)), now=LATER
        )
    ) == ["rule"]


def test_a_rule_cohort_cannot_lose_its_rule():
    by_rule = create(CohortRule(locations=("Lyon",)))
    assert refused_fields(
        lambda: by_rule.revise(name="", description="", rule=None, now=LATER)
    ) == ["name", "rule"]


def test_a_revised_rule_is_validated():
    by_rule = create(CohortRule(locations=("Lyon",)))
    assert refused_fields(
        lambda: by_rule.revise(name="x", description="", rule=CohortRule(), now=LATER)
    ) == ["rule"]


def test_only_a_static_cohort_takes_members_by_hand():
    create(None).require_static()
    assert refused_fields(create(CohortRule(locations=("Lyon",))).require_static) == [
        "employee_ids"
    ]
