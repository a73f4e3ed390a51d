"""Readiness: can this process serve requests that need its dependencies?"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.ports import DependencyProbe

PROBE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(status == "ok" for status in self.checks.values())


async def check_readiness(probes: Sequence[DependencyProbe]) -> Readiness:
    """Probe every dependency concurrently, each within a short timeout; never raises."""

    async def run(probe: DependencyProbe) -> str:
        try:
            await asyncio.wait_for(probe.check(), PROBE_TIMEOUT_SECONDS)
        except TimeoutError:
            return "timeout"
        except Exception as error:
            return f"unavailable: {type(error).__name__}"
        return "ok"

    statuses = await asyncio.gather(*(run(probe) for probe in probes))
    return Readiness(
        checks={probe.name: status for probe, status in zip(probes, statuses, strict=True)}
    )
