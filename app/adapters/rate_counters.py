"""Request counters for rate limits: in Redis, shared by every API process, or in memory
for the embedded single process."""

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisRateCounter:
    """INCR and EXPIRE in one transaction per request. When Redis cannot be reached the
    request is counted as the first of its window: a rate limit must not take the API down."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    async def increment(self, key: str, *, window: int, expires_in: int) -> int:
        name = f"tandem:rate:{key}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                # The key names its window, so setting the expiry again is harmless (and
                # EXPIRE ... NX would need Redis 7).
                pipe.expire(name, expires_in)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as error:
            logger.warning("Rate limit not applied: Redis is unreachable (%s)", error)
            return 1
        return int(count)

    async def aclose(self) -> None:
        await self._redis.aclose()


class MemoryRateCounter:
    """One process's counts, kept for the current window only."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._window = 0

    async def increment(self, key: str, *, window: int, expires_in: int) -> int:
        if window != self._window:  # past windows' counts are never read again
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            self._window = window
        seen, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen == window else 1
        self._counts[key] = (window, count)
        return count

    async def aclose(self) -> None:
        return None
