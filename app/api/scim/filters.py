"""SCIM filters (RFC 7644 3.4.2.2), parsed by scim2-models, as the domain's search conditions."""

from collections.abc import Callable

from scim2_models import ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from app.domain.directory import (
    AllOf,
    AnyOf,
    Attribute,
    Compare,
    Condition,
    Constant,
    GroupAttribute,
    Match,
    Negation,
    UserAttribute,
)
from app.domain.errors import FieldError, InvalidInput

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:user"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
MATCHES = {
    CompareOperator.eq: Match.EQ,
    CompareOperator.ne: Match.NE,
    CompareOperator.co: Match.CONTAINS,
    CompareOperator.sw: Match.STARTS_WITH,
    CompareOperator.ew: Match.ENDS_WITH,
}
# (schema, attribute, sub-attribute), lower-cased: attribute names ignore case.
USER_ATTRIBUTES = {
    (CORE_USER, "id", None): UserAttribute.ID,
    (CORE_USER, "username", None): UserAttribute.USER_NAME,
    (CORE_USER, "externalid", None): UserAttribute.EXTERNAL_ID,
    (CORE_USER, "emails", None): UserAttribute.EMAIL,
    (CORE_USER, "emails", "value"): UserAttribute.EMAIL,
    (CORE_USER, "active", None): UserAttribute.ACTIVE,
    (CORE_USER, "displayname", None): UserAttribute.DISPLAY_NAME,
    (CORE_USER, "title", None): UserAttribute.TITLE,
    (ENTERPRISE_USER, "employeenumber", None): UserAttribute.EMPLOYEE_NUMBER,
}
GROUP_ATTRIBUTES = {
    (CORE_GROUP, "id", None): GroupAttribute.ID,
    (CORE_GROUP, "displayname", None): GroupAttribute.DISPLAY_NAME,
    (CORE_GROUP, "externalid", None): GroupAttribute.EXTERNAL_ID,
}

Resolver = Callable[[AttrPath], Attribute]


def user_condition(text: str | None) -> Condition | None:
    return _condition(text, lambda path: _resolve(path, USER_ATTRIBUTES, CORE_USER))


def group_condition(text: str | None) -> Condition | None:
    return _condition(text, lambda path: _resolve(path, GROUP_ATTRIBUTES, CORE_GROUP))


def _condition(text: str | None, resolve: Resolver) -> Condition | None:
    if text is None or not text.strip():
        return None
    try:
        tree = ScimFilter(text).ast
    except Exception as error:  # the parser's own errors say what is wrong
        raise _invalid(str(error) or "The filter is not valid SCIM filter syntax.") from None
    return _convert(tree, resolve)


def _convert(node: FilterNode, resolve: Resolver) -> Condition:
    if isinstance(node, LogicalExpr):
        terms = tuple(_convert(term, resolve) for term in node.terms)
        return AllOf(terms) if node.op == LogicalOperator.and_ else AnyOf(terms)
    if isinstance(node, Not):
        return Negation(_convert(node.expr, resolve))
    if isinstance(node, Present):
        return Compare(resolve(node.attr_path), Match.PRESENT)
    if isinstance(node, Comparison):
        attribute = resolve(node.attr_path)
        return Compare(attribute, _match(node.op), _value(attribute, node.value))
    if isinstance(node, ValuePath):
        return _email_selection(node, resolve)
    raise _invalid(f"Unsupported filter expression: {node}.")


def _email_selection(node: ValuePath, resolve: Resolver) -> Condition:
    """`emails[...]`: Tandem keeps one address, the work one and the primary one, so `type`
    and `primary` terms are answered outright and `value` terms compare with it."""
    if resolve(node.attr_path) is not UserAttribute.EMAIL:
        raise _invalid(f"Only emails can be filtered by value: {node}.")

    def inner(path: AttrPath) -> Attribute:
        if path.attr.lower() == "value" and path.sub_attr is None:
            return UserAttribute.EMAIL
        raise _invalid(f"Filter emails[...] on value, type or primary, not {path}.")

    def convert(term: FilterNode) -> Condition:
        if isinstance(term, Comparison | Present) and term.attr_path.attr.lower() in (
            "type",
            "primary",
        ):
            if isinstance(term, Present):
                return Constant(True)
            wanted = "work" if term.attr_path.attr.lower() == "type" else True
            value = term.value.lower() if isinstance(term.value, str) else term.value
            same = value == wanted
            return Constant(same if term.op == CompareOperator.eq else not same)
        if isinstance(term, LogicalExpr):
            terms = tuple(convert(t) for t in term.terms)
            return AllOf(terms) if term.op == LogicalOperator.and_ else AnyOf(terms)
        if isinstance(term, Not):
            return Negation(convert(term.expr))
        return _convert(term, inner)

    return convert(node.val_filter)


def _resolve(path: AttrPath, attributes: dict, core: str) -> Attribute:
    schema = (path.uri or core).lower()
    key = (schema, path.attr.lower(), path.sub_attr.lower() if path.sub_attr else None)
    if key not in attributes and schema == core:
        key = (ENTERPRISE_USER, key[1], key[2])
    if key not in attributes:
        raise _invalid(f"Filtering on {path} is not supported.")
    return attributes[key]


def _match(operator: CompareOperator) -> Match:
    if operator not in MATCHES:
        raise _invalid(f"The {operator.value} operator is not supported; use eq, ne, co, sw, ew.")
    return MATCHES[operator]


def _value(attribute: Attribute, value: object) -> object:
    if attribute is UserAttribute.ACTIVE and isinstance(value, str):
        # Some providers quote booleans ("False"), as they do in PATCH bodies.
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return value


def _invalid(message: str) -> InvalidInput:
    return InvalidInput("The filter cannot be used.", [FieldError("filter", message)])
