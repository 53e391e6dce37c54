"""The standalone box for the secrets of the stored settings (settings_seal.py): Fernet keys derived
from SECRET_KEY (and SECRET_KEY_FALLBACKS, so a rotated key still opens what the old one sealed),
with a salt of their own. A backup of the database alone does not hand out the shop's secrets.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

SALT = b"ltv-settings-seal:"


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(SALT + secret.encode()).digest()))


def _box() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(s) for s in secrets if s])


def seal(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def open_(sealed: str) -> str:
    return _box().decrypt(sealed.encode()).decode()
