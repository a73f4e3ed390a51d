"""The GraphQL schema: queries and mutations, each a thin call into a service."""

import uuid
from datetime import datetime

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from app.domain.identity import Role as DomainRole
from app.domain.tenants import ApiKey as DomainApiKey
from app.domain.tenants import Tenant as DomainTenant
from app.graphql.assessments import AssessmentMutation, AssessmentQuery
from app.graphql.catalogue import CatalogueMutation, CatalogueQuery
from app.graphql.checkins import CheckinMutation, CheckinQuery
from app.graphql.context import Info
from app.graphql.errors import DomainErrors
from app.graphql.goals import GoalMutation, GoalQuery
from app.graphql.learning import LearningMutation, LearningQuery
from app.graphql.pagination import Connection, page_request
from app.graphql.people import PeopleMutation, PeopleQuery
from app.graphql.plans import PlanMutation, PlanQuery
from app.graphql.reports import ReportQuery
from app.graphql.webhooks import WebhookMutation, WebhookQuery
from app.graphql.workflows import WorkflowMutation, WorkflowQuery
from app.services import api_keys, tenants

AccessRole = strawberry.enum(DomainRole, name="AccessRole")


@strawberry.type
class Tenant:
    id: uuid.UUID
    name: str
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, tenant: DomainTenant) -> "Tenant":
        return cls(
            id=tenant.id, name=tenant.name, active=tenant.active, created_at=tenant.created_at
        )


@strawberry.type
class Viewer:
    tenant_id: uuid.UUID
    roles: list[AccessRole]
    employee_id: uuid.UUID | None

    @strawberry.field(description="The viewer's organisation.")
    async def tenant(self, info: Info) -> Tenant:
        context = info.context
        return Tenant.of(await tenants.get_current_tenant(context.uow(), context.actor))


@strawberry.type
class ApiKey:
    id: uuid.UUID
    name: str
    prefix: str
    roles: list[AccessRole]
    employee_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: DomainApiKey) -> "ApiKey":
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            roles=sorted(key.roles),
            employee_id=key.employee_id,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )


@strawberry.input
class CreateApiKeyInput:
    name: str
    roles: list[AccessRole]
    employee_id: uuid.UUID | None = None
    expires_at: datetime | None = None


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey
    key: str = strawberry.field(description="The whole key, shown only in this response.")


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The authenticated caller.")
    def viewer(self, info: Info) -> Viewer:
        actor = info.context.actor
        return Viewer(
            tenant_id=actor.tenant_id, roles=sorted(actor.roles), employee_id=actor.employee_id
        )

    @strawberry.field(description="The tenant's API keys, oldest first (hr_admin).")
    async def api_keys(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApiKey]:
        context = info.context
        page = await api_keys.list_api_keys(
            context.uow(), context.actor, page=page_request(first, after)
        )
        return Connection.of(page, ApiKey.of)

    @strawberry.field(description="One API key (hr_admin).")
    async def api_key(self, info: Info, id: uuid.UUID) -> ApiKey:
        context = info.context
        return ApiKey.of(await api_keys.get_api_key(context.uow(), context.actor, key_id=id))


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Create an API key (hr_admin).")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        context = info.context
        issued = await api_keys.create_api_key(
            context.uow(),
            context.actor,
            name=input.name,
            roles=frozenset(input.roles),
            employee_id=input.employee_id,
            expires_at=input.expires_at,
        )
        return CreateApiKeyPayload(api_key=ApiKey.of(issued.key), key=issued.plaintext)

    @strawberry.mutation(description="Revoke an API key at once (hr_admin).")
    async def revoke_api_key(self, info: Info, id: uuid.UUID) -> ApiKey:
        context = info.context
        return ApiKey.of(await api_keys.revoke_api_key(context.uow(), context.actor, key_id=id))


Query = merge_types(
    "Query",
    (
        IdentityQuery,
        CatalogueQuery,
        PeopleQuery,
        AssessmentQuery,
        LearningQuery,
        PlanQuery,
        CheckinQuery,
        GoalQuery,
        ReportQuery,
        WorkflowQuery,
        WebhookQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        IdentityMutation,
        CatalogueMutation,
        PeopleMutation,
        AssessmentMutation,
        LearningMutation,
        PlanMutation,
        CheckinMutation,
        GoalMutation,
        WorkflowMutation,
        WebhookMutation,
    ),
)


def build_schema(*, max_depth: int, max_tokens: int, max_aliases: int) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            DomainErrors,
        ],
    )
