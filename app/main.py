"""Composition root: the one module that knows every concrete class and wires them together."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.fastapi import GraphQLRouter

from app.adapters.db.engine import DatabaseProbe, create_engine
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.adapters.notify.email import ConsoleEmailSender, SmtpEmailSender
from app.adapters.notify.webhooks import HttpxWebhookSender
from app.adapters.rate_counters import MemoryRateCounter, RedisRateCounter
from app.adapters.redis import RedisProbe
from app.adapters.security.jwt import BearerTokensDisabled, JwtVerifier
from app.api import (
    api_keys,
    assessments,
    audit,
    case,
    checkins,
    cohorts,
    employees,
    frameworks,
    gaps,
    goals,
    identity,
    learning,
    operations,
    org_units,
    plans,
    recognitions,
    reports,
    roles,
    scales,
    webhooks,
    workflows,
    xapi,
)
from app.api.deps import OptionalActorDep, ServicesDep
from app.api.middleware import BodySizeLimitMiddleware, HttpMetrics, RequestContextMiddleware
from app.api.problems import install_problem_handlers, install_problem_openapi
from app.api.scim import routes as scim
from app.config import Settings
from app.domain.errors import Unauthenticated
from app.domain.notifications import EmailSender
from app.domain.ports import DependencyProbe, TokenVerifier
from app.domain.rate_limits import RatePolicy
from app.graphql.context import GraphQLContext
from app.graphql.schema import build_schema
from app.services.context import ServiceContext
from app.services.rate_limits import RateLimiter
from app.workers.jobs import CRON_JOBS, SERVICES
from app.workers.scheduler import InProcessScheduler
from app.workers.settings import worker_settings

GRAPHQL_PATH = "/graphql"
DESCRIPTION = """Tandem links learning and performance through capabilities: scales, role
scorecards, multi-rater assessments, gap analysis, generated development plans and the workflows
that close the loop.

Authenticate with `Authorization: Bearer <API key or JWT>` or `X-API-Key: <API key>`. Errors are
RFC 9457 `application/problem+json`. Lists are keyset-paginated: pass `next_cursor` back as
`cursor`. The same operations are available over GraphQL at `/graphql`."""


def build_services(
    settings: Settings,
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    rate_limiter: RateLimiter | None = None,
) -> ServiceContext:
    verifier: TokenVerifier = (
        JwtVerifier(
            settings.jwt_secret.get_secret_value(),
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        if settings.jwt_secret
        else BearerTokensDisabled()
    )
    probes: list[DependencyProbe] = [DatabaseProbe(engine)]
    if settings.redis_url:
        probes.append(RedisProbe(settings.redis_url))
    return ServiceContext(
        uow=SqlUnitOfWorkFactory(engine),
        token_verifier=verifier,
        probes=probes,
        api_key_retention_days=settings.api_key_retention_days,
        email=email_sender(settings),
        webhooks=HttpxWebhookSender(http),
        rate_limiter=rate_limiter,
    )


def email_sender(settings: Settings) -> EmailSender:
    """SMTP when a server is configured; otherwise emails are written to the log."""
    if not settings.smtp_host:
        return ConsoleEmailSender()
    password = settings.smtp_password
    return SmtpEmailSender(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_username,
        None if password is None else password.get_secret_value(),
        settings.smtp_sender,
        settings.smtp_starttls,
        timeout=30.0,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API; its start-up raises ValueError for settings it must not be served with."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.check_serving()
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        http = httpx.AsyncClient()
        counter = (
            RedisRateCounter(settings.redis_url) if settings.redis_url else MemoryRateCounter()
        )
        limiter = (
            RateLimiter(RatePolicy(settings.rate_limit_per_minute), counter)
            if settings.rate_limit_per_minute
            else None
        )
        services = build_services(settings, engine, http, limiter)
        app.state.services = services
        scheduler = None
        if not settings.redis_url and settings.in_process_scheduler:
            scheduler = InProcessScheduler(CRON_JOBS, {SERVICES: services})
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop(settings.shutdown_grace_seconds)
            await http.aclose()
            await counter.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Tandem",
        version=version("tandem"),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    install_problem_openapi(app, own_errors=(scim.PREFIX,))
    for module in (
        operations,
        identity,
        api_keys,
        scales,
        frameworks,
        case,
        roles,
        org_units,
        employees,
        cohorts,
        assessments,
        gaps,
        learning,
        plans,
        checkins,
        goals,
        recognitions,
        reports,
        workflows,
        webhooks,
        audit,
        xapi,
        scim,
    ):
        app.include_router(module.router)
    schema = build_schema(
        max_depth=settings.graphql_max_depth,
        max_tokens=settings.graphql_max_tokens,
        max_aliases=settings.graphql_max_aliases,
    )
    app.include_router(
        GraphQLRouter(
            schema,
            context_getter=graphql_context,
            include_in_schema=False,
            subscription_protocols=(),
        ),
        prefix=GRAPHQL_PATH,
    )
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    paths = (getattr(route, "path", None) for route in app.routes)
    static_paths = frozenset({path for path in paths if path and "{" not in path} | {GRAPHQL_PATH})
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(
        RequestContextMiddleware, metrics=HttpMetrics(registry), static_paths=static_paths
    )
    if settings.cors_origins:
        # Outermost, so that every response, a 500 included, carries the CORS headers.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Request-ID",
                "Location",
                "ETag",
                "RateLimit",
                "RateLimit-Policy",
                "Retry-After",
            ],
        )
    return app


async def graphql_context(
    request: Request, services: ServicesDep, caller: OptionalActorDep
) -> GraphQLContext:
    """The same authentication as REST. Only the GraphiQL page itself is served without it."""
    if caller is None and not _is_ide_page(request):
        raise Unauthenticated("Credentials are required: an API key or a bearer token.")
    return GraphQLContext(services=services, caller=caller)


def _is_ide_page(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def build_worker_settings(settings: Settings) -> type:
    """arq settings for `tandem worker`: the job functions with their services wired in."""
    if not settings.redis_url:
        raise RuntimeError(
            "The worker needs TANDEM_REDIS_URL; without Redis, `tandem serve` "
            "runs the scheduled jobs in-process."
        )
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)

    http = httpx.AsyncClient()

    async def open_services() -> ServiceContext:
        return build_services(settings, engine, http)

    async def close_services() -> None:
        await http.aclose()
        await engine.dispose()

    return worker_settings(settings.redis_url, open_services, close_services)


def openapi_document(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def graphql_sdl(settings: Settings | None = None) -> str:
    settings = settings or Settings()
    schema = build_schema(
        max_depth=settings.graphql_max_depth,
        max_tokens=settings.graphql_max_tokens,
        max_aliases=settings.graphql_max_aliases,
    )
    return schema.as_str() + "\n"
