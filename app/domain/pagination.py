"""Keyset pagination: an opaque cursor names the last item seen, never an offset.

A cursor is the sort key of the last item of a page, as URL-safe base64 of JSON. Clients must
treat it as opaque; the encoding may change.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.domain.errors import FieldError, InvalidInput

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_LENGTH = 1_000


@dataclass(frozen=True)
class PageRequest:
    """At most `limit` items after the item whose sort key is `after` (None: from the start)."""

    limit: int = DEFAULT_LIMIT
    after: tuple | None = None
    cursor_field: str = "cursor"

    def invalid_cursor(self) -> InvalidInput:
        """The error for a well-encoded cursor that does not fit the list it was sent to."""
        return _invalid_cursor(self.cursor_field)

    @classmethod
    def parse(
        cls,
        *,
        limit: int | None,
        cursor: str | None,
        limit_field: str = "limit",
        cursor_field: str = "cursor",
    ) -> "PageRequest":
        """Validate what a client sent; InvalidInput names the offending parameter as the
        client called it (`limit`/`cursor` in REST, `first`/`after` in GraphQL)."""
        chosen = DEFAULT_LIMIT if limit is None else limit
        if not 1 <= chosen <= MAX_LIMIT:
            raise InvalidInput(
                "The page size is out of range.",
                [FieldError(limit_field, f"Give a whole number from 1 to {MAX_LIMIT}.")],
            )
        after = None if cursor is None else decode_cursor(cursor, cursor_field)
        return cls(limit=chosen, after=after, cursor_field=cursor_field)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items, each with the cursor that resumes right after it."""

    items: Sequence[T]
    cursors: Sequence[str]
    has_more: bool

    @property
    def next_cursor(self) -> str | None:
        return self.cursors[-1] if self.has_more and self.cursors else None

    def map(self, convert: Callable[[T], U]) -> "Page[U]":
        return Page([convert(item) for item in self.items], self.cursors, self.has_more)


def encode_cursor(key: tuple) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, field: str = "cursor") -> tuple:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid_cursor(field)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        value = None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(part, str | int) and not isinstance(part, bool) for part in value)
    ):
        raise _invalid_cursor(field)
    return tuple(value)


def _invalid_cursor(field: str) -> InvalidInput:
    return InvalidInput(
        "The cursor is not one this list issued.",
        [FieldError(field, "Pass back a cursor this list returned, unchanged.")],
    )
