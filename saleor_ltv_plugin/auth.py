"""Who is calling, and what they may do: one principal for GraphQL and REST alike.

The host installs a resolver (hosts.install): inside Saleor it verifies the request's
Bearer JWT or app token with Saleor's own helpers. API keys (ours, hashed at rest) work in both
modes; standalone, the ``api_key`` entry of settings.LTV_PLUGIN is a master key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

# Saleor's permission enum names; the resolver maps Saleor's codenames onto them.
MANAGE_USERS = "MANAGE_USERS"
MANAGE_ORDERS = "MANAGE_ORDERS"
MANAGE_PLUGINS = "MANAGE_PLUGINS"
SALEOR_PERMISSIONS = (MANAGE_USERS, MANAGE_ORDERS, MANAGE_PLUGINS)

API_KEY_PREFIX = "ltv_"


class Scope(str, Enum):
    """What an API key may do; staff and apps get these from their Saleor permissions."""

    READ = "metrics:read"
    INGEST = "orders:write"
    RECOMPUTE = "recompute"
    SETTINGS = "settings:write"
    ALERTS = "alerts:write"
    SEGMENTS = "segments:write"  # saved segments choose whom scenarios mail


ALL_SCOPES = frozenset(s.value for s in Scope)
# Reading customers' metrics is a MANAGE_USERS or MANAGE_ORDERS matter in Saleor's terms;
# saved segments are lists of customers, so writing them is MANAGE_USERS's.
_SCOPES_BY_PERMISSION = {
    MANAGE_USERS: {Scope.READ.value, Scope.ALERTS.value, Scope.SEGMENTS.value},
    MANAGE_ORDERS: {Scope.READ.value, Scope.INGEST.value, Scope.RECOMPUTE.value, Scope.ALERTS.value},
    MANAGE_PLUGINS: {Scope.SETTINGS.value, Scope.RECOMPUTE.value},
}


def permissions_for(scope: Scope) -> list[str]:
    """The Saleor permissions any one of which gives `scope`."""
    return [p for p in SALEOR_PERMISSIONS if scope.value in _SCOPES_BY_PERMISSION[p]]


def permissions_covered_by(scopes) -> list[str]:
    """The Saleor permissions whose every scope is in `scopes`: what a staff login's pages may offer."""
    held = set(scopes)
    return [p for p in SALEOR_PERMISSIONS if _SCOPES_BY_PERMISSION[p] <= held]


def describe_scopes(scopes) -> str:
    """`orders:write (MANAGE_ORDERS), metrics:read (MANAGE_USERS or MANAGE_ORDERS)`, for messages."""
    return ", ".join(f"{s} ({' or '.join(permissions_for(Scope(s)))})" if s in ALL_SCOPES else s
                     for s in sorted(scopes))  # a key may hold a scope a later version dropped


class AuthError(Exception):
    """The credentials were presented but are not valid (expired, unknown, revoked)."""

    def __init__(self, message: str, code: str = "InvalidToken"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff", "customer", "app", "api_key" or "anonymous"
    permissions: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    user_id: str | None = None
    email: str | None = None
    label: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def is_customer(self) -> bool:
        return self.kind == "customer"

    def can(self, scope: Scope) -> bool:
        return scope.value in self.scopes

    def lacks(self, scopes) -> list[str]:
        """Of `scopes`, those this principal does not hold: what it may neither grant nor revoke
        (as Saleor lets nobody grant a permission they don't have)."""
        return sorted(set(scopes) - self.scopes)


ANONYMOUS = Principal(kind="anonymous")


def principal_from_permissions(kind: str, permissions, **fields) -> Principal:
    """A staff user or app: its Saleor permissions decide its scopes."""
    perms = frozenset(p for p in permissions if p in SALEOR_PERMISSIONS)
    scopes = frozenset().union(*(_SCOPES_BY_PERMISSION[p] for p in perms)) if perms else frozenset()
    return Principal(kind=kind, permissions=perms, scopes=scopes, **fields)


# --- resolvers -------------------------------------------------------------
Resolver = Callable[[HttpRequest, str], "Principal | None"]
_host_resolver: Resolver | None = None


def set_token_resolver(resolver: Resolver | None) -> None:
    """hosts.install puts the host's token verification here (Saleor's, inside Saleor)."""
    global _host_resolver
    _host_resolver = resolver


def bearer_token(request: HttpRequest) -> str | None:
    # Saleor's own Authorization-Bearer header first, as saleor.core.auth reads it.
    if request.META.get("HTTP_AUTHORIZATION_BEARER"):
        return request.META["HTTP_AUTHORIZATION_BEARER"].strip()
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "jwt") and token.strip():
        return token.strip()
    return request.META.get("HTTP_X_API_KEY") or None


def authenticate(request: HttpRequest) -> Principal:
    """The caller, or ANONYMOUS without credentials; AuthError for bad credentials."""
    cached = getattr(request, "_ltv_principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    principal = ANONYMOUS if token is None else _resolve(request, token)
    request._ltv_principal = principal
    return principal


def _resolve(request: HttpRequest, token: str) -> Principal:
    if token.startswith(API_KEY_PREFIX):
        return _api_key_principal(token)
    master = _master_key()
    if master and hmac.compare_digest(token.encode(), master.encode()):
        return Principal(kind="api_key", scopes=ALL_SCOPES, label="settings api_key")
    if _host_resolver is not None:
        principal = _host_resolver(request, token)
        if principal is not None:
            return principal
    raise AuthError("Invalid or expired token.")


def _master_key() -> str:
    return str(getattr(settings, "LTV_PLUGIN", {}).get("api_key") or "")


# --- API keys --------------------------------------------------------------
def hash_key(raw: str) -> str:
    # The keys carry 256 random bits: a fast hash is enough, a slow KDF would only add latency.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_api_key(name: str, scopes, *, created_by: str = "") -> tuple[str, object]:
    """Create a key; the raw value is returned once and never stored."""
    from .models import ApiKey

    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(ALL_SCOPES))}")
    if not scopes:
        raise ValueError("at least one scope is needed")
    if not name.strip():
        raise ValueError("must not be empty")
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name.strip()[:100], prefix=raw[:12], key_hash=hash_key(raw), scopes=scopes, created_by=created_by
    )
    return raw, key


def _api_key_principal(raw: str) -> Principal:
    from .models import ApiKey

    key = ApiKey.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()
    if key is None:
        raise AuthError("Unknown or revoked API key.")
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        # At most one write a minute per key: reads stay reads under load.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return Principal(kind="api_key", scopes=frozenset(key.scopes), label=key.name, extra={"api_key_id": key.pk})
