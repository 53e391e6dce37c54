"""Dashboard tokens for the standalone server, shaped like Saleor's app-extension JWTs.

Inside Saleor the Dashboard hands the app a token Saleor signed (RS256) and plugin.py verifies
it with Saleor's keys. Standalone there is no Saleor: `mint` signs the same claims (HS256, a key
derived from SECRET_KEY) so the built pages, @saleor/app-sdk's AppBridge (which decodes the
token) and the harness page work unchanged. Never installed inside Saleor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from django.conf import settings

from ..auth import AuthError, Principal, principal_from_permissions

ISSUER = "saleor-ltv-standalone"
TOKEN_TYPE = "thirdparty"  # Saleor's JWT_THIRDPARTY_ACCESS_TYPE


def _key() -> bytes:
    return hashlib.sha256(b"ltv-dashboard-token:" + settings.SECRET_KEY.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(email: str, permissions, *, ttl_seconds: int = 3600, app_permissions=None) -> str:
    """A token for a staff user `email` holding Saleor `permissions` (enum names)."""
    now = int(time.time())
    user_permissions = sorted(set(permissions))
    app = set(app_permissions) if app_permissions is not None else set(user_permissions)
    payload = {
        "iat": now, "exp": now + ttl_seconds, "iss": ISSUER, "owner": "saleor", "type": TOKEN_TYPE,
        "email": email, "user_id": _b64(f"User:{email}".encode()), "is_staff": True,
        "app": _b64(b"App:standalone"),
        "permissions": sorted(app & set(user_permissions)), "user_permissions": user_permissions,
    }
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(_key(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def resolve(request, token: str) -> Principal | None:
    """auth's token resolver: None for what is not ours, AuthError for ours gone bad."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(_unb64(parts[0]))
        payload = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(payload, dict):
        return None
    if payload.get("iss") != ISSUER:
        return None
    expected = hmac.new(_key(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise AuthError("Invalid token signature.")
    if not isinstance(payload.get("exp"), int) or payload["exp"] < time.time():
        raise AuthError("Signature has expired.", code="ExpiredSignatureError")
    # As in Saleor: an app-extension token acts with the app's permissions ∩ the user's.
    return principal_from_permissions("app", payload.get("permissions") or [], email=payload.get("email"),
                                      label="standalone dashboard")
