"""Check-ins: the tenant's templates of questions, and the check-ins logged from them."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.checkins import (
    MAX_LINKS,
    MAX_QUESTIONS,
    AnswerInput,
    CheckinTemplate,
    PlanItemRef,
    Question,
)
from app.domain.values import UNSET
from app.services import checkins

router = APIRouter(tags=["checkins"], responses=problem_responses(401, 422))
TEMPLATES = "/v1/checkin-templates"
CHECKINS = "/v1/checkins"
TemplateId = Annotated[uuid.UUID, Path(description="The check-in template's id.")]
CheckinId = Annotated[uuid.UUID, Path(description="The check-in's id.")]
# Generous bounds against oversized bodies; the domain applies the exact rules with paths.
MAX_LISTED = 100


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="1 to 50 of a-z, 0-9 and _, unique in the template.")
    text: str = Field(description="1 to 500 characters.")


class QuestionOut(Out):
    key: str
    text: str


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique in the tenant.")
    questions: list[QuestionIn] = Field(
        max_length=MAX_LISTED, description=f"2 to {MAX_QUESTIONS}, in the order asked."
    )
    active: bool = True


class TemplatePatch(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    questions: list[QuestionIn] | None = Field(
        None,
        max_length=MAX_LISTED,
        description="Replaces every question; check-ins logged before keep theirs.",
    )
    active: bool | None = Field(None, description="false retires the template.")


class TemplateOut(Out):
    id: uuid.UUID
    name: str
    questions: list[QuestionOut]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TemplatePage(PageOut[TemplateOut]):
    pass


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="The template question's key (or your own, without one).")
    question: str | None = Field(None, description="Only for a check-in without a template.")
    employee_answer: str | None = Field(None, description="At most 5,000 characters.")
    manager_answer: str | None = Field(None, description="At most 5,000 characters.")


class PlanItemRefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: uuid.UUID
    learning_item_id: uuid.UUID


class PlanItemRefOut(Out):
    plan_id: uuid.UUID
    learning_item_id: uuid.UUID


class CheckinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: uuid.UUID
    manager_id: uuid.UUID | None = Field(None, description="By default the employee's manager.")
    template_id: uuid.UUID | None = Field(None, description="Null: the answers ask their own.")
    held_on: date
    answers: list[AnswerIn] = Field(
        max_length=MAX_LISTED, description="At least one; unanswered questions left out."
    )
    goal_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=MAX_LISTED, description="The employee's goals discussed."
    )
    plan_items: list[PlanItemRefIn] = Field(
        default_factory=list,
        max_length=MAX_LISTED,
        description=f"Items of the employee's development plans discussed (at most {MAX_LINKS}).",
    )


class AnswerOut(Out):
    key: str
    question: str = Field(description="The question as it was asked.")
    employee_answer: str | None
    manager_answer: str | None


class CheckinOut(Out):
    id: uuid.UUID
    employee_id: uuid.UUID
    manager_id: uuid.UUID | None
    template_id: uuid.UUID | None
    held_on: date
    answers: list[AnswerOut]
    goal_ids: list[uuid.UUID]
    plan_items: list[PlanItemRefOut]
    logged_by: str = Field(description="The credential that logged it.")
    created_at: datetime


class CheckinPage(PageOut[CheckinOut]):
    pass


@router.post(
    TEMPLATES,
    status_code=201,
    response_model=TemplateOut,
    summary="Add a check-in template (hr_admin)",
    responses=problem_responses(403, 409),
)
async def create_template(
    body: TemplateIn, uow: UowDep, actor: ActorDep, response: Response
) -> TemplateOut:
    template = await checkins.create_template(
        uow, actor, name=body.name, questions=_questions(body.questions), active=body.active
    )
    response.headers["Location"] = f"{TEMPLATES}/{template.id}"
    return _template_out(template, response)


@router.get(TEMPLATES, response_model=TemplatePage, summary="List check-in templates")
async def list_templates(
    uow: UowDep, actor: ActorDep, page: PageDep, active: bool | None = None
) -> TemplatePage:
    found = await checkins.list_templates(uow, actor, page=page, active=active)
    return TemplatePage.of(found, TemplateOut.of)


@router.get(
    f"{TEMPLATES}/{{template_id}}",
    response_model=TemplateOut,
    summary="Get a check-in template",
    responses=problem_responses(404),
)
async def get_template(
    template_id: TemplateId, uow: UowDep, actor: ActorDep, response: Response
) -> TemplateOut:
    template = await checkins.get_template(uow, actor, template_id=template_id)
    return _template_out(template, response)


@router.patch(
    f"{TEMPLATES}/{{template_id}}",
    response_model=TemplateOut,
    summary="Change a check-in template (hr_admin; active=false retires it)",
    responses=problem_responses(403, 404, 409, 412),
)
async def update_template(
    template_id: TemplateId,
    body: TemplatePatch,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> TemplateOut:
    sent = body.model_fields_set
    template = await checkins.update_template(
        uow,
        actor,
        template_id=template_id,
        name=(body.name or "") if "name" in sent else UNSET,
        questions=_questions(body.questions or []) if "questions" in sent else UNSET,
        active=body.active if "active" in sent and body.active is not None else UNSET,
        expected_version=if_match,
    )
    return _template_out(template, response)


@router.post(
    CHECKINS,
    status_code=201,
    response_model=CheckinOut,
    summary="Log a check-in (the employee, their managers, hr_admin)",
    description="Records checkin_logged, which workflows' event triggers can react to.",
    responses=problem_responses(403, 404),
)
async def log_checkin(
    body: CheckinIn, uow: UowDep, actor: ActorDep, response: Response
) -> CheckinOut:
    checkin = await checkins.log_checkin(
        uow,
        actor,
        employee_id=body.employee_id,
        manager_id=body.manager_id,
        template_id=body.template_id,
        held_on=body.held_on,
        answers=[AnswerInput(**a.model_dump()) for a in body.answers],
        goal_ids=body.goal_ids,
        plan_items=[PlanItemRef(p.plan_id, p.learning_item_id) for p in body.plan_items],
    )
    response.headers["Location"] = f"{CHECKINS}/{checkin.id}"
    return CheckinOut.of(checkin)


@router.get(
    CHECKINS, response_model=CheckinPage, summary="List the check-ins you may read, newest first"
)
async def list_checkins(
    uow: UowDep, actor: ActorDep, page: PageDep, employee_id: uuid.UUID | None = None
) -> CheckinPage:
    found = await checkins.list_checkins(uow, actor, page=page, employee_id=employee_id)
    return CheckinPage.of(found, CheckinOut.of)


@router.get(
    f"{CHECKINS}/{{checkin_id}}",
    response_model=CheckinOut,
    summary="Get a check-in",
    responses=problem_responses(404),
)
async def get_checkin(checkin_id: CheckinId, uow: UowDep, actor: ActorDep) -> CheckinOut:
    return CheckinOut.of(await checkins.get_checkin(uow, actor, checkin_id=checkin_id))


def _questions(questions: list[QuestionIn]) -> list[Question]:
    return [Question(q.key, q.text) for q in questions]


def _template_out(template: CheckinTemplate, response: Response) -> TemplateOut:
    set_etag(response, template.version)
    return TemplateOut.of(template)
