"""Check-in templates and check-ins: the rules of questions and answers."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.checkins import (
    ANSWER_MAX_LENGTH,
    DEFAULT_QUESTIONS,
    MAX_QUESTIONS,
    AnswerInput,
    Checkin,
    CheckinTemplate,
    PlanItemRef,
    Question,
    check_questions,
)
from app.domain.errors import InvalidInput

NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)
TENANT = uuid.uuid4()
EMPLOYEE = uuid.uuid4()
MANAGER = uuid.uuid4()


def fields(error: InvalidInput) -> set[str]:
    return {e.field for e in error.errors}


def template(questions=DEFAULT_QUESTIONS, **changes) -> CheckinTemplate:
    return CheckinTemplate.create(
        TENANT, name=changes.pop("name", "Monthly"), questions=questions, now=NOW, **changes
    )


def log(template_=None, answers=(), **changes) -> Checkin:
    values = {
        "employee_id": EMPLOYEE,
        "manager_id": MANAGER,
        "template": template_,
        "held_on": NOW.date(),
        "answers": answers,
        "logged_by": "api_key:1",
        "now": NOW,
    } | changes
    return Checkin.log(TENANT, **values)


def test_the_default_template_asks_the_four_questions_of_the_issue():
    made = template()
    assert [q.key for q in made.questions] == [
        "skills_applied",
        "most_challenged",
        "support_needed",
        "development_goal",
    ]
    assert made.questions[0].text.startswith("What new skills from recent training")
    assert (made.active, made.version) == (True, 1)


def test_questions_need_two_to_twenty_with_unique_well_formed_keys():
    with pytest.raises(InvalidInput) as one:
        check_questions([Question("only", "Just one?")])
    assert fields(one.value) == {"questions"}
    with pytest.raises(InvalidInput) as many:
        check_questions([Question(f"q{i}", "Why?") for i in range(MAX_QUESTIONS + 1)])
    assert fields(many.value) == {"questions"}
    with pytest.raises(InvalidInput) as bad:
        check_questions(
            [
                Question("same", "A?"),
                Question("same", "B?"),
                Question("Not-A-Key", "C?"),
                Question("ok", "   "),
                Question("long", "x" * 501),
                Question("x" * 51, "D?"),
            ]
        )
    assert fields(bad.value) == {
        "questions.1.key",
        "questions.2.key",
        "questions.3.text",
        "questions.4.text",
        "questions.5.key",
    }
    assert check_questions([Question("a", "  A?  "), Question("b_2", "B?")])[0].text == "A?"


def test_a_template_needs_a_name_and_revising_changes_only_what_is_given():
    with pytest.raises(InvalidInput) as unnamed:
        template(name="  ", questions=[Question("a", "A?")])
    assert fields(unnamed.value) == {"name", "questions"}
    made = template()
    assert made.revise(name="Monthly", now=NOW) is made
    later = NOW + timedelta(days=1)
    retired = made.revise(active=False, now=later)
    assert (retired.active, retired.version, retired.updated_at) == (False, 2, later)
    assert retired.questions == made.questions
    renamed = retired.revise(questions=[Question("a", "A?"), Question("b", "B?")], now=later)
    assert [q.key for q in renamed.questions] == ["a", "b"]
    assert renamed.version == 3


def test_answers_follow_the_template_and_copy_its_questions():
    made = template()
    checkin = log(
        made,
        [
            AnswerInput("support_needed", employee_answer="  A mentor  "),
            AnswerInput("skills_applied", manager_answer="Negotiation, twice"),
        ],
        goal_ids=[uuid.uuid4()],
    )
    assert checkin.template_id == made.id
    # In the template's order, unanswered questions left out, texts as asked then.
    assert [(a.key, a.question) for a in checkin.answers] == [
        ("skills_applied", DEFAULT_QUESTIONS[0].text),
        ("support_needed", DEFAULT_QUESTIONS[2].text),
    ]
    assert checkin.answers[1].employee_answer == "A mentor"
    assert checkin.answers[1].manager_answer is None


def test_answers_the_template_does_not_ask_are_refused_with_their_paths():
    with pytest.raises(InvalidInput) as refused:
        log(
            template(),
            [
                AnswerInput("skills_applied", employee_answer="Yes"),
                AnswerInput("not_asked", employee_answer="Hm"),
                AnswerInput("skills_applied", employee_answer="Again"),
                AnswerInput("support_needed"),
                AnswerInput("most_challenged", employee_answer="x" * (ANSWER_MAX_LENGTH + 1)),
                AnswerInput("development_goal", employee_answer="Ok", question="My own?"),
            ],
        )
    assert fields(refused.value) == {
        "answers.1.key",
        "answers.2.key",
        "answers.3",
        "answers.4.employee_answer",
        "answers.5.question",
    }


def test_a_check_in_answers_something_on_a_day_that_has_been():
    with pytest.raises(InvalidInput) as empty:
        log(template(), [])
    assert fields(empty.value) == {"answers"}
    with pytest.raises(InvalidInput) as ahead:
        log(
            template(),
            [AnswerInput("skills_applied", employee_answer="Yes")],
            held_on=NOW.date() + timedelta(days=2),
        )
    assert fields(ahead.value) == {"held_on"}
    # A day ahead is the caller's today in a time zone east of UTC.
    assert log(
        template(),
        [AnswerInput("skills_applied", employee_answer="Yes")],
        held_on=NOW.date() + timedelta(days=1),
    ).held_on == date(2026, 12, 5)


def test_a_retired_template_the_employee_as_manager_and_repeated_links_are_refused():
    item = PlanItemRef(uuid.uuid4(), uuid.uuid4())
    goal = uuid.uuid4()
    with pytest.raises(InvalidInput) as refused:
        log(
            template().revise(active=False, now=NOW),
            [AnswerInput("skills_applied", employee_answer="Yes")],
            manager_id=EMPLOYEE,
            goal_ids=[goal, uuid.uuid4(), goal],
            plan_items=[item, item],
        )
    assert fields(refused.value) == {"template_id", "manager_id", "goal_ids.2", "plan_items.1"}


def test_without_a_template_each_answer_brings_its_question():
    checkin = log(
        None,
        [
            AnswerInput("wins", question=" What went well? ", employee_answer="Closed a deal"),
            AnswerInput("next", question="What next?", manager_answer="Lead a pitch"),
        ],
    )
    assert checkin.template_id is None
    assert [(a.key, a.question) for a in checkin.answers] == [
        ("wins", "What went well?"),
        ("next", "What next?"),
    ]
    with pytest.raises(InvalidInput) as refused:
        log(None, [AnswerInput("Bad Key", employee_answer="Yes"), AnswerInput("q", "No?")])
    assert fields(refused.value) == {"answers.0.key", "answers.0.question", "answers.1.question"}


keys = st.sampled_from([q.key for q in DEFAULT_QUESTIONS])
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)


@given(st.lists(st.tuples(keys, text, text), max_size=6))
def test_a_check_in_keeps_exactly_the_answered_questions_in_the_templates_order(given_answers):
    made = template()
    answers = [AnswerInput(k, employee_answer=e, manager_answer=m) for k, e, m in given_answers]
    keys_sent = [k for k, _, _ in given_answers]
    valid = (
        bool(answers)
        and len(set(keys_sent)) == len(keys_sent)
        and all(e.strip() or m.strip() for _, e, m in given_answers)
    )
    if not valid:
        with pytest.raises(InvalidInput):
            log(made, answers)
        return
    checkin = log(made, answers)
    order = [q.key for q in made.questions]
    assert [a.key for a in checkin.answers] == sorted(keys_sent, key=order.index)
    sent = {k: (e.strip() or None, m.strip() or None) for k, e, m in given_answers}
    assert {a.key: (a.employee_answer, a.manager_answer) for a in checkin.answers} == sent
