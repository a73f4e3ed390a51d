"""Translation between SCIM resources (scim2-models) and the domain's accounts and groups.

Requests are read leniently, as Entra ID and Okta send them: unknown attributes are ignored
(RFC 7644 3.3), a `remove` may carry the values it removes, a path filter matching nothing
creates the entry it describes, a manager may come as a bare id or a one-item list.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from scim2_models import (
    Context,
    EnterpriseUser,
    Group,
    GroupMember,
    Manager,
    Meta,
    PatchOp,
    ResponseParameters,
    ScimPolicy,
    User,
)
from scim2_models.resources.user import Email, Name

from app.domain.directory import Account, DirectoryGroup, DirectoryUser, GroupAccount
from app.domain.errors import FieldError, InvalidInput

ScimUser = User[EnterpriseUser]
LENIENT = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
MANAGER_PATH = f"{ENTERPRISE_SCHEMA}:manager"
SERVER_OWNED = {"id", "meta"}


def read_user(payload: Mapping[str, Any]) -> ScimUser:
    with LENIENT:
        return ScimUser.model_validate(_lenient_manager(dict(payload)))


def read_group(payload: Mapping[str, Any]) -> Group:
    with LENIENT:
        return Group.model_validate(dict(payload))


def patched_user(account: Account, payload: Mapping[str, Any]) -> Account:
    user = user_resource(account)
    operations = [_lenient_operation(op) for op in _operations(payload)]
    with LENIENT:
        patch = PatchOp[ScimUser].model_validate({**payload, "Operations": operations})
        patch.patch(user)
    return account_of(user)


def patched_group(group: GroupAccount, payload: Mapping[str, Any]) -> GroupAccount:
    resource = group_resource(group)
    with LENIENT:
        patch = PatchOp[Group].model_validate(dict(payload))
        patch.patch(resource)
    return group_account_of(resource)


def account_of(user: ScimUser) -> Account:
    """What the resource says about the person; the whole resource is kept as sent."""
    if not user.user_name:
        raise InvalidInput("The user is not valid.", [FieldError("userName", "Give one.")])
    enterprise = user[EnterpriseUser]
    manager = enterprise.manager if enterprise is not None else None
    return Account(
        user_name=user.user_name,
        active=True if user.active is None else bool(user.active),
        external_id=user.external_id,
        employee_number=enterprise.employee_number if enterprise else None,
        display_name=user.display_name or (user.name.formatted if user.name else None),
        given_name=user.name.given_name if user.name else None,
        family_name=user.name.family_name if user.name else None,
        email=_work_email(user),
        title=user.title,
        department=enterprise.department if enterprise else None,
        manager=manager.value if manager is not None else None,
        document=_document(user),
    )


def user_resource(account: Account) -> ScimUser:
    """The resource for the account: as last sent, with the values Tandem holds now."""
    with LENIENT:
        user = ScimUser.model_validate(dict(account.document))
    user.user_name = account.user_name
    user.external_id = account.external_id
    user.active = account.active
    user.display_name = account.display_name
    user.title = account.title
    if account.given_name or account.family_name or user.name is not None:
        name = user.name or Name()
        name.given_name, name.family_name = account.given_name, account.family_name
        user.name = name
    user.emails = _with_work_email(user.emails or [], account.email)
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    enterprise.employee_number = account.employee_number
    enterprise.department = account.department
    enterprise.manager = None if account.manager is None else Manager(value=account.manager)
    user[EnterpriseUser] = enterprise
    return user


def user_body(user: DirectoryUser, base_url: str, parameters: ResponseParameters | None = None):
    resource = user_resource(user.account())
    resource.id = str(user.employee.id)
    resource.meta = Meta(
        resource_type="User",
        created=user.employee.created_at,
        last_modified=user.last_modified,
        location=f"{base_url}/Users/{user.employee.id}",
    )
    return resource.model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
    )


def group_account_of(group: Group) -> GroupAccount:
    if not group.display_name:
        raise InvalidInput("The group is not valid.", [FieldError("displayName", "Give one.")])
    members = []
    errors = []
    for index, member in enumerate(group.members or []):
        try:
            members.append(uuid.UUID(str(member.value)))
        except ValueError:
            errors.append(FieldError(f"members.{index}.value", "No user has this id."))
    if errors:
        raise InvalidInput("Some members are not users.", errors)
    document = group.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    for name in (*SERVER_OWNED, "members"):
        document.pop(name, None)
    return GroupAccount(group.display_name, group.external_id, tuple(members), document)


def group_resource(account: GroupAccount) -> Group:
    with LENIENT:
        group = Group.model_validate(dict(account.document))
    group.display_name = account.display_name
    group.external_id = account.external_id
    group.members = [GroupMember(value=str(member)) for member in account.member_ids]
    return group


def group_body(group: DirectoryGroup, base_url: str, parameters: ResponseParameters | None = None):
    resource = group_resource(group.account())
    resource.id = str(group.cohort.id)
    for member in resource.members or []:
        member.type = "User"
    resource.meta = Meta(
        resource_type="Group",
        created=group.cohort.created_at,
        last_modified=group.last_modified,
        location=f"{base_url}/Groups/{group.cohort.id}",
    )
    return resource.model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
    )


def _document(user: ScimUser) -> dict[str, Any]:
    document = user.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    for name in SERVER_OWNED:
        document.pop(name, None)
    return document


def _work_email(user: ScimUser) -> str | None:
    emails = user.emails or []
    for chosen in (
        [e for e in emails if e.type == "work"],
        [e for e in emails if e.primary],
        emails,
    ):
        if chosen and chosen[0].value:
            return str(chosen[0].value)
    return None


def _with_work_email(emails: list[Email], address: str | None) -> list[Email] | None:
    """The addresses with the work one (Tandem's) set to `address`."""
    work = (
        next((e for e in emails if e.type == "work"), None)
        or next((e for e in emails if e.primary), None)
        or (emails[0] if emails else None)
    )
    others = [e for e in emails if e is not work]
    if address is None:
        return others or None
    kept = work or Email(type="work", primary=True)
    kept.value = address
    return [kept, *others]


def _operations(payload: Mapping[str, Any]) -> list[Any]:
    operations = payload.get("Operations", payload.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise InvalidInput(
            "The PATCH is not valid.", [FieldError("Operations", "Give one or more operations.")]
        )
    return operations


def _lenient_operation(operation: Any) -> Any:
    """A manager sent as a bare id or as a list of one reference, as {"value": id}."""
    if not isinstance(operation, dict):
        return operation
    path = str(operation.get("path") or "").lower()
    if path in (MANAGER_PATH, "manager"):
        return {**operation, "value": _manager_value(operation.get("value"))}
    value = operation.get("value")
    if not path and isinstance(value, dict):
        return {
            **operation,
            "value": {
                key: _manager_value(item) if key.lower() == MANAGER_PATH else item
                for key, item in value.items()
            },
        }
    return operation


def _lenient_manager(payload: dict[str, Any]) -> dict[str, Any]:
    for key, extension in list(payload.items()):
        if (
            key.lower() == ENTERPRISE_SCHEMA
            and isinstance(extension, dict)
            and "manager" in extension
        ):
            payload[key] = {**extension, "manager": _manager_value(extension["manager"])}
    return payload


def _manager_value(value: Any) -> Any:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return {"value": value} if value else None
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "$ref" or v}
    return value
