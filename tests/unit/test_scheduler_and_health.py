import asyncio
from datetime import UTC, datetime, timedelta

from arq import cron

from app.services.health import check_readiness
from app.workers.scheduler import InProcessScheduler


async def test_due_jobs_run_once_and_are_planned_again():
    runs = []

    async def job(ctx):
        runs.append(ctx["marker"])

    scheduler = InProcessScheduler([cron(job, minute={0})], {"marker": "m"})
    scheduler.start()
    try:
        now = datetime.now(UTC)
        await scheduler.run_due(now)
        assert runs == []
        later = now + timedelta(hours=1, minutes=1)
        await scheduler.run_due(later)
        await scheduler.run_due(later)
        assert runs == ["m"]
    finally:
        await scheduler.stop(grace_seconds=1)


async def test_a_failing_job_is_logged_and_does_not_stop_the_others(caplog):
    runs = []

    async def broken(ctx):
        raise RuntimeError("boom")

    async def fine(ctx):
        runs.append("fine")

    scheduler = InProcessScheduler([cron(broken, minute={0}), cron(fine, minute={0})], {})
    scheduler.start()
    await scheduler.run_due(datetime.now(UTC) + timedelta(hours=2))
    await scheduler.stop(grace_seconds=1)
    assert runs == ["fine"]
    assert "Scheduled job failed" in caplog.text


async def test_stopping_returns_promptly_while_waiting_for_the_next_run():
    async def job(ctx):
        return None

    scheduler = InProcessScheduler([cron(job, hour={3}, minute={17})], {})
    scheduler.start()
    await asyncio.wait_for(scheduler.stop(grace_seconds=5), timeout=1)


class Probe:
    def __init__(self, name, behaviour):
        self.name = name
        self.behaviour = behaviour

    async def check(self):
        await self.behaviour()


async def test_readiness_reports_each_dependency():
    async def ok():
        return None

    async def down():
        raise ConnectionRefusedError

    readiness = await check_readiness([Probe("database", ok), Probe("redis", down)])
    assert not readiness.ready
    assert readiness.checks == {"database": "ok", "redis": "unavailable: ConnectionRefusedError"}
