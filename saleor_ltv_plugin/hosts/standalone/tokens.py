"""Dashboard tokens for the standalone server, shaped like Saleor's app-extension JWTs.

Inside Saleor the Dashboard hands the app a token Saleor signed (RS256) and plugin.py verifies
it with Saleor's keys. Standalone there is no Saleor: `mint` signs the same claims (HS256, a key
derived from SECRET_KEY) so the built pages, @saleor/app-sdk's AppBridge (which decodes the
token) and the harness page work unchanged. Never installed inside Saleor.

As in Saleor 3.23: an access token lives 5 minutes (JWT_TTL_APP_ACCESS) and carries the app's
permissions ∩ the user's; the harness refreshes it as the Dashboard does. What `ltv_demo` prints
is a longer-lived *session* (type "harness_session"): the harness trades it for access tokens at
/dashboard/token, and it is never accepted as a bearer token.

A signed-in staff user's tokens (`mint_staff`, bought with the login session at
/dashboard/session-token) carry the user's scopes (`ltv_scopes`), as an API key does; their
`permissions` are the Saleor permissions those scopes cover whole, for the pages' own checks.
They are only ever renewed with the session, so signing out stops them within ACCESS_TTL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from django.conf import settings

from ...auth import ALL_SCOPES, AuthError, Principal, permissions_covered_by, principal_from_permissions

ISSUER = "saleor-ltv-standalone"
TOKEN_TYPE = "thirdparty"  # Saleor's JWT_THIRDPARTY_ACCESS_TYPE
SESSION_TYPE = "harness_session"
ACCESS_TTL = 300  # Saleor's JWT_TTL_APP_ACCESS


def _key() -> bytes:
    return hashlib.sha256(b"ltv-dashboard-token:" + settings.SECRET_KEY.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(email: str, permissions, *, ttl_seconds: int = ACCESS_TTL, app_permissions=None) -> str:
    """An access token for a staff user `email` holding Saleor `permissions` (enum names), for an
    app granted `app_permissions` (default: what the manifest requests, as an install grants)."""
    from ..saleor.manifest import PERMISSIONS

    now = int(time.time())
    user_permissions = sorted(set(permissions))
    app = set(PERMISSIONS if app_permissions is None else app_permissions)
    return _sign({
        "iat": now, "exp": now + ttl_seconds, "iss": ISSUER, "owner": "saleor", "type": TOKEN_TYPE,
        "email": email, "user_id": _b64(f"User:{email}".encode()), "is_staff": True,
        "app": _b64(b"App:standalone"),
        "permissions": sorted(app & set(user_permissions)), "user_permissions": user_permissions,
        "app_permissions": sorted(app),
    })


def mint_session(email: str, permissions, *, ttl_seconds: int = 7 * 86400, app_permissions=None) -> str:
    """What the harness's address carries: it buys access tokens, it is no access token itself."""
    from ..saleor.manifest import PERMISSIONS

    now = int(time.time())
    return _sign({"iat": now, "exp": now + ttl_seconds, "iss": ISSUER, "type": SESSION_TYPE, "email": email,
                  "user_permissions": sorted(set(permissions)),
                  "app_permissions": sorted(set(PERMISSIONS if app_permissions is None else app_permissions))})


def mint_staff(email: str, scopes, *, ttl_seconds: int = ACCESS_TTL) -> str:
    """An access token for a signed-in staff user holding `scopes` (auth.Scope values)."""
    from ..saleor.manifest import PERMISSIONS

    now = int(time.time())
    scopes = sorted(set(scopes) & ALL_SCOPES)
    permissions = permissions_covered_by(scopes)
    return _sign({
        "iat": now, "exp": now + ttl_seconds, "iss": ISSUER, "owner": "saleor", "type": TOKEN_TYPE,
        "email": email, "user_id": _b64(f"User:{email}".encode()), "is_staff": True,
        "app": _b64(b"App:standalone"), "ltv_scopes": scopes,
        "permissions": permissions, "user_permissions": permissions, "app_permissions": sorted(PERMISSIONS),
    })


def refresh(credential: str) -> str:
    """A fresh 5-minute access token for a valid session or a still-valid access token
    (the Dashboard refetches the app's token 30 s before it expires)."""
    payload = _verify(credential)
    if payload is None:
        raise AuthError("Not a harness credential.")
    if "ltv_scopes" in payload:
        raise AuthError("A staff login's token is renewed with its session (/dashboard/session-token).")
    return mint(payload.get("email") or "", payload.get("user_permissions") or [],
                app_permissions=payload.get("app_permissions", payload.get("permissions") or []))


def _sign(payload: dict) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(_key(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def resolve(request, token: str) -> Principal | None:
    """auth's token resolver: None for what is not ours, AuthError for ours gone bad."""
    payload = _verify(token)
    if payload is None:
        return None
    if payload.get("type") != TOKEN_TYPE:
        raise AuthError("A harness session is not an access token.")
    if isinstance(payload.get("ltv_scopes"), list):  # a signed-in staff user: their own scopes
        return Principal(kind="staff", scopes=frozenset(payload["ltv_scopes"]) & ALL_SCOPES,
                         permissions=frozenset(payload.get("permissions") or []), email=payload.get("email"),
                         label="staff login")
    # As in Saleor: an app-extension token acts with the app's permissions ∩ the user's.
    return principal_from_permissions("app", payload.get("permissions") or [], email=payload.get("email"),
                                      label="standalone dashboard")


def _verify(token: str) -> dict | None:
    """The claims of a valid token of ours; None for a foreign one; AuthError for ours gone bad."""
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
    return payload
