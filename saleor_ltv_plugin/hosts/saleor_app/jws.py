"""Saleor's signatures, checked against an installation's JWKS: webhook bodies (RS256 JWS with a
detached, unencoded payload, RFC 7797) and the Dashboard's extension tokens (RS256 JWTs).

The JWKS is fetched from the installation's own Saleor (<origin of its API URL>/.well-known/jwks.json),
never from a URL a request names, and stored on the installation. A key id we do not know makes
one refetch, at most once a minute per installation, so a stranger's made-up key ids cannot make
us hammer the shop's Saleor.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import jwt
from django.utils import timezone

from . import http

REFETCH_AFTER = timedelta(seconds=60)
FETCH_TIMEOUT = 5
MAX_JWKS_BYTES = 64 * 1024


class SignatureError(Exception):
    """The signature or token is not Saleor's (or not this installation's)."""


class JwksUnavailable(Exception):
    """The installation's Saleor did not hand out its keys: a reason to answer 503 (Saleor retries)."""


def jwks_url(saleor_api_url: str) -> str:
    parts = urlsplit(saleor_api_url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json"


def fetch_jwks(saleor_api_url: str) -> dict:
    try:
        keys = http.request_json(jwks_url(saleor_api_url), timeout=FETCH_TIMEOUT, limit=MAX_JWKS_BYTES)
    except http.HttpError as exc:
        raise JwksUnavailable(str(exc)) from exc
    try:
        jwt.PyJWKSet.from_dict(keys)
    except Exception as exc:  # noqa: BLE001 — anything that is not a key set
        raise JwksUnavailable(f"{jwks_url(saleor_api_url)} returned no usable key set") from exc
    return keys


def _key(jwks: dict, kid: str | None):
    try:
        keys = jwt.PyJWKSet.from_dict(jwks).keys
    except Exception:  # noqa: BLE001 — a stored set that no longer parses: refetch
        return None
    for key in keys:
        if key.key_id == kid:
            return key.key
    return None


def _with_key(installation, kid: str | None, check):
    """check(key) with the key `kid` of the installation's JWKS, refetching the set once if need be."""
    key = _key(installation.jwks, kid)
    if key is not None:
        try:
            return check(key)
        except jwt.InvalidSignatureError:
            pass  # the key may have been replaced under the same id: refetch below
    fetched = installation.jwks_fetched_at
    if fetched is not None and timezone.now() - fetched < REFETCH_AFTER:
        if key is None:  # perhaps a key the shop's Saleor has just rotated in: let Saleor retry later
            raise JwksUnavailable("a key id this shop's key set does not hold; its keys were fetched under a minute ago")
        raise SignatureError("bad signature")
    installation.jwks = fetch_jwks(installation.saleor_api_url)
    installation.jwks_fetched_at = timezone.now()
    installation.save(update_fields=["jwks", "jwks_fetched_at", "updated_at"])
    key = _key(installation.jwks, kid)
    if key is None:
        raise SignatureError("the signature names a key the shop's Saleor does not have")
    try:
        return check(key)
    except jwt.InvalidSignatureError as exc:
        raise SignatureError("bad signature") from exc


def _header(token: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SignatureError("not a JWS") from exc
    if header.get("alg") != "RS256":
        raise SignatureError("only RS256 signatures are accepted")
    return header


def verify_webhook(installation, raw_body: bytes, signature: str) -> None:
    """Raises SignatureError unless `signature` is the installation's Saleor's JWS over `raw_body`."""
    header = _header(signature)

    def check(key):
        jwt.api_jws.decode_complete(signature, key=key, algorithms=["RS256"], detached_payload=raw_body)

    try:
        _with_key(installation, header.get("kid"), check)
    except jwt.PyJWTError as exc:
        raise SignatureError(str(exc)) from exc


def verify_token(installation, token: str) -> dict:
    """A token's claims once its Saleor signed it and it has not expired. A Dashboard token
    ("thirdparty") must also be minted for this installation's app; a buyer's own access token
    ("access", from the storefront's tokenCreate) names no app."""
    header = _header(token)

    def check(key):
        return jwt.decode(token, key=key, algorithms=["RS256"], options={"verify_aud": False,
                                                                         "require": ["exp", "iss"]})

    try:
        claims = _with_key(installation, header.get("kid"), check)
    except jwt.ExpiredSignatureError as exc:
        raise SignatureError("the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise SignatureError(str(exc)) from exc
    if claims.get("type") not in ("thirdparty", "access"):
        raise SignatureError("neither a Dashboard token nor an access token")
    if claims.get("type") == "thirdparty" and claims.get("app") != installation.app_id:
        raise SignatureError("the token was minted for another app")
    return claims
