"""Relay-style connections over the services' keyset pages (no offsets)."""

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from app.domain.pagination import DEFAULT_LIMIT, Page, PageRequest

Node = TypeVar("Node")
Item = TypeVar("Item")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    nodes: list[Node]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Page[Item], convert: Callable[[Item], Node]) -> "Connection[Node]":
        nodes = [convert(item) for item in page.items]
        return cls(
            edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_more, end_cursor=page.cursors[-1] if page.cursors else None
            ),
        )


def page_request(first: int | None, after: str | None) -> PageRequest:
    return PageRequest.parse(
        limit=DEFAULT_LIMIT if first is None else first,
        cursor=after,
        limit_field="first",
        cursor_field="after",
    )
