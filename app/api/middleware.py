"""Plain ASGI middleware: the request context (request id, access log line, Prometheus
metrics) and the request body limit."""

import logging
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import (
    BodyTooLarge,
    internal_error_body,
    problem_body,
    rate_limit_headers,
)
from app.observability import request_id_var

REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
logger = logging.getLogger("tandem.access")


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "tandem_http_requests",
            "HTTP requests served, by route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "tandem_http_request_duration_seconds",
            "Time to serve an HTTP request, by route template.",
            ["method", "route"],
            registry=registry,
        )


class RequestContextMiddleware:
    """Tags each request with an id (the caller's X-Request-ID when sane, else a new one),
    echoes it in the response, logs one line per request and records metrics."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, static_paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.static_paths = static_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        started_response = False
        state = scope.setdefault("state", {})

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                if verdict := state.get("rate_limit"):
                    fields = rate_limit_headers(verdict).items()
                    headers += [(k.encode(), v.encode()) for k, v in fields]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Rendered here, inside the request's context, so the problem and the log line
            # carry the request id the message asks the caller to quote.
            logger.exception("Unhandled error", extra={"path": scope["path"]})
            if started_response:
                raise
            await send_problem(send_with_id, 500, internal_error_body(scope["path"]))
        finally:
            elapsed = time.perf_counter() - started
            route = self._route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(elapsed)
            logger.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={"route": route, "status": status, "duration_ms": round(elapsed * 1000, 2)},
            )
            request_id_var.reset(token)

    def _route_template(self, scope: Scope) -> str:
        # The template, not the raw path, keeps metric label cardinality bounded: a path
        # without a template is counted under its own name only if it is one of the app's
        # fixed paths (docs, GraphQL), never as whatever the client typed.
        if template := getattr(scope.get("route"), "path", None):
            return template
        return scope["path"] if scope["path"] in self.static_paths else "unmatched"


class BodySizeLimitMiddleware:
    """Refuses a request body over `max_bytes` with 413: unread when its Content-Length says
    so, or as soon as a streamed body passes the limit, so that no handler ever holds more
    than the limit in memory. Inside RequestContextMiddleware, so the refusal carries the
    request id and is logged and counted like any response."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            detail = BodyTooLarge(self.max_bytes).detail
            await send_problem(
                send, 413, problem_body(413, "content_too_large", detail, scope["path"])
            )
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, receive_within_limit, send)


async def send_problem(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate = value.decode("latin-1")
            return candidate if _ACCEPTABLE_REQUEST_ID.match(candidate) else None
    return None
