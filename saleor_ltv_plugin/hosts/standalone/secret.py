"""The standalone server's secrets and settings from the environment: SECRET_KEY is required.

Everything standalone signs derives from it (Dashboard tokens, unsubscribe / open / click links,
the erasure hashes), each purpose with its own salt. Outside the demo the operator sets it;
`saleor-ltv ltv_demo` (LTV_DEMO=1) makes a random one, kept in its data directory.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 32
DEMO_FILE = "secret_key"
PUBLISHED = frozenset({"ltv-standalone-insecure-key-change-me"})  # earlier versions' default
HOW = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key(data_dir: Path) -> str:
    value = os.environ.get("SECRET_KEY", "")
    if value:
        if value in PUBLISHED:
            raise ImproperlyConfigured(f"SECRET_KEY: this value was published as a default; make yours with {HOW}")
        if len(value) < MIN_LENGTH or len(set(value)) < 8:
            raise ImproperlyConfigured(
                f"SECRET_KEY: too weak ({len(value)} characters, {len(set(value))} distinct); "
                f"use at least {MIN_LENGTH} random characters, e.g. from {HOW}")
        return value
    if os.environ.get("LTV_DEMO") == "1":
        return _demo_key(Path(data_dir))
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. The standalone server signs Dashboard tokens and the links in "
        f"mails with it, so it must be a secret of yours: export SECRET_KEY=\"$({HOW})\". "
        "Only the demo (saleor-ltv ltv_demo) makes one of its own.")


def _demo_key(data_dir: Path) -> str:
    path = data_dir / DEMO_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        scratch = data_dir / f".{DEMO_FILE}.{os.getpid()}"
        scratch.write_text(secrets.token_urlsafe(50))
        scratch.chmod(0o600)
        try:  # link is atomic and refuses an existing name: two demos starting at once agree
            os.link(scratch, path)
        except FileExistsError:
            pass
        finally:
            scratch.unlink()
    return path.read_text().strip()


def plugin_settings_from_env() -> dict:
    """LTV_PLUGIN_JSON: a JSON object of plugin settings (validated later, like Saleor's config)."""
    raw = os.environ.get("LTV_PLUGIN_JSON", "")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"LTV_PLUGIN_JSON: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured("LTV_PLUGIN_JSON: must be a JSON object of plugin settings")
    return value
