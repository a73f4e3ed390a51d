"""Redis reachability for the readiness probe."""

from redis.asyncio import Redis


class RedisProbe:
    name = "redis"

    def __init__(self, url: str) -> None:
        self._url = url

    async def check(self) -> None:
        client = Redis.from_url(self._url, socket_connect_timeout=1)
        try:
            await client.ping()
        finally:
            await client.aclose()
