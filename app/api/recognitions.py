"""Recognition: a manager or a peer recognises an employee."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, PageDep, UowDep
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.services import recognitions

router = APIRouter(tags=["recognition"], responses=problem_responses(401, 422))
RECOGNITIONS = "/v1/recognitions"
RecognitionId = Annotated[uuid.UUID, Path(description="The recognition's id.")]


class RecognitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: uuid.UUID = Field(description="Whom you recognise (not yourself).")
    message: str = Field(description="1 to 2,000 characters.")
    capability_id: uuid.UUID | None = Field(None, description="A capability they showed.")
    goal_id: uuid.UUID | None = Field(None, description="One of their goals.")


class RecognitionOut(Out):
    id: uuid.UUID
    employee_id: uuid.UUID
    given_by: uuid.UUID = Field(description="The employee who gave it.")
    message: str
    capability_id: uuid.UUID | None
    goal_id: uuid.UUID | None
    created_at: datetime


class RecognitionPage(PageOut[RecognitionOut]):
    pass


@router.post(
    RECOGNITIONS,
    status_code=201,
    response_model=RecognitionOut,
    summary="Recognise an employee",
    description="From a credential that speaks for an employee (a manager or a peer), for "
    "anyone else in the organisation; perhaps for a capability or one of their goals.",
    responses=problem_responses(403, 404),
)
async def recognise(
    body: RecognitionCreate, uow: UowDep, actor: ActorDep, response: Response
) -> RecognitionOut:
    given = await recognitions.recognise(
        uow,
        actor,
        employee_id=body.employee_id,
        message=body.message,
        capability_id=body.capability_id,
        goal_id=body.goal_id,
    )
    response.headers["Location"] = f"{RECOGNITIONS}/{given.id}"
    return RecognitionOut.of(given)


@router.get(
    RECOGNITIONS + "/{recognition_id}",
    response_model=RecognitionOut,
    summary="Read one recognition",
    description="The recipient, their managers, the giver, hr_admin and integrations read it; "
    "others get 404.",
    responses=problem_responses(404),
)
async def get_recognition(
    recognition_id: RecognitionId, uow: UowDep, actor: ActorDep
) -> RecognitionOut:
    found = await recognitions.get_recognition(uow, actor, recognition_id=recognition_id)
    return RecognitionOut.of(found)


@router.get(
    RECOGNITIONS,
    response_model=RecognitionPage,
    summary="List the recognition you may see, newest first",
)
async def list_recognitions(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    employee_id: uuid.UUID | None = None,
    given_by: uuid.UUID | None = None,
) -> RecognitionPage:
    """Recognition of people you may see, and recognition you gave."""
    found = await recognitions.list_recognitions(
        uow, actor, page=page, employee_id=employee_id, given_by=given_by
    )
    return RecognitionPage.of(found, RecognitionOut.of)
