"""The in-process scheduler for the embedded mode: the same cron jobs as the arq worker, run
inside the API process when no Redis is configured."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from arq.cron import CronJob

logger = logging.getLogger(__name__)


class InProcessScheduler:
    def __init__(self, cron_jobs: Sequence[CronJob], ctx: dict) -> None:
        # Copies: CronJob keeps its next run on itself, and the definitions are shared.
        self._jobs = [replace(job) for job in cron_jobs]
        self._ctx = ctx
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        now = datetime.now(UTC)
        for job in self._jobs:
            job.calculate_next(now)
        self._task = asyncio.create_task(self._run(), name="tandem-scheduler")

    async def stop(self, grace_seconds: float) -> None:
        """Stop taking new runs; give a job under way `grace_seconds` to finish, then cancel it."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(self._task, grace_seconds)
        except TimeoutError:
            logger.warning("A scheduled job was cancelled at shutdown")
        self._task = None

    async def run_due(self, now: datetime) -> None:
        """Run every job whose time has come, then plan its next run."""
        for job in self._jobs:
            if job.next_run is not None and job.next_run <= now:
                try:
                    await job.coroutine(self._ctx)
                except Exception:
                    logger.exception("Scheduled job failed", extra={"job": job.name})
                job.calculate_next(now)

    async def _run(self) -> None:
        while True:
            soonest = min(job.next_run for job in self._jobs if job.next_run is not None)
            delay = max((soonest - datetime.now(UTC)).total_seconds(), 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            await self.run_due(datetime.now(UTC))
