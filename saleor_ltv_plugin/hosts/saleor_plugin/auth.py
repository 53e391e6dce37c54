"""Saleor's own credentials, verified with Saleor's helpers and keys: the host's token resolver."""

from __future__ import annotations

import hashlib
import time

from ... import auth

_APP_TOKEN_CACHE_SECONDS = 30
_app_tokens: dict[str, tuple[float, int]] = {}


def saleor_principal(request, token: str):
    """Access JWTs (staff, customer, and the app-extension tokens the Dashboard hands its extension
    pages) and app tokens. Returns None for anything that is neither, so auth.py can say why."""
    import jwt as pyjwt
    from saleor.core.jwt import get_user_from_access_payload, jwt_decode
    from saleor.permission.enums import get_permission_names

    if token.count(".") == 2:
        try:
            payload = jwt_decode(token)
            user = get_user_from_access_payload(payload, request)
        except pyjwt.ExpiredSignatureError:
            raise auth.AuthError("Signature has expired", "ExpiredSignatureError") from None
        except pyjwt.PyJWTError as exc:
            raise auth.AuthError(str(exc) or "Invalid token.") from None
        if user is None:
            raise auth.AuthError("Invalid token.")
        if not user.is_staff:
            return auth.Principal(kind="customer", user_id=str(user.pk), email=user.email)
        return auth.principal_from_permissions(
            "staff", get_permission_names(user.effective_permissions), user_id=str(user.pk),
            email=user.email, extra={"app": payload.get("app")} if payload.get("app") else {},
        )
    app = _app_for_token(token)
    if app is None:
        return None
    return auth.principal_from_permissions("app", get_permission_names(app.permissions.all()), label=app.name)


def _app_for_token(token: str):
    """As Saleor's get_app; a verified token is remembered for 30 s, since each check runs a
    password hash (a revoked app token keeps working at most that long in this process)."""
    from django.contrib.auth.hashers import check_password
    from saleor.app.models import App, AppToken

    digest = hashlib.sha256(token.encode()).hexdigest()
    cached = _app_tokens.get(digest)
    if cached and time.monotonic() - cached[0] < _APP_TOKEN_CACHE_SECONDS:
        return App.objects.filter(pk=cached[1], is_active=True).first()
    rows = AppToken.objects.filter(token_last_4=token[-4:]).values_list("app_id", "auth_token")
    app_ids = [app_id for app_id, hashed in rows if check_password(token, hashed)]
    app = App.objects.filter(id__in=app_ids, is_active=True).first()
    if app is not None:
        _app_tokens[digest] = (time.monotonic(), app.pk)
    return app
