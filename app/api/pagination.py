"""The envelope every REST list returns."""

from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.domain.pagination import Page

Item = TypeVar("Item")
Out = TypeVar("Out", bound=BaseModel)


class PageOut(BaseModel, Generic[Out]):
    data: list[Out]
    has_more: bool
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )

    @classmethod
    def of(cls, page: Page[Item], convert: Callable[[Item], Out]) -> "PageOut[Out]":
        return cls(
            data=[convert(item) for item in page.items],
            has_more=page.has_more,
            next_cursor=page.next_cursor,
        )
