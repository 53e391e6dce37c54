"""A Saleor's API URL, the key of its installation: in one spelling, and allowed or not."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

SETTING = "LTV_APP_ALLOWED_SALEOR_URLS"  # a regular expression a whole API URL must match


class NotAllowed(ValueError):
    pass


def normalise(url: str) -> str:
    """scheme://host[:port]/path/ with the scheme and host lower-cased, a default port dropped and
    one trailing slash: Saleor sends `<PUBLIC_URL>/graphql/`, tokens say it in their `iss`."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotAllowed("is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise NotAllowed("must not carry credentials, a query or a fragment")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, {"http": 80, "https": 443}[parts.scheme]) else f"{host}:{port}"
    path = parts.path.rstrip("/") + "/"
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def allowed(url: str) -> str:
    """The normalised URL when the deployment's allow-list admits it (the SSRF guard: we are about to
    call this URL); NotAllowed says why not."""
    pattern = getattr(settings, SETTING, "") or ""
    if not pattern:
        raise NotAllowed(f"no Saleor may install this app until {SETTING} is set")
    url = normalise(url)
    if not re.fullmatch(pattern, url):
        raise NotAllowed(f"is not allowed by {SETTING}")
    return url
