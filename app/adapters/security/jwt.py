"""Bearer token verification with PyJWT (HMAC algorithms, configurable issuer and audience)."""

from collections.abc import Mapping

import jwt

from app.domain.errors import Unauthenticated

LEEWAY_SECONDS = 30


class JwtVerifier:
    def __init__(
        self,
        secret: str,
        *,
        algorithm: str = "HS256",
        issuer: str | None = None,
        audience: str | None = None,
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> Mapping[str, object]:
        try:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "tenant", "roles"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired.") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"The token is not valid: {error}.") from None


class BearerTokensDisabled:
    """Stands in when no JWT secret is configured: every bearer token is refused."""

    def verify(self, token: str) -> Mapping[str, object]:
        raise Unauthenticated("Bearer tokens are not enabled on this server; use an API key.")
