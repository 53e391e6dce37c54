"""Permission checks with Saleor's wording, so clients handle them as Saleor's own."""

from __future__ import annotations

from graphql import GraphQLError

from ..auth import ANONYMOUS, Principal, Scope, permissions_for


class PermissionDenied(GraphQLError):
    code = "PermissionDenied"

    def __init__(self, message: str, permissions: list[str] | None = None):
        super().__init__(message)
        self.permissions = permissions or []


def principal(info) -> Principal:
    return getattr(info.context, "_ltv_principal", None) or ANONYMOUS


def require(info, scope: Scope) -> Principal:
    who = principal(info)
    if not who.can(scope):
        needed = permissions_for(scope)
        raise PermissionDenied(
            "To access this path, you need one of the following permissions: " + ", ".join(needed)
            + f" (API keys: scope {scope.value}).",
            needed,
        )
    return who


def require_customer(info) -> Principal:
    who = principal(info)
    if not who.is_customer or not who.user_id:
        raise PermissionDenied("This query needs a customer's access token (Authorization: Bearer <JWT>).")
    return who
