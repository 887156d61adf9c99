"""Bearer tokens with roles: viewer < editor < admin; 401 and 403 say why."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from waymark.journey_engine.api.errors import ForbiddenError, UnauthorizedError
from waymark.journey_engine.api.settings import Role

__all__ = ["Caller", "TokenAuth", "require"]

_RANK: Mapping[Role, int] = {"viewer": 0, "editor": 1, "admin": 2}
# Declares the scheme in the OpenAPI document; the header itself is parsed below, so a
# wrong scheme gets its own reason instead of a generic refusal.
_BEARER = HTTPBearer(
    auto_error=False, description="a token of WAYMARK_ENGINE_API_TOKENS (viewer, editor, admin)"
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the role of the token presented."""

    role: Role


class TokenAuth:
    """Looks a bearer token up among the configured ones, in constant time per token."""

    def __init__(self, tokens: Mapping[str, Role]) -> None:
        """`tokens`: token → role, from settings."""
        self._tokens = [(token.encode(), role) for token, role in tokens.items()]

    def caller(self, authorization: str | None) -> Caller:
        """The caller for an `Authorization` header value, or UnauthorizedError with the reason."""
        if not authorization:
            raise UnauthorizedError(
                "an Authorization: Bearer <token> header is required", "authorization"
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError(
                "the Authorization header must be 'Bearer <token>'", "authorization"
            )
        presented = token.strip().encode()
        role: Role | None = None
        for known, known_role in self._tokens:
            # compare_digest keeps the time from telling how much of a token was right.
            if hmac.compare_digest(known, presented):
                role = known_role
        if role is None:
            raise UnauthorizedError("the bearer token is not known", "authorization")
        return Caller(role=role)


Dependency = Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Caller]]
"""A FastAPI dependency resolving to the caller."""


def require(role: Role) -> Dependency:
    """A FastAPI dependency admitting callers whose role is at least `role`."""

    async def dependency(
        request: Request,
        _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
    ) -> Caller:
        auth: TokenAuth = request.app.state.services.auth
        caller = auth.caller(request.headers.get("authorization"))
        if _RANK[caller.role] < _RANK[role]:
            raise ForbiddenError(
                f"this needs the {role} role; the token has the {caller.role} role",
                "authorization",
            )
        return caller

    dependency.__name__ = f"require_{role}"
    return dependency
