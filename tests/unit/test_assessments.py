import math
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.assessments import (
    DEFAULT_WEIGHTS,
    MAX_EVIDENCE_LINKS,
    MAX_PEERS,
    Assessment,
    AssessmentStatus,
    CombinationMethod,
    CombinationRule,
    Item,
    Purpose,
    Rater,
    RaterType,
    Rating,
    Result,
)
from app.domain.errors import Forbidden, InvalidInput, InvalidTransition
from app.domain.roles import Requirement
from app.domain.values import TEXT_MAX_LENGTH

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
TENANT = uuid.uuid4()
ROLE = uuid.uuid4()
EMPLOYEE, MANAGER, PEER, OTHER_PEER, SME = (uuid.uuid4() for _ in range(5))
PYTHON, SQL = uuid.uuid4(), uuid.uuid4()
MAX_LEVELS = {PYTHON: 5, SQL: 3}
REQUIREMENTS = (Requirement(PYTHON, 4, weight=2.0, core=True), Requirement(SQL, 2))
EVERY_TYPE = frozenset(RaterType)
FINAL = (AssessmentStatus.FINALISED, AssessmentStatus.EXPIRED, AssessmentStatus.CANCELLED)
MANAGER_DECIDES = CombinationRule(CombinationMethod.MANAGER_DECIDES)
WEIGHTED_MEAN = CombinationRule(CombinationMethod.WEIGHTED_MEAN)
SME_OVERRIDES = CombinationRule(CombinationMethod.SME_OVERRIDES)


def create(**overrides) -> Assessment:
    arguments = {
        "employee_id": EMPLOYEE,
        "manager_id": MANAGER,
        "role_id": ROLE,
        "purpose": Purpose.CURRENT_ROLE,
        "requirements": REQUIREMENTS,
        "max_levels": MAX_LEVELS,
        "required_rater_types": [RaterType.SELF, RaterType.MANAGER],
        "peer_ids": (),
        "sme_ids": (),
        "due_date": NOW.date() + timedelta(days=14),
        "now": NOW,
    }
    return Assessment.create(TENANT, **(arguments | overrides))


def refused_fields(call) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return [error.field for error in refused.value.errors]


def in_status(status: AssessmentStatus, **overrides) -> Assessment:
    return replace(create(**overrides), status=status)


def submit(assessment: Assessment, who: uuid.UUID, levels=None) -> Assessment:
    """`who` rates (every capability at level 3 unless told) and submits, as the service does."""
    rater = assessment.rater(who)
    levels = levels if levels is not None else {item.capability_id: 3 for item in assessment.items}
    ratings = [Rating(who, capability, level) for capability, level in levels.items()]
    assessment.check_ratings(rater, ratings)
    return assessment.submitted(rater, levels, LATER)


def ratings_of(who: uuid.UUID, **levels: int | None) -> list[Rating]:
    capabilities = {"python": PYTHON, "sql": SQL}
    return [Rating(who, capabilities[name], level) for name, level in levels.items()]


# Creating


def test_a_new_assessment_is_scheduled_over_the_roles_requirements():
    created = create(peer_ids=[PEER], sme_ids=[SME], purpose=Purpose.ASPIRED_ROLE)
    assert created.status is AssessmentStatus.SCHEDULED
    assert (created.tenant_id, created.employee_id, created.role_id) == (TENANT, EMPLOYEE, ROLE)
    assert created.purpose is Purpose.ASPIRED_ROLE
    assert (created.version, created.created_at, created.opened_at, created.closed_at) == (
        1,
        NOW,
        None,
        None,
    )
    assert created.items == (Item(PYTHON, 4, 5, 2.0, True), Item(SQL, 2, 3, 1.0, False))
    assert created.required_rater_types == {RaterType.SELF, RaterType.MANAGER}
    assert created.raters == (
        Rater(EMPLOYEE, RaterType.SELF),
        Rater(MANAGER, RaterType.MANAGER),
        Rater(SME, RaterType.SME),
        Rater(PEER, RaterType.PEER),
    )


def test_every_assessment_gets_its_own_id():
    assert create().id != create().id


def test_the_employee_is_always_invited_to_rate_themselves_even_when_not_required():
    created = create(required_rater_types=[RaterType.MANAGER])
    assert created.rater(EMPLOYEE).type is RaterType.SELF


def test_without_a_manager_only_the_other_raters_are_invited():
    created = create(manager_id=None, required_rater_types=[RaterType.SELF])
    assert [r.type for r in created.raters] == [RaterType.SELF]


def test_each_person_is_invited_once_in_one_capacity():
    assert refused_fields(lambda: create(peer_ids=[PEER, PEER, MANAGER, SME], sme_ids=[SME])) == [
        "peer_ids",
        "peer_ids",
        "sme_ids",
    ]
    created = create(peer_ids=[PEER], sme_ids=[SME])
    assert [(r.employee_id, r.type) for r in created.raters] == [
        (EMPLOYEE, RaterType.SELF),
        (MANAGER, RaterType.MANAGER),
        (SME, RaterType.SME),
        (PEER, RaterType.PEER),
    ]


def test_an_assessment_needs_capabilities_to_assess():
    assert refused_fields(lambda: create(requirements=[])) == ["role_id"]


def test_an_assessment_needs_a_required_rater_type():
    assert refused_fields(lambda: create(required_rater_types=[])) == ["required_rater_types"]


def test_a_required_manager_rating_needs_a_manager():
    assert refused_fields(lambda: create(manager_id=None)) == ["required_rater_types"]


@pytest.mark.parametrize(
    ("rater_type", "field"), [(RaterType.PEER, "peer_ids"), (RaterType.SME, "sme_ids")]
)
def test_required_peers_or_smes_must_be_invited(rater_type, field):
    assert refused_fields(lambda: create(required_rater_types=[rater_type])) == [field]


@pytest.mark.parametrize("field", ["peer_ids", "sme_ids"])
def test_the_employee_cannot_rate_themselves_as_a_peer_or_sme(field):
    assert refused_fields(lambda: create(**{field: [PEER, EMPLOYEE]})) == [field]


@pytest.mark.parametrize("field", ["peer_ids", "sme_ids"])
def test_at_most_twenty_peers_or_smes(field):
    twenty = [uuid.uuid4() for _ in range(MAX_PEERS)]
    assert len(create(**{field: twenty}).raters) == 2 + MAX_PEERS
    assert refused_fields(lambda: create(**{field: [*twenty, uuid.uuid4()]})) == [field]


def test_the_due_date_may_be_today_or_absent_but_not_past():
    assert create(due_date=NOW.date()).due_date == NOW.date()
    assert create(due_date=None).due_date is None
    yesterday = NOW.date() - timedelta(days=1)
    assert refused_fields(lambda: create(due_date=yesterday)) == ["due_date"]


def test_every_problem_is_reported_at_once_in_order():
    assert refused_fields(
        lambda: create(
            requirements=[],
            manager_id=None,
            required_rater_types=[RaterType.MANAGER, RaterType.PEER, RaterType.SME],
            sme_ids=[EMPLOYEE],
            due_date=date(2020, 1, 1),
        )
    ) == ["role_id", "required_rater_types", "peer_ids", "sme_ids", "due_date"]


# Opening


def test_opening_with_self_rating_required_waits_for_the_employee():
    opened = create().open(LATER)
    assert opened.status is AssessmentStatus.OPEN
    assert (opened.opened_at, opened.version) == (LATER, 2)


def test_opening_without_self_rating_goes_straight_to_the_manager():
    opened = create(required_rater_types=[RaterType.MANAGER]).open(LATER)
    assert opened.status is AssessmentStatus.AWAITING_MANAGER


@pytest.mark.parametrize("status", [s for s in AssessmentStatus if s != "scheduled"])
def test_only_a_scheduled_assessment_opens(status):
    with pytest.raises(InvalidTransition):
        in_status(status).open(LATER)


# Who rates


def test_an_invited_person_gets_their_invitation():
    created = create(peer_ids=[PEER], sme_ids=[SME])
    assert created.rater(PEER) == Rater(PEER, RaterType.PEER)
    assert created.rater(SME).type is RaterType.SME
    assert created.rater(MANAGER).type is RaterType.MANAGER


@pytest.mark.parametrize("who", [uuid.uuid4(), None])
def test_someone_not_invited_cannot_rate(who):
    with pytest.raises(Forbidden):
        create(peer_ids=[PEER]).rater(who)


# Checking ratings


def test_levels_on_the_scale_and_not_observed_are_accepted():
    opened = create().open(LATER)
    opened.check_ratings(opened.rater(EMPLOYEE), ratings_of(EMPLOYEE, python=5, sql=None))
    opened.check_ratings(opened.rater(MANAGER), ratings_of(MANAGER, python=1, sql=3))
    opened.check_ratings(opened.rater(MANAGER), [])


def test_a_capability_not_assessed_here_is_refused():
    opened = create().open(LATER)
    stray = [*ratings_of(EMPLOYEE, python=3), Rating(EMPLOYEE, uuid.uuid4(), 3)]
    assert refused_fields(lambda: opened.check_ratings(opened.rater(EMPLOYEE), stray)) == [
        "ratings.1.capability_id"
    ]


@pytest.mark.parametrize(("python", "sql"), [(0, 1), (6, 1), (-1, 1), (1, 4), (1, 0)])
def test_a_level_off_the_capabilitys_scale_is_refused(python, sql):
    opened = create().open(LATER)
    bad = "ratings.0.level" if not 1 <= python <= 5 else "ratings.1.level"
    ratings = ratings_of(EMPLOYEE, python=python, sql=sql)
    assert refused_fields(lambda: opened.check_ratings(opened.rater(EMPLOYEE), ratings)) == [bad]


def test_rating_a_capability_twice_is_refused_at_the_second():
    opened = create().open(LATER)
    twice = [Rating(EMPLOYEE, SQL, 1), Rating(EMPLOYEE, PYTHON, 2), Rating(EMPLOYEE, SQL, None)]
    assert refused_fields(lambda: opened.check_ratings(opened.rater(EMPLOYEE), twice)) == [
        "ratings.2.capability_id"
    ]


def test_evidence_may_be_long_text_with_tabs_and_newlines():
    opened = create().open(LATER)
    evidence = "  " + "Led the\tmigration.\n" + "x" * (TEXT_MAX_LENGTH - 19) + "  "
    links = tuple(f"https://example.com/{i}" for i in range(MAX_EVIDENCE_LINKS))
    opened.check_ratings(opened.rater(EMPLOYEE), [Rating(EMPLOYEE, PYTHON, 4, evidence, links)])


@pytest.mark.parametrize(
    ("evidence", "links", "field"),
    [
        ("x" * (TEXT_MAX_LENGTH + 1), (), "ratings.0.evidence"),
        ("bad\x00byte", (), "ratings.0.evidence"),
        ("bell\x07", (), "ratings.0.evidence"),
        ("", ("https://example.com",) * (MAX_EVIDENCE_LINKS + 1), "ratings.0.links"),
    ],
)
def test_evidence_text_and_links_are_limited(evidence, links, field):
    opened = create().open(LATER)
    rating = Rating(EMPLOYEE, PYTHON, 4, evidence, links)
    assert refused_fields(lambda: opened.check_ratings(opened.rater(EMPLOYEE), [rating])) == [field]


@pytest.mark.parametrize(
    "link", ["https://example.com/\x00", "https://example.com/" + "x" * 10_000]
)
def test_each_evidence_link_is_checked_like_text(link):
    opened = create().open(LATER)
    rating = Rating(EMPLOYEE, PYTHON, 4, "", (link,))
    with pytest.raises(InvalidInput):
        opened.check_ratings(opened.rater(EMPLOYEE), [rating])


def test_every_rating_problem_is_reported_with_its_path():
    opened = create().open(LATER)
    ratings = [
        Rating(EMPLOYEE, PYTHON, 9, "\x00"),
        Rating(EMPLOYEE, uuid.uuid4(), 1),
        Rating(EMPLOYEE, PYTHON, 1, "", ("l",) * 11),
    ]
    assert refused_fields(lambda: opened.check_ratings(opened.rater(EMPLOYEE), ratings)) == [
        "ratings.0.level",
        "ratings.0.evidence",
        "ratings.1.capability_id",
        "ratings.2.capability_id",
        "ratings.2.links",
    ]


@pytest.mark.parametrize("status", [AssessmentStatus.SCHEDULED, *FINAL])
def test_ratings_are_closed_before_opening_and_after_closing(status):
    assessment = in_status(status)
    for who in (EMPLOYEE, MANAGER):
        with pytest.raises(InvalidTransition):
            assessment.check_ratings(assessment.rater(who), ratings_of(who, python=3))


@pytest.mark.parametrize("who", [EMPLOYEE, MANAGER, PEER, SME])
def test_anyone_invited_may_rate_while_open_or_awaiting_the_manager(who):
    for status in (AssessmentStatus.OPEN, AssessmentStatus.AWAITING_MANAGER):
        assessment = in_status(status, peer_ids=[PEER], sme_ids=[SME])
        assessment.check_ratings(assessment.rater(who), ratings_of(who, python=2))


def test_submitted_ratings_can_no_longer_change():
    submitted = submit(create().open(LATER), EMPLOYEE)
    rater = submitted.rater(EMPLOYEE)
    assert rater.submitted_at == LATER
    with pytest.raises(InvalidTransition):
        submitted.check_ratings(rater, ratings_of(EMPLOYEE, python=1, sql=1))
    with pytest.raises(InvalidTransition):
        submitted.check_ratings(rater, [])


# Submitting


def test_the_employees_submission_hands_the_assessment_to_the_manager():
    opened = create().open(LATER)
    submitted = submit(opened, EMPLOYEE)
    assert submitted.status is AssessmentStatus.AWAITING_MANAGER
    assert submitted.version == opened.version + 1
    assert [r.submitted_at for r in submitted.raters] == [LATER, None]


@pytest.mark.parametrize("who", [MANAGER, PEER, SME])
def test_other_submissions_leave_an_open_assessment_open(who):
    opened = create(peer_ids=[PEER], sme_ids=[SME]).open(LATER)
    submitted = submit(opened, who)
    assert submitted.status is AssessmentStatus.OPEN
    assert {r.employee_id for r in submitted.raters if r.submitted_at} == {who}


def test_the_employee_submitting_while_awaiting_the_manager_keeps_that_status():
    opened = create(required_rater_types=[RaterType.MANAGER]).open(LATER)
    assert submit(opened, EMPLOYEE).status is AssessmentStatus.AWAITING_MANAGER


def test_every_capability_must_be_rated_before_submitting():
    opened = create().open(LATER)
    with pytest.raises(InvalidInput) as refused:
        opened.submitted(opened.rater(EMPLOYEE), [PYTHON], LATER)
    assert [e.field for e in refused.value.errors] == ["ratings"]
    assert "1 capabilities" in refused.value.errors[0].message


def test_extra_rated_capabilities_do_not_block_submitting():
    opened = create().open(LATER)
    submitted = opened.submitted(opened.rater(EMPLOYEE), [PYTHON, SQL, uuid.uuid4()], LATER)
    assert submitted.status is AssessmentStatus.AWAITING_MANAGER


# Finalising


def walk_to_manager(**overrides) -> Assessment:
    return submit(create(**overrides).open(NOW), EMPLOYEE)


def test_finalising_combines_the_submitted_ratings_into_results():
    ready = submit(walk_to_manager(), MANAGER)
    ratings = ratings_of(EMPLOYEE, python=5, sql=2) + ratings_of(MANAGER, python=3, sql=2)
    finalised, results = ready.finalise(MANAGER_DECIDES, ratings, LATER)
    assert finalised.status is AssessmentStatus.FINALISED
    assert (finalised.closed_at, finalised.version) == (LATER, ready.version + 1)
    assert results == (Result(PYTHON, 3, 5, 3), Result(SQL, 2, 2, 2))
    assert [r.divergence for r in results] == [2, 0]


def test_only_ratings_from_submitted_raters_count():
    ready = submit(walk_to_manager(peer_ids=[PEER]), MANAGER)
    ratings = (
        ratings_of(MANAGER, python=2, sql=2)
        + ratings_of(PEER, python=5, sql=5)  # a draft: the peer never submitted
        + ratings_of(uuid.uuid4(), python=5, sql=5)  # not invited at all
        + [Rating(MANAGER, uuid.uuid4(), 5)]  # a capability not assessed here
    )
    _, results = ready.finalise(WEIGHTED_MEAN, ratings, LATER)
    assert [(r.capability_id, r.level) for r in results] == [(PYTHON, 2), (SQL, 2)]


def test_not_observed_ratings_are_ignored_and_may_leave_the_result_unknown():
    ready = submit(walk_to_manager(), MANAGER)
    ratings = ratings_of(EMPLOYEE, python=4, sql=None) + ratings_of(MANAGER, python=None, sql=1)
    _, by_manager = ready.finalise(MANAGER_DECIDES, ratings, LATER)
    assert by_manager == (Result(PYTHON, None, 4, None), Result(SQL, 1, None, 1))
    _, by_mean = ready.finalise(WEIGHTED_MEAN, ratings, LATER)
    assert [r.level for r in by_mean] == [4, 1]
    assert [r.divergence for r in by_mean] == [None, None]


def test_a_capability_nobody_rated_has_an_unknown_result():
    ready = submit(walk_to_manager(), MANAGER)
    _, results = ready.finalise(WEIGHTED_MEAN, [], LATER)
    assert results == (Result(PYTHON, None, None, None), Result(SQL, None, None, None))


@pytest.mark.parametrize("status", [s for s in AssessmentStatus if s != "awaiting_manager"])
def test_only_an_assessment_awaiting_the_manager_is_finalised(status):
    with pytest.raises(InvalidTransition):
        in_status(status).finalise(MANAGER_DECIDES, [], LATER)


def test_finalising_waits_for_every_required_rater_type():
    waiting = walk_to_manager(
        required_rater_types=EVERY_TYPE, peer_ids=[PEER, OTHER_PEER], sme_ids=[SME]
    )
    with pytest.raises(InvalidTransition, match="manager, peer, sme"):
        waiting.finalise(MANAGER_DECIDES, [], LATER)
    for who in (MANAGER, SME):
        waiting = submit(waiting, who)
    with pytest.raises(InvalidTransition, match="peer"):
        waiting.finalise(MANAGER_DECIDES, [], LATER)
    one_peer_is_enough = submit(waiting, OTHER_PEER)
    finalised, _ = one_peer_is_enough.finalise(MANAGER_DECIDES, [], LATER)
    assert finalised.status is AssessmentStatus.FINALISED


def test_without_a_required_manager_the_assessment_finalises_after_the_others():
    ready = walk_to_manager(required_rater_types=[RaterType.SELF, RaterType.SME], sme_ids=[SME])
    with pytest.raises(InvalidTransition, match="sme"):
        ready.finalise(SME_OVERRIDES, [], LATER)
    ready = submit(ready, SME, {PYTHON: 5, SQL: None})
    ratings = ratings_of(SME, python=5, sql=None) + ratings_of(EMPLOYEE, python=2, sql=2)
    _, results = ready.finalise(SME_OVERRIDES, ratings, LATER)
    assert results == (Result(PYTHON, 5, 2, None), Result(SQL, None, 2, None))


def test_finalised_results_are_immutable():
    finalised, _ = submit(walk_to_manager(), MANAGER).finalise(MANAGER_DECIDES, [], LATER)
    for change in (
        lambda a: a.finalise(MANAGER_DECIDES, [], LATER),
        lambda a: a.open(LATER),
        lambda a: a.cancel(LATER),
        lambda a: a.expire(LATER),
        lambda a: a.check_ratings(a.rater(MANAGER), []),
    ):
        with pytest.raises(InvalidTransition):
            change(finalised)


# Cancelling and expiring


@pytest.mark.parametrize(
    "status",
    [AssessmentStatus.SCHEDULED, AssessmentStatus.OPEN, AssessmentStatus.AWAITING_MANAGER],
)
@pytest.mark.parametrize(
    ("close", "closed"),
    [("cancel", AssessmentStatus.CANCELLED), ("expire", AssessmentStatus.EXPIRED)],
)
def test_an_assessment_still_running_can_be_cancelled_or_expire(status, close, closed):
    assessment = in_status(status)
    result = getattr(assessment, close)(LATER)
    assert (result.status, result.closed_at, result.version) == (closed, LATER, 2)


@pytest.mark.parametrize("status", FINAL)
@pytest.mark.parametrize("close", ["cancel", "expire"])
def test_a_closed_assessment_cannot_be_closed_again(status, close):
    with pytest.raises(InvalidTransition):
        getattr(in_status(status), close)(LATER)


# The whole state machine against a model

ACTIONS = ["open", "submit_self", "submit_manager", "finalise", "cancel", "expire"]


def model_step(status: str, submitted: set[str], self_required: bool, action: str):
    """The expected (status, submitted) after `action`, or None for an invalid transition."""
    running = status in ("scheduled", "open", "awaiting_manager")
    if action == "open":
        if status != "scheduled":
            return None
        return ("open" if self_required else "awaiting_manager"), submitted
    if action in ("cancel", "expire"):
        return (("cancelled" if action == "cancel" else "expired"), submitted) if running else None
    if action.startswith("submit_"):
        who = action.removeprefix("submit_")
        if who in submitted or status not in ("open", "awaiting_manager"):
            return None
        moved = "awaiting_manager" if who == "self" and status == "open" else status
        return moved, submitted | {who}
    required = {"self", "manager"} if self_required else {"manager"}
    if status != "awaiting_manager" or not required <= submitted:
        return None
    return "finalised", submitted


@settings(max_examples=200)
@given(st.booleans(), st.lists(st.sampled_from(ACTIONS), max_size=8))
def test_the_lifecycle_follows_its_state_machine(self_required, actions):
    types = [RaterType.SELF, RaterType.MANAGER] if self_required else [RaterType.MANAGER]
    assessment = create(required_rater_types=types)
    status, submitted = "scheduled", set()
    for action in actions:
        expected = model_step(status, submitted, self_required, action)
        version = assessment.version

        def act(a: Assessment, action: str = action) -> Assessment:
            if action.startswith("submit_"):
                return submit(a, EMPLOYEE if action == "submit_self" else MANAGER)
            if action == "finalise":
                return a.finalise(MANAGER_DECIDES, [], LATER)[0]
            return getattr(a, action)(LATER)

        if expected is None:
            with pytest.raises(InvalidTransition):
                act(assessment)
            continue
        assessment = act(assessment)
        status, submitted = expected
        assert assessment.status == status
        assert assessment.version == version + 1
        assert {r.type for r in assessment.raters if r.submitted_at} == set(submitted)


# Combining ratings

SELF, MGR, PEERS, SMES = RaterType.SELF, RaterType.MANAGER, RaterType.PEER, RaterType.SME


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({MGR: [3], SELF: [5], SMES: [1]}, 3),
        ({SELF: [5], PEERS: [4, 4]}, None),
        ({MGR: [2, 3]}, 3),
        ({}, None),
    ],
)
def test_the_manager_decides(levels, expected):
    assert MANAGER_DECIDES.combine(levels) == expected


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({MGR: [2], SMES: [5]}, 5),
        ({MGR: [2], SMES: [4, 5]}, 5),
        ({MGR: [2], SMES: [3, 4, 4, 5]}, 4),
        ({MGR: [2], SMES: [], SELF: [5]}, 2),
        ({SELF: [5], PEERS: [5]}, None),
    ],
)
def test_an_sme_overrides_the_manager_when_there_is_one(levels, expected):
    assert SME_OVERRIDES.combine(levels) == expected


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({MGR: [3], SELF: [3]}, 3),
        ({MGR: [2], SELF: [5]}, 3),  # (4 + 5) / 3 = 3
        ({MGR: [2], SELF: [4]}, 3),  # (4 + 4) / 3 = 2.67
        ({MGR: [2], SELF: [3]}, 2),  # (4 + 3) / 3 = 2.33
        ({SELF: [2], PEERS: [3]}, 3),  # 2.5 rounds half up, not to even
        ({SELF: [1], PEERS: [2]}, 2),  # 1.5
        ({SELF: [3], PEERS: [4]}, 4),  # 3.5
        ({MGR: [1], SMES: [2]}, 2),  # 1.5 between equal weights
        ({MGR: [2], PEERS: [5, 5, 5, 5, 5, 5, 5, 5]}, 3),  # peers count once: (4 + 5) / 3
        ({MGR: [2], PEERS: [2, 3]}, 2),  # (4 + 2.5) / 3 = 2.17
        ({MGR: [], SELF: [4]}, 4),
        ({}, None),
    ],
)
def test_the_weighted_mean_by_rater_type_rounds_half_up(levels, expected):
    assert WEIGHTED_MEAN.combine(levels) == expected


def test_rater_types_weighted_zero_or_left_out_do_not_count():
    rule = CombinationRule(CombinationMethod.WEIGHTED_MEAN, {MGR: 1.0, PEERS: 0.0})
    assert rule.combine({MGR: [2], PEERS: [5, 5], SELF: [5], SMES: [5]}) == 2
    assert rule.combine({PEERS: [5], SELF: [5]}) is None


def test_fractional_weights_are_used_exactly():
    rule = CombinationRule(CombinationMethod.WEIGHTED_MEAN, {MGR: 0.1, SELF: 0.3})
    assert rule.combine({MGR: [1], SELF: [2]}) == 2  # 1.75
    assert rule.combine({MGR: [3], SELF: [1]}) == 2  # 1.5 exactly, rounds up


def test_the_default_rule_is_manager_decides_with_documented_weights():
    rule = CombinationRule()
    assert rule.method is CombinationMethod.MANAGER_DECIDES
    assert rule.weights == DEFAULT_WEIGHTS
    assert rule.weights is not CombinationRule().weights
    assert rule.problems() == []


def test_a_rule_with_bad_weights_has_problems():
    rule = CombinationRule(CombinationMethod.WEIGHTED_MEAN, {SELF: -1, MGR: 101, PEERS: 100})
    assert [e.field for e in rule.problems()] == ["weights.self", "weights.manager"]


@pytest.mark.parametrize("method", list(CombinationMethod))
def test_only_a_weighted_mean_needs_a_weight(method):
    fields = [e.field for e in CombinationRule(method, {SELF: 0, MGR: 0}).problems()]
    assert fields == (["weights"] if method is CombinationMethod.WEIGHTED_MEAN else [])


level_lists = st.dictionaries(
    st.sampled_from(list(RaterType)),
    st.lists(st.integers(1, 7), max_size=MAX_PEERS),
)
weights = st.dictionaries(
    st.sampled_from(list(RaterType)),
    st.one_of(st.integers(0, 100), st.sampled_from([0.1, 0.25, 0.3, 1.5, 2.5, 33.3, 99.9])),
)


def exact_weighted_mean(levels, weights) -> int | None:
    total = weight_sum = Fraction(0)
    for rater_type, observed in levels.items():
        weight = Fraction(str(weights.get(rater_type, 0)))
        if observed and weight:
            total += weight * Fraction(sum(observed), len(observed))
            weight_sum += weight
    return math.floor(total / weight_sum + Fraction(1, 2)) if weight_sum else None


@settings(max_examples=100)
@given(level_lists, weights)
def test_the_weighted_mean_stays_between_the_lowest_and_highest_rating(levels, weights):
    result = CombinationRule(CombinationMethod.WEIGHTED_MEAN, weights).combine(levels)
    counted = [
        level
        for rater_type, observed in levels.items()
        if weights.get(rater_type)
        for level in observed
    ]
    if not counted:
        assert result is None
    else:
        assert min(counted) <= result <= max(counted)


@settings(max_examples=100)
@given(level_lists, weights)
def test_the_weighted_mean_equals_exact_arithmetic_rounded_half_up(levels, weights):
    rule = CombinationRule(CombinationMethod.WEIGHTED_MEAN, weights)
    assert rule.combine(levels) == exact_weighted_mean(levels, weights)


@given(
    st.integers(1, 7),
    st.lists(st.sampled_from(list(RaterType)), min_size=1, unique=True),
    st.integers(1, MAX_PEERS),
    weights,
)
def test_when_every_rater_agrees_every_method_gives_that_level(level, types, count, weights):
    levels = {rater_type: [level] * count for rater_type in types}
    weighted = CombinationRule(CombinationMethod.WEIGHTED_MEAN, weights).combine(levels)
    assert weighted in (level, None)
    assert (weighted is None) == (not any(weights.get(t) for t in types))
    expected_manager = level if MGR in types else None
    assert MANAGER_DECIDES.combine(levels) == expected_manager
    assert SME_OVERRIDES.combine(levels) == (level if SMES in types else expected_manager)


@given(level_lists)
def test_manager_and_sme_results_are_within_their_own_ratings(levels):
    for rule, rater_type in ((MANAGER_DECIDES, MGR), (SME_OVERRIDES, SMES)):
        result = rule.combine(levels)
        own = levels.get(rater_type) or (levels.get(MGR) if rater_type is SMES else None)
        if not own:
            assert result is None
        else:
            assert min(own) <= result <= max(own)


# Divergence


@pytest.mark.parametrize(
    ("self_level", "manager_level", "divergence"),
    [(5, 2, 3), (2, 5, -3), (3, 3, 0), (None, 3, None), (3, None, None), (None, None, None)],
)
def test_divergence_is_self_minus_manager_when_both_rated(self_level, manager_level, divergence):
    assert Result(PYTHON, 3, self_level, manager_level).divergence == divergence
