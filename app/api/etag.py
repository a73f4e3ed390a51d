"""ETag and If-Match: every versioned resource carries its version as a strong ETag."""

import re
from typing import Annotated

from fastapi import Header, Response

from app.domain.errors import PreconditionFailed

_STRONG_ETAG = re.compile(r'^"(\d{1,18})"$')


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(description='The ETag you read (e.g. `"3"`); the write fails with 412 if stale.'),
    ] = None,
) -> int | None:
    """The version an If-Match demands; None when absent or `*`. A weak or foreign tag can
    never match strongly, so it fails the precondition."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _STRONG_ETAG.match(if_match.strip())
    if match is None:
        raise PreconditionFailed('If-Match must be a strong ETag this API returned, e.g. "3".')
    return int(match.group(1))
