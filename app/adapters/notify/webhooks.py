"""Webhook delivery with httpx: one signed POST per attempt, its outcome told as an Attempt."""

import asyncio
import re
from datetime import datetime

import httpx

from app.adapters.notify.signing import headers
from app.domain.notifications import Attempt, WebhookMessage

MAX_ERROR_LENGTH = 200
DRAIN_LIMIT = 4096
"""Response bytes read and thrown away: enough to return a short response's connection to the
pool, too few for a receiver to make the sender download a large body."""

# Userinfo, query and fragment of any URL quoted in an error: receivers often put a token there,
# and the error text is stored with the message and logged.
_URL_SECRETS = re.compile(r"(https?://)(?:[^\s/@]*@)?([^\s?#'\"]*)[^\s'\"]*", re.IGNORECASE)


class HttpxWebhookSender:
    def __init__(self, client: httpx.AsyncClient, timeout: float = 10.0) -> None:
        self._client = client
        self._timeout = timeout

    async def send(self, message: WebhookMessage, now: datetime) -> Attempt:
        try:
            # httpx bounds each read, not the exchange: without a deadline a receiver trickling
            # bytes could hold a worker indefinitely.
            async with asyncio.timeout(self._timeout):
                status_code = await self._post(message, now)
        except TimeoutError:
            return Attempt(ok=False, error=f"TimeoutError: no response within {self._timeout:g}s")
        # The port never raises: any failure is an attempt to be retried, its cause recorded.
        except Exception as error:
            return Attempt(ok=False, error=_describe(error))
        return _outcome(status_code)

    async def _post(self, message: WebhookMessage, now: datetime) -> int:
        async with self._client.stream(
            "POST",
            message.url,
            content=message.body,
            headers=headers(message, now),
            timeout=self._timeout,
            # A redirect could carry a signed body to a host the subscriber never registered.
            follow_redirects=False,
        ) as response:
            # Raw bytes, never decompressed, so a small compressed body cannot swell in memory.
            # A transport may hand back a body it has read already, as httpx.MockTransport does.
            if not response.is_stream_consumed:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= DRAIN_LIMIT:
                        break
            return response.status_code


def _outcome(status_code: int) -> Attempt:
    if 200 <= status_code < 300:
        return Attempt(ok=True, status_code=status_code)
    if status_code == 410:
        return Attempt(ok=False, status_code=410, permanent=True, error="HTTP 410 Gone")
    if 300 <= status_code < 400:
        return Attempt(
            ok=False, status_code=status_code, error="redirect to another URL is not followed"
        )
    return Attempt(ok=False, status_code=status_code, error=f"HTTP {status_code}")


def _describe(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return _URL_SECRETS.sub(r"\1\2", text)[:MAX_ERROR_LENGTH]
