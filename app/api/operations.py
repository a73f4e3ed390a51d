"""Probes and metrics for orchestrators; no credentials needed, nothing tenant-owned shown."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from app.api.deps import ServicesDep
from app.api.problems import problem_response
from app.services.health import check_readiness

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class ReadinessOut(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessOut,
    summary="The database (and Redis, when configured) can be reached",
    responses={503: {"model": ReadinessOut, "description": "A dependency is unreachable"}},
)
async def readyz(services: ServicesDep, response: Response) -> ReadinessOut:
    readiness = await check_readiness(services.probes)
    if not readiness.ready:
        response.status_code = 503
    return ReadinessOut(status="ok" if readiness.ready else "unavailable", checks=readiness.checks)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry = getattr(request.app.state, "metrics_registry", None)
    if registry is None:
        return problem_response(404, "not_found", "Metrics are not enabled.", request)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
