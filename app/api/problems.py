"""RFC 9457 problem details: the one place errors become HTTP responses."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    Unavailable,
)
from app.domain.rate_limits import RateLimited, RateVerdict
from app.observability import request_id_var

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:tandem:problem:"

_STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    InvalidTransition: 409,
    Conflict: 409,
    Unauthenticated: 401,
    Forbidden: 403,
    PreconditionFailed: 412,
    RateLimited: 429,
    Unavailable: 503,
}
_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemFieldError(BaseModel):
    field: str = Field(
        description="Where the input is wrong, e.g. `body.roles.0` or `query.limit`."
    )
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str = Field(
        description="A URI naming the kind of problem, e.g. urn:tandem:problem:not_found."
    )
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemFieldError] | None = Field(
        None, description="For invalid input: every offending field and why."
    )


def problem_response(
    status: int,
    code: str,
    detail: str | None,
    request: Request,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=f"{PROBLEM_TYPE_BASE}{code}",
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id_var.get(),
        errors=[ProblemFieldError(field=e.field, message=e.message) for e in errors]
        if errors
        else None,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def rate_limit_headers(verdict: RateVerdict) -> dict[str, str]:
    """The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers),
    with Retry-After when the request is refused."""
    name, policy = verdict.policy.name, verdict.policy
    fields = {
        "RateLimit-Policy": f'"{name}";q={policy.quota};w={policy.window_seconds}',
        "RateLimit": f'"{name}";r={verdict.remaining};t={verdict.reset_seconds}',
    }
    if not verdict.admitted:
        fields["Retry-After"] = str(verdict.reset_seconds)
    return fields


def _status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in _STATUS_BY_ERROR:
            return _STATUS_BY_ERROR[kind]
    return 400


def _located(field: str, request: Request) -> str:
    """Domain errors name fields relative to the input: a read's input is its query string,
    a write's its body, unless the service named the source itself."""
    if field.split(".", 1)[0] in ("header", "path", "query", "body"):
        return field
    return f"query.{field}" if request.method in ("GET", "HEAD") else f"body.{field}"


async def _domain_error(request: Request, error: DomainError) -> JSONResponse:
    status = _status_of(error)
    errors = None
    if isinstance(error, InvalidInput):
        errors = [FieldError(_located(e.field, request), e.message) for e in error.errors]
    headers = {"WWW-Authenticate": 'Bearer realm="tandem"'} if status == 401 else None
    if isinstance(error, RateLimited):
        headers = rate_limit_headers(error.verdict)
    if isinstance(error, Unavailable):
        headers = {"Retry-After": "1"}
    return problem_response(
        status, error.code, error.detail, request, errors=errors, headers=headers
    )


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        FieldError(".".join(str(part) for part in item["loc"]), item["msg"])
        for item in error.errors()
    ]
    return problem_response(
        422, "invalid_input", "The request does not match the schema.", request, errors=errors
    )


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 400 and isinstance(error.__cause__, UnicodeDecodeError):
        # FastAPI's answer to a JSON body whose bytes do not decode as text: it is invalid
        # JSON, so it gets the 422 that any other invalid JSON gets.
        return problem_response(
            422,
            "invalid_input",
            "The body is not valid JSON.",
            request,
            errors=[FieldError("body", "Send the body as UTF-8 encoded JSON.")],
        )
    code = _TITLES.get(error.status_code, "error").lower().replace(" ", "_")
    detail = error.detail if isinstance(error.detail, str) else None
    return problem_response(error.status_code, code, detail, request, headers=error.headers)


def problem_body(status: int, code: str, detail: str, path: str) -> bytes:
    """A problem document for middleware, which has no Request to build a response from."""
    problem = Problem(
        type=f"{PROBLEM_TYPE_BASE}{code}",
        title=_TITLES[status],
        status=status,
        detail=detail,
        instance=path,
        request_id=request_id_var.get(),
    )
    return problem.model_dump_json(exclude_none=True).encode()


def internal_error_body(path: str) -> bytes:
    return problem_body(
        500, "internal_error", "Something went wrong on our side; quote the request id.", path
    )


class BodyTooLarge(StarletteHTTPException):
    """A request body past the configured limit. An HTTPException, so that the framework
    hands it on as it is (it turns other errors met while reading a body into a 400) and it
    is served as a problem like any other."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Send at most {limit} bytes in one request.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_RATE_LIMITED = {
    "description": "The credential used its quota for the current window.",
    "headers": {
        "Retry-After": {
            "description": "Seconds until the next window.",
            "schema": {"type": "integer"},
        },
        "RateLimit": {
            "description": "Requests left and seconds to the reset.",
            "schema": {"type": "string"},
        },
        "RateLimit-Policy": {
            "description": "The quota and its window.",
            "schema": {"type": "string"},
        },
    },
    "content": _PROBLEM_CONTENT,
}


def problem_responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI entries so clients see the problem schema on each route's error statuses."""
    return {
        status: {"description": _TITLES[status], "content": _PROBLEM_CONTENT} for status in statuses
    }


def install_problem_openapi(app: FastAPI, *, own_errors: tuple[str, ...] = ()) -> None:
    """Make the OpenAPI document tell the truth: FastAPI documents its own 422 body, but every
    error here, 422 included, is a Problem served as application/problem+json. Paths under
    `own_errors` prefixes document their own error format, and never answer 422."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
            for path, operations in document.get("paths", {}).items():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    if path.startswith(own_errors):
                        responses.pop("422", None)
                        continue
                    if "422" in responses:
                        responses["422"]["content"] = _PROBLEM_CONTENT
                    if "401" in responses:  # authenticated, so counted against a rate limit
                        responses["429"] = _RATE_LIMITED
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi
