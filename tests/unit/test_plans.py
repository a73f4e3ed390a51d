import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.gaps import CapabilityGap
from app.domain.plans import (
    EXPERIENTIAL,
    Budget,
    LearningKind,
    Offer,
    Reason,
    Shortfall,
    Target,
    prerequisite_cycles,
    propose_plan,
)

CAPS = [uuid.UUID(int=n + 1) for n in range(4)]
SQL, TALK, LEAD, EXCEL = CAPS


def gap(capability, current, required, weight=1.0, core=False):
    return CapabilityGap(capability, required, current, weight, core)


def offer(number, kind=LearningKind.COURSE, targets=(), minutes=60, cost=0.0, prerequisites=()):
    return Offer(
        uuid.UUID(int=1000 + number), kind, tuple(targets), minutes, cost, tuple(prerequisites)
    )


def ids(proposal):
    return [choice.offer_id for choice in proposal.choices]


def test_a_chain_of_items_closes_a_gap_of_two_levels():
    basics = offer(1, targets=[Target(SQL, 1, 2)])
    advanced = offer(2, targets=[Target(SQL, 2, 3)])
    proposal = propose_plan([gap(SQL, 1, 3)], [advanced, basics])
    assert ids(proposal) == [basics.id, advanced.id]
    assert proposal.open_gaps == ()


def test_an_item_covering_several_gaps_is_preferred():
    both = offer(1, targets=[Target(SQL, 1, 2), Target(TALK, 1, 2)], minutes=120)
    only_sql = offer(2, targets=[Target(SQL, 1, 2)], minutes=60)
    only_talk = offer(3, targets=[Target(TALK, 1, 2)], minutes=60)
    proposal = propose_plan([gap(SQL, 1, 2), gap(TALK, 1, 2)], [only_sql, only_talk, both])
    assert ids(proposal)[:1] == [both.id]
    assert len(proposal.choices) == 1


def test_items_that_close_no_gap_are_not_chosen():
    already = offer(1, targets=[Target(SQL, 1, 3)])
    unrelated = offer(2, targets=[Target(EXCEL, 1, 2)])
    assert propose_plan([gap(SQL, 3, 3), gap(TALK, None, 2)], [already, unrelated]).choices == ()


def test_prerequisites_come_first_and_say_why_they_are_there():
    intro = offer(1, targets=[Target(EXCEL, 1, 2)])
    course = offer(2, targets=[Target(SQL, 1, 3)], prerequisites=[intro.id])
    proposal = propose_plan([gap(SQL, 1, 3)], [course, intro])
    assert [(c.offer_id, c.reason) for c in proposal.choices] == [
        (intro.id, Reason.PREREQUISITE),
        (course.id, Reason.CLOSES_GAP),
    ]


def test_an_item_whose_prerequisite_is_missing_is_not_offered():
    course = offer(2, targets=[Target(SQL, 1, 3)], prerequisites=[uuid.uuid4()])
    proposal = propose_plan([gap(SQL, 1, 3)], [course])
    assert proposal.choices == ()
    assert proposal.open_gaps[0].shortfall is Shortfall.NO_CONTENT


def test_the_budget_is_respected_and_what_it_leaves_open_is_reported_as_budget():
    long = offer(1, targets=[Target(SQL, 1, 3)], minutes=600, cost=900)
    proposal = propose_plan([gap(SQL, 1, 3)], [long], Budget(minutes=300))
    assert proposal.choices == ()
    assert [(g.reached_level, g.shortfall) for g in proposal.open_gaps] == [(1, Shortfall.BUDGET)]
    assert propose_plan([gap(SQL, 1, 3)], [long], Budget(cost=899.99)).choices == ()


def test_missing_content_is_reported_for_learning_and_development():
    partial = offer(1, targets=[Target(LEAD, 1, 2)])
    proposal = propose_plan([gap(LEAD, 1, 4), gap(TALK, 2, 3)], [partial])
    assert {(g.capability_id, g.reached_level, g.shortfall) for g in proposal.open_gaps} == {
        (LEAD, 2, Shortfall.NO_CONTENT),
        (TALK, 2, Shortfall.NO_CONTENT),
    }


def test_one_on_the_job_or_social_item_is_added_when_the_catalogue_has_one():
    course = offer(1, targets=[Target(LEAD, 1, 3)], minutes=30)
    mentoring = offer(2, LearningKind.MENTORING, targets=[Target(LEAD, 1, 2)], minutes=600)
    proposal = propose_plan([gap(LEAD, 1, 3)], [course, mentoring])
    assert set(ids(proposal)) == {course.id, mentoring.id}
    assert proposal.open_gaps == ()


def test_no_experiential_item_is_forced_in_when_none_serves_a_gap():
    course = offer(1, targets=[Target(LEAD, 1, 3)])
    unrelated = offer(2, LearningKind.ON_THE_JOB, targets=[Target(EXCEL, 1, 2)])
    assert ids(propose_plan([gap(LEAD, 1, 3)], [course, unrelated])) == [course.id]


def test_core_and_larger_gaps_come_first():
    for_talk = offer(1, targets=[Target(TALK, 1, 2)])
    for_sql = offer(2, targets=[Target(SQL, 1, 2)])
    proposal = propose_plan([gap(TALK, 1, 2), gap(SQL, 1, 2, core=True)], [for_talk, for_sql])
    assert ids(proposal) == [for_sql.id, for_talk.id]


@st.composite
def situations(draw):
    gaps = [
        gap(
            c,
            draw(st.none() | st.integers(1, 4)),
            draw(st.integers(1, 5)),
            draw(st.sampled_from([0.5, 1, 2])),
            draw(st.booleans()),
        )
        for c in draw(st.lists(st.sampled_from(CAPS), unique=True, max_size=4))
    ]
    offers = []
    for number in range(draw(st.integers(0, 10))):
        targets = []
        for c in draw(st.lists(st.sampled_from(CAPS), unique=True, min_size=1, max_size=2)):
            start = draw(st.integers(1, 4))
            targets.append(Target(c, start, draw(st.integers(start + 1, 5))))
        prerequisites = (
            draw(st.lists(st.sampled_from([o.id for o in offers]), unique=True, max_size=2))
            if offers
            else []
        )
        offers.append(
            offer(
                number,
                draw(st.sampled_from(list(LearningKind))),
                targets,
                draw(st.integers(0, 600)),
                float(draw(st.integers(0, 500))),
                prerequisites,
            )
        )
    budget = draw(
        st.sampled_from(
            [Budget(), Budget(minutes=600), Budget(cost=400.0), Budget(minutes=120, cost=100.0)]
        )
    )
    return gaps, offers, budget


@settings(max_examples=300)
@given(situations())
def test_plans_keep_their_promises(situation):
    gaps, offers, budget = situation
    proposal = propose_plan(gaps, offers, budget)
    by_id = {o.id: o for o in offers}
    chosen = ids(proposal)
    assert len(chosen) == len(set(chosen)), "no item twice"
    assert budget.allows(proposal.minutes, proposal.cost), "budget never exceeded"
    assert proposal.minutes == sum(by_id[i].minutes for i in chosen)
    gapped = {
        g.capability_id
        for g in gaps
        if g.current_level is not None and g.current_level < g.required_level
    }
    needed_by_others = {p for i in chosen for p in by_id[i].prerequisites}
    for position, choice in enumerate(proposal.choices):
        if choice.reason is Reason.CLOSES_GAP:
            assert set(choice.capability_ids) <= gapped and choice.capability_ids, (
                "addresses a real gap"
            )
        else:
            assert choice.offer_id in needed_by_others
        earlier = set(chosen[:position])
        assert set(by_id[choice.offer_id].prerequisites) <= earlier, "prerequisites first"
    if budget == Budget():
        assert all(g.shortfall is Shortfall.NO_CONTENT for g in proposal.open_gaps), (
            "coverable gaps covered"
        )


@settings(max_examples=100)
@given(situations(), st.randoms())
def test_the_same_inputs_in_any_order_give_the_same_plan(situation, shuffle):
    gaps, offers, budget = situation
    shuffled = list(offers)
    shuffle.shuffle(shuffled)
    assert propose_plan(gaps, offers, budget) == propose_plan(
        list(reversed(gaps)), shuffled, budget
    )


@settings(max_examples=200)
@given(situations())
def test_an_unlimited_plan_reaches_every_level_the_catalogue_can_reach(situation):
    gaps, offers, _ = situation
    proposal = propose_plan(gaps, offers)
    by_id = {o.id: o for o in offers}
    takeable = {o.id for o in offers if _takeable(o.id, by_id, set())}
    for open_gap in proposal.open_gaps:
        for o in offers:
            if o.id not in takeable:
                continue
            for t in o.targets:
                if t.capability_id == open_gap.capability_id:
                    assert not (t.from_level <= open_gap.reached_level < t.to_level), (o, open_gap)


def _takeable(identifier, by_id, seen):
    if identifier not in by_id or identifier in seen:
        return False
    return all(_takeable(p, by_id, seen | {identifier}) for p in by_id[identifier].prerequisites)


def test_experiential_kinds_are_on_the_job_mentoring_and_coaching():
    assert {LearningKind.ON_THE_JOB, LearningKind.MENTORING, LearningKind.COACHING} == EXPERIENTIAL


def test_prerequisite_cycles_are_found_and_chains_are_not():
    a, b, c, d = (uuid.UUID(int=n) for n in range(1, 5))
    assert prerequisite_cycles({a: [b], b: [c], c: []}) == set()
    assert prerequisite_cycles({a: [b], b: [c], c: [a], d: [a]}) == {a, b, c}
    assert prerequisite_cycles({a: [a]}) == {a}


@given(st.dictionaries(st.integers(0, 6), st.lists(st.integers(0, 6), max_size=3), max_size=7))
def test_prerequisite_cycles_match_reachability(graph):
    ids_ = {n: uuid.UUID(int=n + 1) for n in range(7)}
    found = prerequisite_cycles({ids_[k]: [ids_[v] for v in vs] for k, vs in graph.items()})

    def reaches(start, goal):
        seen, frontier = set(), list(graph.get(start, []))
        while frontier:
            node = frontier.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                frontier.extend(graph.get(node, []))
        return False

    assert found == {ids_[n] for n in graph if reaches(n, n)}
