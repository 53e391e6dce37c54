"""Standalone staff login (hosts/standalone/login.py, staff.py): Django auth users with the API keys'
scopes, a ja/en login page, sessions that buy the Dashboard's tokens, the scope they need checked."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.hosts.standalone import login, staff, tokens

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-staff-passphrase"
API = "/plugins/global/saleor.ltv/api/v1/"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # the failed-login counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def admin():
    return staff.create("Admin@Shop.example", PASSWORD, sorted(auth.ALL_SCOPES))


@pytest.fixture
def reader():
    return staff.create("reader@shop.example", PASSWORD, [auth.Scope.READ.value])


def _sign_in(client: Client, email: str, password: str = PASSWORD, headers=None, **fields):
    return client.post("/login/", {"email": email, "password": password, "next": "/dashboard/?page=overview",
                                   **fields}, headers=headers)


def test_an_anonymous_visit_to_a_page_is_sent_to_the_login_page():
    response = Client().get("/dashboard/?page=alerts&locale=ja")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fdashboard%2F%3Fpage%3Dalerts%26locale%3Dja"
    assert Client().get("/")["Location"] == "/dashboard/"


def test_the_login_messages_come_in_japanese_and_english_in_step(reader):
    assert set(login.TEXT["ja"]) == set(login.TEXT["en"])
    for key in login.TEXT["ja"]:
        assert login.TEXT["ja"][key] != login.TEXT["en"][key], key
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", login.TEXT["ja"][key]) or key == "other", key
    client = Client()
    wrong_ja = _sign_in(client, "reader@shop.example", "not-the-password", lang="ja")
    assert wrong_ja.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません。" in wrong_ja.content.decode()
    wrong_en = _sign_in(client, "reader@shop.example", "not-the-password", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert wrong_en.status_code == 401 and "The e-mail or password is not correct." in wrong_en.content.decode()
    missing = client.post("/login/?lang=en", {"email": "", "password": ""})
    assert missing.status_code == 400 and "Enter your e-mail and password." in missing.content.decode()
    assert "ログイン" in Client().get("/login/").content.decode()  # Japanese unless the browser asks for English


def test_failed_logins_are_limited_per_email_and_the_right_password_waits_too(reader):
    client = Client()
    for _ in range(login.FAILURES_PER_EMAIL):
        assert _sign_in(client, "reader@shop.example", "guess").status_code == 401
    refused = _sign_in(client, "READER@shop.example", PASSWORD, lang="ja")  # the e-mail's case is no way round
    assert refused.status_code == 429 and "ログインの失敗が多すぎます" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    other = staff.create("other@shop.example", PASSWORD, [auth.Scope.READ.value])
    assert _sign_in(Client(), other.username).status_code == 302  # another e-mail is not held back


def test_the_login_form_needs_its_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    assert _sign_in(client, "reader@shop.example").status_code == 403
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert _sign_in(client, "reader@shop.example", csrfmiddlewaretoken=token).status_code == 302


def test_a_session_buys_tokens_with_the_users_scopes_and_logout_ends_it(reader):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    signed_in = _sign_in(client, "reader@shop.example", csrfmiddlewaretoken=csrf)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/dashboard/?page=overview"
    cookie = signed_in.cookies["ltv_session"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    harness = client.get("/dashboard/?page=overview")
    assert harness.status_code == 200
    staff_json = json.loads(re.search(r"const staff = (.+);", harness.content.decode()).group(1))
    assert staff_json["email"] == "reader@shop.example"
    assert client.post("/dashboard/session-token").status_code == 403  # no CSRF token: refused
    token = client.post("/dashboard/session-token", HTTP_X_CSRFTOKEN=staff_json["csrf"]).json()["token"]
    # The token goes through the API's own resolver, with the user's scopes.
    principal = tokens.resolve(None, token)
    assert principal.kind == "staff" and principal.scopes == {"metrics:read"}
    assert principal.email == "reader@shop.example"
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert Client().get(API + "settings", **bearer).status_code == 200
    refused = Client().patch(API + "settings", data={"sender_name": "x"}, content_type="application/json", **bearer)
    assert refused.status_code == 403 and "settings:write" in refused.json()["detail"]
    # A staff login's token is renewed only with its session, never with itself.
    assert Client().post("/dashboard/token", data={"credential": token},
                         content_type="application/json").status_code == 401
    client.post("/logout/", HTTP_X_CSRFTOKEN=staff_json["csrf"])
    assert client.post("/dashboard/session-token", HTTP_X_CSRFTOKEN=staff_json["csrf"]).status_code in (401, 403)
    assert client.get("/dashboard/")["Location"].startswith("/login/")


def test_a_user_without_scopes_or_disabled_cannot_sign_in(reader):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("plain@shop.example", password=PASSWORD, is_staff=True)
    refused = _sign_in(Client(), "plain@shop.example", lang="en")
    assert refused.status_code == 403 and "holds no scope" in refused.content.decode()
    client = Client()
    assert _sign_in(client, "reader@shop.example").status_code == 302
    call_command("ltv_staff", "disable", "reader@shop.example")
    assert client.get("/dashboard/")["Location"].startswith("/login/")  # the session ended with it
    assert _sign_in(Client(), "reader@shop.example").status_code == 401


def test_nobody_grants_a_scope_they_lack(reader, admin, monkeypatch):
    lacking = staff.principal_of(reader)
    with pytest.raises(staff.StaffError) as refused:
        staff.create("new@shop.example", PASSWORD, ["metrics:read", "settings:write"], by=lacking)
    assert refused.value.field == "scopes" and "settings:write" in str(refused.value)
    monkeypatch.setenv("LTV_STAFF_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="settings:write"):
        call_command("ltv_staff", "create", "--email", "new@shop.example", "--scopes", "settings:write",
                     "--by", "reader@shop.example")
    with pytest.raises(CommandError, match="--scopes: unknown scope"):
        call_command("ltv_staff", "create", "--email", "new@shop.example", "--scopes", "everything")
    with pytest.raises(CommandError, match="--password"):
        monkeypatch.setenv("LTV_STAFF_PASSWORD", "short")
        call_command("ltv_staff", "create", "--email", "new@shop.example", "--scopes", "metrics:read")
    # Taking away a scope one lacks is refused as well; the admin may do both.
    with pytest.raises(staff.StaffError):
        staff.set_scopes(admin, ["metrics:read"], by=lacking)
    assert staff.set_scopes(reader, ["metrics:read", "settings:write"], by=staff.principal_of(admin)) == [
        "metrics:read", "settings:write"]
    reader.refresh_from_db()
    assert staff.scopes_of(type(reader).objects.get(pk=reader.pk)) == {"metrics:read", "settings:write"}
