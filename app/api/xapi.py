"""LMS completions as xAPI statements (POST only: Tandem is not a Learning Record Store)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel

from app.api.deps import ActorDep, PageDep, UowDep
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.errors import FieldError, InvalidInput
from app.domain.xapi import StatementOutcome, StoredStatement
from app.services import xapi

router = APIRouter(prefix="/v1/xapi", tags=["xapi"], responses=problem_responses(401, 403, 422))
XAPI_VERSION = "1.0.3"


class StatementOut(BaseModel):
    id: uuid.UUID
    outcome: StatementOutcome
    plan_id: uuid.UUID | None
    stored_at: datetime
    updated_at: datetime
    statement: dict[str, Any]

    @classmethod
    def of(cls, stored: StoredStatement) -> "StatementOut":
        return cls(
            id=stored.id,
            outcome=stored.outcome,
            plan_id=stored.plan_id,
            stored_at=stored.stored_at,
            updated_at=stored.updated_at,
            statement=dict(stored.document),
        )


class StatementPage(PageOut[StatementOut]):
    pass


@router.post(
    "/statements",
    response_model=list[uuid.UUID],
    summary="Send xAPI statements (one, or an array of up to 500)",
    description="Statements whose verb is completed, passed or (cmi5) satisfied complete the "
    "plan item whose external id is the object's id, for the person named by `actor.mbox` "
    "(their email) or `actor.account.name` (their external id). Every statement is kept with "
    "its outcome (`GET /v1/xapi/statements`); one whose person or item is not known yet is "
    "matched again when sent again. The same id with the same content changes nothing; with "
    "other content it is a 409. Answers the statement ids, as an LRS does.",
    responses=problem_responses(409),
)
async def post_statements(
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    payload: Annotated[dict[str, Any] | list[Any], Body()],
    x_experience_api_version: Annotated[
        str | None, Header(description="The xAPI version, 1.0.x.")
    ] = None,
) -> list[uuid.UUID]:
    try:
        stored = await xapi.record_statements(
            uow,
            actor,
            documents=payload if isinstance(payload, list) else [payload],
            version=x_experience_api_version,
        )
    except InvalidInput as error:
        raise _in_body(error, single=not isinstance(payload, list)) from None
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return [statement.id for statement in stored]


def _in_body(error: InvalidInput, *, single: bool) -> InvalidInput:
    """The error with `statements.<n>` paths where the body has them: a single statement is
    the body itself, an array's statements are its items."""
    root = "statements.0" if single else "statements"

    def moved(path: str) -> str:
        if path == root or path.startswith(f"{root}."):
            return "body" + path[len(root) :]
        return path

    return InvalidInput(error.detail, [FieldError(moved(e.field), e.message) for e in error.errors])


@router.get("/statements", response_model=StatementPage, summary="Statements received")
async def list_statements(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    outcome: Annotated[StatementOutcome | None, Query()] = None,
) -> StatementPage:
    found = await xapi.list_statements(uow, actor, page=page, outcome=outcome)
    return StatementPage.of(found, StatementOut.of)
