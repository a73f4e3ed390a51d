"""Domain errors become GraphQL errors with `extensions.code`; anything else is masked."""

import logging
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from app.domain.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)


class DomainErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [_translate(error) for error in result.errors]


def _translate(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if error.path is None:
        # Parsing, validation and variable coercion: the client's input, already described.
        return _rebuild(error, error.message, {"code": "BAD_USER_INPUT"}, None)
    if isinstance(original, DomainError):
        extensions: dict[str, object] = {"code": original.code.upper()}
        if isinstance(original, InvalidInput) and original.errors:
            extensions["field_errors"] = [
                {"field": item.field, "message": item.message} for item in original.errors
            ]
        return _rebuild(error, original.detail, extensions, original)
    logger.error("Unhandled error in a resolver", exc_info=original)
    return _rebuild(error, "Something went wrong on our side.", {"code": "INTERNAL_ERROR"}, None)


def _rebuild(
    error: GraphQLError, message: str, extensions: dict, original: Exception | None
) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions=extensions,
    )
