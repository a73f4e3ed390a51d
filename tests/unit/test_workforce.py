"""The workforce reports' reference definitions: capability maturity and succession bench."""

import csv
import io
import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.domain.gaps import Member, roll_up
from app.domain.roles import Requirement, RoleProfile
from app.domain.workforce import (
    Band,
    Candidate,
    CapabilityMaturity,
    Holder,
    MaturityLine,
    Person,
    band_of,
    capability_maturity,
    ranked,
    role_is_proficient,
    succession_bench,
)
from app.domain.workforce_csv import BENCH_COLUMNS, MATURITY_COLUMNS, bench_csv, maturity_csv

NOW = datetime(2026, 1, 1, tzinfo=UTC)
A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))
SELLER, LEAD = uuid.UUID(int=100), uuid.UUID(int=101)


def role(role_id, key, requirements):
    return RoleProfile(
        role_id, uuid.UUID(int=0), key, key.title(), "", tuple(requirements), 1, NOW, NOW
    )


def test_bands_start_at_their_thresholds():
    assert band_of(1.0) is Band.READY_NOW
    assert band_of(0.9) is Band.READY_NOW
    assert band_of(0.8999) is Band.READY_SOON
    assert band_of(0.6) is Band.READY_SOON
    assert band_of(0.5999) is Band.DEVELOPING
    assert band_of(0.0) is Band.DEVELOPING


def test_a_role_is_proficient_when_at_least_half_its_holders_are():
    assert role_is_proficient(2, 1)
    assert role_is_proficient(1, 1)
    assert not role_is_proficient(3, 1)
    assert not role_is_proficient(1, 0)
    assert not role_is_proficient(0, 0)


def test_maturity_counts_people_and_roles_and_treats_unknown_as_not_proficient():
    seller = [Requirement(A, 3), Requirement(B, 2)]
    lead = [Requirement(A, 4)]
    holders = [
        Holder(uuid.uuid4(), SELLER, seller, {A: 3, B: 1}),
        Holder(uuid.uuid4(), SELLER, seller, {A: 2}),
        Holder(uuid.uuid4(), SELLER, seller, {}),
        Holder(uuid.uuid4(), LEAD, lead, {A: 5}),
    ]
    found = capability_maturity(holders)
    assert found[A] == CapabilityMaturity(
        capability_id=A,
        headcount=4,
        assessed=3,
        proficient=2,
        roles=2,
        # seller: 1 of 3 proficient (below half); lead: 1 of 1.
        roles_proficient=1,
        people_by_level=((2, 1), (3, 1), (5, 1)),
    )
    assert found[A].share_proficient == 0.5
    assert found[A].share_roles_proficient == 0.5
    assert found[B].headcount == 3 and found[B].assessed == 1 and found[B].proficient == 0
    assert found[B].share_proficient == 0.0 and found[B].roles_proficient == 0
    assert C not in found


def test_the_distribution_runs_from_level_one_to_the_scale_top():
    maturity = capability_maturity([Holder(uuid.uuid4(), SELLER, [Requirement(A, 2)], {A: 2})])[A]
    assert maturity.distribution(4) == (0, 1, 0, 0)
    assert maturity.distribution(None) == (0, 1)
    # A level above the scale's top (the scale shrank) still shows.
    assert maturity.distribution(1) == (0, 1)
    nobody = capability_maturity([Holder(uuid.uuid4(), SELLER, [Requirement(A, 2)], {})])[A]
    assert nobody.distribution(3) == (0, 0, 0)
    assert nobody.share_proficient == 0.0


requirements = st.lists(
    st.builds(
        Requirement,
        st.sampled_from([A, B, C]),
        st.integers(1, 5),
        st.sampled_from([0.5, 1.0, 2.0]),
        st.booleans(),
    ),
    max_size=3,
    unique_by=lambda r: r.capability_id,
)
levels = st.dictionaries(st.sampled_from([A, B, C]), st.integers(1, 5), max_size=3)


@given(
    st.lists(st.tuples(st.sampled_from([SELLER, LEAD]), levels), max_size=8),
    requirements,
    requirements,
)
def test_maturity_agrees_with_the_gap_roll_up_over_the_same_people(people, seller, lead):
    profiles = {SELLER: seller, LEAD: lead}
    holders = [Holder(uuid.uuid4(), r, profiles[r], current) for r, current in people]
    maturity = capability_maturity(holders)
    rolled = roll_up(Member(h.employee_id, h.requirements, h.current) for h in holders)
    assert maturity.keys() == rolled.keys()
    for capability_id, m in maturity.items():
        r = rolled[capability_id]
        assert (m.headcount, m.assessed, m.proficient) == (r.headcount, r.assessed, r.met)
        assert m.share_proficient == r.coverage
        assert sum(n for _, n in m.people_by_level) == m.assessed
        assert m.roles_proficient <= m.roles <= 2


def person(employee_id, name, current_role, aspired, current):
    return Person(employee_id, name, name.lower(), current_role, aspired, current)


def test_the_bench_ranks_aspirants_who_do_not_hold_the_role():
    roles = {
        SELLER: role(SELLER, "seller", [Requirement(A, 3, 2.0, True), Requirement(B, 2)]),
        LEAD: role(LEAD, "lead", []),
    }
    people = [
        person(A, "Ann", SELLER, [SELLER, LEAD], {A: 3, B: 2}),  # holds seller: not a candidate
        person(B, "Bob", None, [SELLER, SELLER], {A: 3}),  # the same aspiration twice
        person(C, "Cid", LEAD, [SELLER], {B: 2}),
        person(uuid.UUID(int=4), "Dee", None, [SELLER], {}),
    ]
    found = succession_bench(people, roles)
    seller = found[SELLER]
    assert seller.holders == 1 and seller.role_key == "seller" and seller.role_name == "Seller"
    assert [(c.name, round(c.readiness, 4), c.band) for c in seller.candidates] == [
        ("Bob", 0.6667, Band.READY_SOON),
        ("Cid", 0.3333, Band.DEVELOPING),
        ("Dee", 0.0, Band.DEVELOPING),
    ]
    assert [(c.requirements, c.requirements_met) for c in seller.candidates] == [
        (2, 1),
        (2, 1),
        (2, 0),
    ]
    assert seller.in_band(Band.READY_SOON) == 1 and seller.in_band(Band.DEVELOPING) == 2
    # A role that requires nothing: anyone is ready now.
    lead = found[LEAD]
    assert lead.holders == 1
    assert [(c.name, c.readiness, c.band) for c in lead.candidates] == [
        ("Ann", 1.0, Band.READY_NOW)
    ]


def test_a_role_nobody_holds_or_wants_has_no_bench_and_unknown_roles_are_ignored():
    roles = {SELLER: role(SELLER, "seller", [])}
    found = succession_bench([person(A, "Ann", None, [LEAD], {})], roles)
    assert found == {}


def test_ties_in_readiness_go_by_name_then_id():
    def c(n, name, score):
        return Candidate(uuid.UUID(int=n), name, name, score, 1, 0)

    order = ranked([c(3, "B", 0.5), c(2, "A", 0.5), c(1, "A", 0.5), c(4, "Z", 0.9)])
    assert [x.employee_id.int for x in order] == [4, 1, 2, 3]


def test_maturity_csv_has_one_header_and_a_row_per_capability():
    maturity = capability_maturity(
        [
            Holder(uuid.uuid4(), SELLER, [Requirement(A, 2)], {A: 2}),
            Holder(uuid.uuid4(), SELLER, [Requirement(A, 2)], {}),
        ]
    )[A]
    text = maturity_csv([MaturityLine(maturity, "negotiation", 'Says "no", kindly', 3)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(MATURITY_COLUMNS)
    assert rows[1] == [
        str(A),
        "negotiation",
        'Says "no", kindly',
        "2",
        "1",
        "1",
        "0.5000",
        "1",
        "1",
        "1.0000",
        "1:0 2:1 3:0",
    ]
    assert text.endswith("\r\n") and len(rows) == 2
    assert maturity_csv([]) == ",".join(MATURITY_COLUMNS) + "\r\n"


def test_bench_csv_repeats_the_role_per_candidate_and_keeps_empty_roles():
    roles = {
        SELLER: role(SELLER, "seller", [Requirement(A, 3)]),
        LEAD: role(LEAD, "lead", [Requirement(A, 1)]),
    }
    found = succession_bench(
        [
            person(A, "Ann", None, [SELLER], {A: 3}),
            person(B, "Bob", None, [SELLER], {}),
            person(C, "Cid", LEAD, [], {}),
        ],
        roles,
    )
    rows = list(csv.reader(io.StringIO(bench_csv([found[SELLER], found[LEAD]]))))
    assert rows[0] == list(BENCH_COLUMNS)
    assert rows[1] == [
        str(SELLER),
        "seller",
        "Seller",
        "0",
        "1",
        "0",
        "1",
        str(A),
        "ann",
        "Ann",
        "1.0000",
        "ready_now",
        "1",
        "1",
    ]
    assert rows[2][7:] == [str(B), "bob", "Bob", "0.0000", "developing", "0", "1"]
    assert rows[3] == [str(LEAD), "lead", "Lead", "1", "0", "0", "0", "", "", "", "", "", "", ""]
    assert len(rows) == 4
