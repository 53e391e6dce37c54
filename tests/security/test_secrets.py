"""Issue 15 #1: no published default secret, DEBUG off unless asked, one key per purpose.

Before: standalone/settings.py fell back to a fixed SECRET_KEY and DEBUG on, so anyone holding
that string could mint an admin Dashboard token, forge click links into an open redirect and
unsubscribe any contact.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import time

import pytest
from django.core import signing

from saleor_ltv_plugin.auth import AuthError
from saleor_ltv_plugin.automation import links
from saleor_ltv_plugin.models import Contact
from saleor_ltv_plugin.hosts.standalone import tokens

PUBLISHED = "ltv-standalone-insecure-key-change-me"  # the old default, in every clone's history
PREFIX = "/plugins/global/saleor.ltv/"
CLI = [sys.executable, "-m", "saleor_ltv_plugin.hosts.standalone.cli"]


def _standalone(args, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "LTV_DEMO", "DATABASE_URL")}
    base.update(DJANGO_SETTINGS_MODULE="saleor_ltv_plugin.hosts.standalone.settings", LTV_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(args, env=base, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["check"], ["migrate"], ["runserver", "--noreload", "127.0.0.1:1"],
                                     ["ltv_api_key", "list"]])
def test_standalone_refuses_to_start_without_a_secret(tmp_path, command):
    result = _standalone([*CLI, *command], tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "ltv-standalone.sqlite3").exists()  # nothing was started half-way


def test_the_celery_worker_refuses_too(tmp_path):
    result = _standalone([sys.executable, "-c", "import saleor_ltv_plugin.hosts.standalone.celery as c; c.app.loader"
                          ".import_default_modules()"], tmp_path)
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("weak", ["short", "a" * 64, "abcabcabcabcabcabcabcabcabcabcabcabc", PUBLISHED[:20]])
def test_weak_secrets_are_refused_with_the_reason(tmp_path, weak):
    result = _standalone([*CLI, "check"], tmp_path, SECRET_KEY=weak)
    assert result.returncode != 0 and "SECRET_KEY: too weak" in result.stderr


def test_the_published_default_is_refused_as_a_secret(tmp_path):
    result = _standalone([*CLI, "check"], tmp_path, SECRET_KEY=PUBLISHED)
    assert result.returncode != 0 and "published" in result.stderr


def test_debug_is_off_unless_asked(tmp_path):
    show = [sys.executable, "-c", "from django.conf import settings; import django; django.setup(); "
            "print(settings.DEBUG)"]
    secret = "k" + base64.b64encode(os.urandom(40)).decode()
    assert _standalone(show, tmp_path, SECRET_KEY=secret).stdout.strip() == "False"
    assert _standalone(show, tmp_path, SECRET_KEY=secret, DEBUG="1").stdout.strip() == "True"
    assert _standalone(show, tmp_path, SECRET_KEY=secret, DEBUG="true").stdout.strip() == "False"


def test_the_demo_makes_its_own_random_secret_and_keeps_it(tmp_path):
    show = [sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"]
    first = _standalone(show, tmp_path / "a" / "new", LTV_DEMO="1")
    again = _standalone(show, tmp_path / "a" / "new", LTV_DEMO="1")
    other = _standalone(show, tmp_path / "b", LTV_DEMO="1")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == again.stdout.strip() != other.stdout.strip() and key != PUBLISHED
    path = tmp_path / "a" / "new" / "secret_key"
    assert path.read_text().strip() == key and stat.S_IMODE(path.stat().st_mode) == 0o600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge_dashboard_token(secret: str, permissions) -> str:
    """What an attacker holding `secret` builds: the standalone token format, admin permissions."""
    now = int(time.time())
    payload = {"iat": now, "exp": now + 3600, "iss": tokens.ISSUER, "owner": "saleor", "type": "thirdparty",
               "email": "attacker@example.com", "is_staff": True, "permissions": permissions,
               "user_permissions": permissions}
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload).encode())
    key = hashlib.sha256(b"ltv-dashboard-token:" + secret.encode()).digest()
    return f"{head}.{body}.{_b64(hmac.new(key, f'{head}.{body}'.encode(), hashlib.sha256).digest())}"


@pytest.mark.parametrize("secret", [PUBLISHED, "", "changeme", "django-insecure-"])
def test_a_token_signed_with_a_guessable_key_is_refused(client, secret):
    forged = _forge_dashboard_token(secret, ["MANAGE_USERS", "MANAGE_ORDERS", "MANAGE_PLUGINS"])
    with pytest.raises(AuthError):
        tokens.resolve(None, forged)
    response = client.post(f"{PREFIX}graphql/", {"query": "{ ltvApiKeys { id } }"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code in (400, 401, 403) and "ltvApiKeys" not in json.dumps(response.json().get("data"))


@pytest.mark.django_db
@pytest.mark.parametrize("secret", [PUBLISHED, "changeme", "secret"])  # ("" would mean settings' own key)
def test_links_signed_with_a_guessable_key_neither_redirect_nor_unsubscribe(client, secret):
    contact = Contact.objects.create(email="buyer@example.jp")
    click = signing.dumps([1, "https://evil.example/"], key=secret, salt=links.CLICK, compress=True)
    unsubscribe = signing.dumps({"c": contact.pk, "m": None}, key=secret, salt=links.UNSUBSCRIBE, compress=True)
    response = client.get(f"{PREFIX}t/c/{click}")
    assert response.status_code == 400 and "Location" not in response
    assert client.post(f"{PREFIX}u/{unsubscribe}").status_code == 400
    contact.refresh_from_db()
    assert contact.unsubscribed_at is None


@pytest.mark.django_db
def test_each_purpose_has_its_own_key(client):
    """A genuine token of one purpose is refused by every other (each is salted by purpose)."""
    contact = Contact.objects.create(email="buyer@example.jp")
    unsubscribe = links.sign({"c": contact.pk, "m": None}, links.UNSUBSCRIBE)
    click_shaped = links.sign([contact.pk, "https://evil.example/"], links.OPEN)
    assert client.get(f"{PREFIX}t/c/{unsubscribe}").status_code == 400
    assert client.get(f"{PREFIX}t/c/{click_shaped}").status_code == 400
    assert client.post(f"{PREFIX}u/{links.sign({'c': contact.pk, 'm': None}, links.CLICK)}").status_code == 400
    contact.refresh_from_db()
    assert contact.unsubscribed_at is None
    assert client.post(f"{PREFIX}u/{unsubscribe}").status_code == 200  # the genuine one still works
    contact.refresh_from_db()
    assert contact.unsubscribed_at is not None
