"""arq worker settings, built by the composition root with the services it wires."""

from collections.abc import Awaitable, Callable
from datetime import UTC

from arq.connections import RedisSettings

from app.services.context import ServiceContext
from app.workers.jobs import CRON_JOBS, FUNCTIONS, SERVICES


def worker_settings(
    redis_url: str,
    open_services: Callable[[], Awaitable[ServiceContext]],
    close_services: Callable[[], Awaitable[None]],
) -> type:
    """A WorkerSettings class for `arq.run_worker`."""

    async def on_startup(ctx: dict) -> None:
        ctx[SERVICES] = await open_services()

    async def on_shutdown(ctx: dict) -> None:
        await close_services()

    return type(
        "WorkerSettings",
        (),
        {
            "functions": FUNCTIONS,
            "cron_jobs": CRON_JOBS,
            "redis_settings": RedisSettings.from_dsn(redis_url),
            "on_startup": on_startup,
            "on_shutdown": on_shutdown,
            "health_check_interval": 30,
            # Cron times are UTC, as in the in-process scheduler.
            "timezone": UTC,
        },
    )
