"""Read credentials off a request in whatever header form clients send them."""

from app.domain.errors import Unauthenticated
from app.domain.identity import Actor
from app.domain.tenants import API_KEY_SCHEME
from app.services.authentication import authenticate_api_key, authenticate_bearer
from app.services.context import ServiceContext


async def authenticate(
    context: ServiceContext, *, authorization: str | None, api_key: str | None
) -> Actor:
    """The actor behind `Authorization: Bearer <jwt or API key>` or `X-API-Key: <key>`.

    Raises Unauthenticated when neither is present or the credential is not valid.
    """
    if api_key:
        return await authenticate_api_key(context.uow(), presented=api_key.strip())
    if authorization:
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthenticated("Use `Authorization: Bearer <token>` or `X-API-Key: <key>`.")
        if credential.startswith(f"{API_KEY_SCHEME}_"):
            return await authenticate_api_key(context.uow(), presented=credential)
        return await authenticate_bearer(context.uow(), context.token_verifier, token=credential)
    raise Unauthenticated("Credentials are required: an API key or a bearer token.")
