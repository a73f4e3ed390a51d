"""Check-ins: the performance conversations between an employee and their manager.

A template is the tenant's list of questions (2 to 20, each with a key unique in the
template). A check-in records, per question asked, what the employee and the manager
answered, and which of the employee's goals and plan items they discussed. It copies each
question's text as it was asked, so editing the template later never rewrites what was said.
A check-in without a template asks its own questions. Templates are deactivated, never
deleted: check-ins refer to them.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from app.domain.errors import FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.values import TEXT_FORBIDDEN, UNSET, Unset, check_name

QUESTION_KEY = re.compile(r"^[a-z0-9_]{1,50}$")
MIN_QUESTIONS = 2
MAX_QUESTIONS = 20
QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 5_000
MAX_LINKS = 50
FUTURE_DAYS = 1
"""A check-in may be dated a day ahead of the server's (UTC) date: the caller's today."""
PAST_DAYS = 366
"""Nor more than a year back: older dates are typing mistakes (a year typed wrong)."""


@dataclass(frozen=True)
class Question:
    key: str
    text: str


DEFAULT_TEMPLATE_NAME = "Monthly check-in"
DEFAULT_QUESTIONS = (
    Question("skills_applied", "What new skills from recent training did you apply this month?"),
    Question("most_challenged", "Where did you feel most challenged?"),
    Question("support_needed", "What support do you need?"),
    Question("development_goal", "One development goal before the next check-in?"),
)


def check_questions(questions: Sequence[Question]) -> tuple[Question, ...]:
    """The questions with their texts trimmed, or InvalidInput naming every problem."""
    errors: list[FieldError] = []
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        errors.append(
            FieldError("questions", f"Give {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
        )
    seen: set[str] = set()
    cleaned = []
    for index, question in enumerate(questions):
        at = f"questions.{index}"
        key = _check_key(question.key, f"{at}.key", errors)
        if key in seen:
            errors.append(FieldError(f"{at}.key", "Another question has this key."))
        seen.add(key)
        cleaned.append(Question(key, _check_question_text(question.text, f"{at}.text", errors)))
    if errors:
        raise InvalidInput("The questions are not valid.", errors)
    return tuple(cleaned)


@dataclass(frozen=True)
class CheckinTemplate:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    questions: tuple[Question, ...]
    """In the order they are asked."""
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        *,
        name: str,
        questions: Sequence[Question],
        active: bool = True,
        now: datetime,
    ) -> "CheckinTemplate":
        """Raises InvalidInput."""
        name, questions = _checked_template(name, questions)
        return cls(new_id(), tenant_id, name, questions, active, 1, now, now)

    def revise(
        self,
        *,
        name: str | Unset = UNSET,
        questions: Sequence[Question] | Unset = UNSET,
        active: bool | Unset = UNSET,
        now: datetime,
    ) -> "CheckinTemplate":
        """The template with the given fields changed (the same object when nothing changes).
        Raises InvalidInput."""
        chosen_name, chosen_questions = _checked_template(
            self.name if isinstance(name, Unset) else name,
            self.questions if isinstance(questions, Unset) else questions,
        )
        chosen_active = self.active if isinstance(active, Unset) else active
        if (chosen_name, chosen_questions, chosen_active) == (
            self.name,
            self.questions,
            self.active,
        ):
            return self
        return replace(
            self,
            name=chosen_name,
            questions=chosen_questions,
            active=chosen_active,
            version=self.version + 1,
            updated_at=now,
        )


@dataclass(frozen=True)
class AnswerInput:
    """One answer as a client sends it. `question` only for a check-in without a template."""

    key: str
    employee_answer: str | None = None
    manager_answer: str | None = None
    question: str | None = None


@dataclass(frozen=True)
class Answer:
    key: str
    question: str
    """The question's text as it was asked."""
    employee_answer: str | None
    manager_answer: str | None


@dataclass(frozen=True)
class PlanItemRef:
    """An item of one of the employee's development plans."""

    plan_id: uuid.UUID
    learning_item_id: uuid.UUID


@dataclass(frozen=True)
class Checkin:
    id: uuid.UUID
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    manager_id: uuid.UUID | None
    template_id: uuid.UUID | None
    held_on: date
    answers: tuple[Answer, ...]
    """In the template's order (or as sent, without a template); unanswered ones left out."""
    goal_ids: tuple[uuid.UUID, ...]
    plan_items: tuple[PlanItemRef, ...]
    logged_by: str
    created_at: datetime

    @classmethod
    def log(
        cls,
        tenant_id: uuid.UUID,
        *,
        employee_id: uuid.UUID,
        manager_id: uuid.UUID | None,
        template: CheckinTemplate | None,
        held_on: date,
        answers: Sequence[AnswerInput],
        goal_ids: Sequence[uuid.UUID] = (),
        plan_items: Sequence[PlanItemRef] = (),
        logged_by: str,
        now: datetime,
    ) -> "Checkin":
        """Raises InvalidInput naming every problem: answers to questions the template does
        not ask (or, without one, questions without a key or text), an answer twice, a
        question nobody answered, nothing answered at all, a date ahead or over a year back,
        links listed twice."""
        errors: list[FieldError] = []
        if template is not None and not template.active:
            errors.append(FieldError("template_id", "The template is no longer in use."))
        if manager_id is not None and manager_id == employee_id:
            errors.append(FieldError("manager_id", "The employee cannot be their own manager."))
        today = now.date()
        if not today - timedelta(days=PAST_DAYS) <= held_on <= today + timedelta(days=FUTURE_DAYS):
            errors.append(
                FieldError("held_on", "Give the day the check-in was held, within the last year.")
            )
        checked = _checked_answers(template, answers, errors)
        errors += _repeated(goal_ids, "goal_ids") + _repeated(plan_items, "plan_items")
        if errors:
            raise InvalidInput("The check-in is not valid.", errors)
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            employee_id=employee_id,
            manager_id=manager_id,
            template_id=None if template is None else template.id,
            held_on=held_on,
            answers=checked,
            goal_ids=tuple(goal_ids),
            plan_items=tuple(plan_items),
            logged_by=logged_by,
            created_at=now,
        )


@dataclass(frozen=True)
class CheckinFilter:
    employee_id: uuid.UUID | None = None
    visible_to_manager: uuid.UUID | None = None
    """Only check-ins of this manager or the people below them."""
    only_employee: uuid.UUID | None = None


def _checked_answers(
    template: CheckinTemplate | None, answers: Sequence[AnswerInput], errors: list[FieldError]
) -> tuple[Answer, ...]:
    if not answers:
        errors.append(FieldError("answers", "Answer at least one question."))
        return ()
    if len(answers) > MAX_QUESTIONS:
        errors.append(FieldError("answers", f"At most {MAX_QUESTIONS} answers."))
        return ()
    asked = {q.key: q.text for q in template.questions} if template is not None else None
    found: dict[str, Answer] = {}
    for index, given in enumerate(answers):
        at = f"answers.{index}"
        before = len(errors)
        if asked is None:
            key = _check_key(given.key, f"{at}.key", errors)
            question = _check_question_text(given.question or "", f"{at}.question", errors)
        else:
            key, question = given.key, asked.get(given.key, "")
            if given.key not in asked:
                errors.append(FieldError(f"{at}.key", "The template asks no question with it."))
            if given.question is not None:
                errors.append(FieldError(f"{at}.question", "The template sets the question."))
        if key in found:
            errors.append(FieldError(f"{at}.key", "This question is answered twice."))
        employee = _check_answer(given.employee_answer, f"{at}.employee_answer", errors)
        manager = _check_answer(given.manager_answer, f"{at}.manager_answer", errors)
        if employee is None and manager is None:
            errors.append(FieldError(at, "Give the employee's answer, the manager's, or both."))
        if len(errors) == before:
            found[key] = Answer(key, question, employee, manager)
    if asked is None:
        return tuple(found.values())
    return tuple(found[key] for key in asked if key in found)


def _checked_template(name: str, questions: Sequence[Question]) -> tuple[str, tuple[Question, ...]]:
    errors: list[FieldError] = []
    cleaned = check_name(name, "name", errors)
    try:
        checked = check_questions(questions)
    except InvalidInput as invalid:
        errors += invalid.errors
    if errors:
        raise InvalidInput("The check-in template is not valid.", errors)
    return cleaned, checked


def _check_key(value: str, path: str, errors: list[FieldError]) -> str:
    if not QUESTION_KEY.match(value):
        errors.append(FieldError(path, "Use 1 to 50 lowercase letters, digits or underscores."))
    return value


def _check_question_text(value: str, path: str, errors: list[FieldError]) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > QUESTION_MAX_LENGTH:
        errors.append(FieldError(path, f"Give 1 to {QUESTION_MAX_LENGTH} characters."))
    elif TEXT_FORBIDDEN.search(cleaned):
        errors.append(FieldError(path, "Control characters are not allowed."))
    return cleaned


def _check_answer(value: str | None, path: str, errors: list[FieldError]) -> str | None:
    """The answer trimmed, None when blank."""
    cleaned = (value or "").strip()
    if len(cleaned) > ANSWER_MAX_LENGTH:
        errors.append(FieldError(path, f"Give at most {ANSWER_MAX_LENGTH} characters."))
    elif TEXT_FORBIDDEN.search(cleaned):
        errors.append(FieldError(path, "Control characters are not allowed."))
    return cleaned or None


def too_many_links(**lists: Sequence[object]) -> list[FieldError]:
    """Each list of links longer than allowed: checked before any is looked up."""
    return [
        FieldError(path, f"At most {MAX_LINKS}.")
        for path, values in lists.items()
        if len(values) > MAX_LINKS
    ]


def _repeated(values: Sequence[object], path: str) -> list[FieldError]:
    errors = too_many_links(**{path: values})
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            errors.append(FieldError(f"{path}.{index}", "Listed twice."))
        seen.add(value)
    return errors
