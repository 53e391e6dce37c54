"""Saleor's JWTs in app mode: whose shop, and who. The token's issuer names its Saleor; only an
installed Saleor's keys are fetched, and only from its own API URL.

Dashboard tokens (appExtension.accessToken / AppBridge) carry the permissions Saleor computed as
the extension's (or the app's) ∩ the staff user's; a buyer's access token is a customer. A staff
member's own access token is refused: its permissions are not in it and, from outside Saleor,
could only be had by asking Saleor on every request. Unlike inside Saleor, a password change does
not revoke a Dashboard token here before it expires (5 minutes).
"""

from __future__ import annotations

import jwt

from ... import auth
from ..saleor.ids import pk_from_global_id
from . import api_url, installations, jws


def resolve(token: str) -> tuple[auth.Principal, str]:
    """(principal, the shop's schema) for a Saleor JWT; auth.AuthError says why not."""
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss", "")
        url = api_url.normalise(issuer)
    except (jwt.PyJWTError, api_url.NotAllowed, AttributeError):
        raise auth.AuthError("not a token from a Saleor this app is installed in") from None
    claims = installation = None
    for fresh in (False, True):  # a kept installation may be a re-install behind: re-read before refusing
        installation = installations.active(url, fresh=fresh)
        if installation is None:
            raise auth.AuthError(f"this app is not installed in {url}")
        try:
            claims = jws.verify_token(installation, token)
            break
        except jws.SignatureError as exc:
            if fresh:
                code = "ExpiredSignatureError" if "expired" in str(exc) else "InvalidToken"
                raise auth.AuthError(str(exc), code) from None
        except jws.JwksUnavailable:
            raise auth.AuthError("the shop's Saleor did not hand out its keys; try again") from None
    try:
        user_id = pk_from_global_id(str(claims.get("user_id") or ""), "User")
    except ValueError:
        raise auth.AuthError("the token names no user") from None
    email = claims.get("email") or None
    if claims["type"] == "access":
        if claims.get("is_staff"):
            raise auth.AuthError("staff use the Dashboard's app pages or an API key here, not their own token")
        return auth.Principal(kind="customer", user_id=user_id, email=email), installation.schema
    principal = auth.principal_from_permissions("staff", claims.get("permissions") or [], user_id=user_id,
                                                email=email, extra={"app": claims.get("app")})
    return principal, installation.schema
