"""The app tokens Saleor gives us and the shops' stored secrets (settings_seal.py), encrypted at rest
(Fernet: AES-128-CBC + HMAC-SHA256).

LTV_APP_ENCRYPTION_KEYS: one or more Fernet keys, comma-separated, newest first; a token written
under an older key still reads, and is rewritten under the newest when it is next saved. There is
no default: without a key the App host refuses to start (checks.py).
Make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

SETTING = "LTV_APP_ENCRYPTION_KEYS"


class SealError(RuntimeError):
    pass


def _box() -> MultiFernet:
    raw = getattr(settings, SETTING, "") or ""
    keys = [key.strip() for key in (raw.split(",") if isinstance(raw, str) else raw) if key.strip()]
    if not keys:
        raise SealError(f"{SETTING} is not set: the App host needs a key to keep Saleor's app tokens encrypted")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise SealError(f"{SETTING}: each key must be 32 url-safe base64-encoded bytes ({exc})") from exc


def check() -> str | None:
    """Why the keys cannot be used, or None."""
    try:
        _box()
    except SealError as exc:
        return str(exc)
    return None


def seal(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def open_(sealed: str) -> str:
    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SealError(f"a sealed value does not decrypt with any key in {SETTING}") from exc
