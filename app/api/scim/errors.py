"""SCIM's error format (RFC 7644 3.12) for every failure under /scim/v2, in place of the
problem+json the rest of the API answers with."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from scim2_models import Error, SCIMException
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.problems import rate_limit_headers
from app.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    Unavailable,
)
from app.domain.rate_limits import RateLimited

SCIM_MEDIA_TYPE = "application/scim+json"
logger = logging.getLogger(__name__)


class ScimResponse(JSONResponse):
    media_type = SCIM_MEDIA_TYPE


class ScimError(BaseModel):
    """RFC 7644 section 3.12, as the OpenAPI document shows it."""

    schemas: list[str]
    status: str
    scimType: str | None = None
    detail: str | None = None


_TITLES = {
    400: "The request is not valid (RFC 7644 scimType says how)",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict (uniqueness)",
    412: "The If-Match version is not the current one",
    429: "The credential used its quota; see Retry-After",
    503: "The database could not be reached; see Retry-After",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": title, "model": ScimError} for status, title in _TITLES.items()
}
"""The errors every SCIM operation may answer with, in SCIM's error format."""


class ScimRoute(APIRoute):
    """A route whose errors, its dependencies' (authentication) included, are SCIM errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # every failure is reported in SCIM's form
                return error_response(error)

        return scim_handler


def error_response(error: Exception) -> ScimResponse:
    status, scim_type, detail = _describe(error)
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump()
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, RateLimited):
        # Entra ID and Okta back off on 429 with Retry-After rather than give up.
        headers = rate_limit_headers(error.verdict)
    if isinstance(error, Unavailable):
        headers = {"Retry-After": "1"}
    return ScimResponse(body, status_code=status, headers=headers)


def _describe(error: Exception) -> tuple[int, str | None, str]:
    if isinstance(error, SCIMException):
        return error.status, error.scim_type or None, error.detail
    if isinstance(error, ValidationError | RequestValidationError):
        return 400, "invalidValue", _validation_detail(error)
    if isinstance(error, InvalidInput):
        fields = [e.field for e in error.errors]
        scim_type = "invalidFilter" if "filter" in fields else "invalidValue"
        reasons = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        return 400, scim_type, f"{error.detail} {reasons}".strip()
    if isinstance(error, NotFound):
        return 404, None, error.detail
    if isinstance(error, PreconditionFailed):
        return 412, None, error.detail
    if isinstance(error, Conflict):
        return 409, "uniqueness", error.detail
    if isinstance(error, Unauthenticated):
        return 401, None, error.detail
    if isinstance(error, Forbidden):
        return 403, None, error.detail
    if isinstance(error, RateLimited):
        return 429, None, error.detail
    if isinstance(error, Unavailable):
        return 503, None, error.detail
    if isinstance(error, StarletteHTTPException):
        # What the framework refuses before the handler runs: a body that is not UTF-8 JSON
        # (400), one past the size limit (413).
        scim_type = "invalidSyntax" if error.status_code == 400 else None
        return error.status_code, scim_type, str(error.detail)
    if isinstance(error, DomainError):
        return 400, "invalidValue", error.detail
    logger.exception("SCIM request failed", exc_info=error)
    return 500, None, "Something went wrong on our side; the change was not applied."


def _validation_detail(error: ValidationError | RequestValidationError) -> str:
    reasons = []
    for item in error.errors()[:10]:
        place = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        reasons.append(f"{place}: {item.get('msg')}" if place else str(item.get("msg")))
    return "The request is not valid. " + "; ".join(reasons)
