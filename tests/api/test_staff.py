"""REST `staff` (api/staff.py): the Dashboard's Staff page adds, changes and disables standalone
logins; nobody grants a scope they lack or acts on a user who holds one; nothing half-written."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from saleor_ltv_plugin import auth, hosts
from saleor_ltv_plugin.hosts.saleor.staff import STAFF_HOME
from saleor_ltv_plugin.hosts.standalone import staff, tokens

pytestmark = pytest.mark.django_db
API = "/plugins/global/saleor.ltv/api/v1/"
PASSWORD = "a-long-staff-passphrase"
ALL = sorted(auth.ALL_SCOPES)


def _as(email: str, scopes) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.mint_staff(email, scopes)}")


def _post(client: Client, path: str, body: dict):
    return client.post(API + path, data=body, content_type="application/json")


@pytest.fixture
def admin():
    return staff.create("admin@shop.example", PASSWORD, ALL)


@pytest.fixture
def manager():
    """May manage staff (settings:write) but holds no alerts:write."""
    return staff.create("manager@shop.example", PASSWORD, ["metrics:read", "settings:write"])


def _signs_in(email: str, password: str = PASSWORD) -> bool:
    return Client().post("/login/", {"email": email, "password": password}).status_code == 302


def test_an_admin_adds_a_colleague_who_then_signs_in_with_those_scopes(admin):
    client = _as(admin.username, ALL)
    made = _post(client, "staff", {"email": " Sato@Shop.example ", "password": PASSWORD,
                                   "scopes": ["metrics:read", "alerts:write"]})
    assert made.status_code == 201, made.content
    assert made.json()["email"] == "sato@shop.example" and made.json()["scopes"] == ["alerts:write", "metrics:read"]
    assert _signs_in("sato@shop.example")
    listed = client.get(API + "staff").json()
    assert listed["managed_here"] is True and listed["managed_in"] is None
    rows = {u["email"]: u for u in listed["users"]}
    assert set(rows) == {"admin@shop.example", "sato@shop.example"}
    assert rows["admin@shop.example"]["you"] and not rows["sato@shop.example"]["you"]
    assert rows["sato@shop.example"]["active"] and rows["sato@shop.example"]["last_login"]
    assert {s["scope"] for s in listed["scopes"]} == auth.ALL_SCOPES
    assert staff.scopes_of(get_user_model().objects.get(username="sato@shop.example")) == {
        "metrics:read", "alerts:write"}


def test_managing_staff_needs_settings_write():
    staff.create("reader@shop.example", PASSWORD, ["metrics:read", "alerts:write"])
    reader = _as("reader@shop.example", ["metrics:read", "alerts:write"])
    assert reader.get(API + "staff").status_code == 403
    refused = _post(reader, "staff", {"email": "x@shop.example", "password": PASSWORD, "scopes": ["metrics:read"]})
    assert refused.status_code == 403 and "settings:write" in refused.json()["detail"]
    assert not get_user_model().objects.filter(username="x@shop.example").exists()
    assert Client().get(API + "staff").status_code == 401


def test_nobody_grants_a_scope_they_lack_or_touches_a_user_who_holds_one(admin, manager):
    client = _as(manager.username, ["metrics:read", "settings:write"])
    refused = _post(client, "staff", {"email": "new@shop.example", "password": PASSWORD,
                                      "scopes": ["metrics:read", "alerts:write"]})
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "scopes" and "alerts:write" in error["message"] and "alerts:write" in error["message_ja"]
    assert not get_user_model().objects.filter(username="new@shop.example").exists()
    # The admin holds alerts:write, which the manager lacks: no disabling, no new password.
    for change in ({"active": False}, {"password": "another-long-passphrase"}):
        assert _post(client, f"staff/{admin.pk}", change).status_code == 422, change
    admin.refresh_from_db()
    assert admin.is_active and admin.check_password(PASSWORD)
    # Within their own scopes the manager may add and disable.
    made = _post(client, "staff", {"email": "clerk@shop.example", "password": PASSWORD, "scopes": ["metrics:read"]})
    assert made.status_code == 201
    assert _post(client, f"staff/{made.json()['id']}", {"active": False}).json()["active"] is False
    assert not _signs_in("clerk@shop.example")


def test_one_refused_change_writes_none_of_the_others(admin):
    clerk = staff.create("clerk@shop.example", PASSWORD, ["metrics:read"])
    client = _as(admin.username, ALL)
    both = _post(client, f"staff/{clerk.pk}", {"scopes": ["metrics:read", "segments:write"], "password": "short"})
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "password"
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", both.json()["errors"][0]["message_ja"])  # Django's ja reasons
    clerk.refresh_from_db()
    assert staff.granted_scopes(clerk) == {"metrics:read"} and clerk.check_password(PASSWORD)


def test_a_new_password_ends_the_users_sessions_and_is_the_one_that_works(admin):
    clerk = staff.create("clerk@shop.example", PASSWORD, ["metrics:read"])
    signed_in = Client()
    assert signed_in.post("/login/", {"email": clerk.username, "password": PASSWORD}).status_code == 302
    changed = _post(_as(admin.username, ALL), f"staff/{clerk.pk}", {"password": "a-brand-new-passphrase"})
    assert changed.status_code == 200, changed.content
    assert signed_in.get("/dashboard/")["Location"].startswith("/login/")
    assert not _signs_in(clerk.username) and _signs_in(clerk.username, "a-brand-new-passphrase")


def test_nobody_disables_themselves_and_bad_input_names_its_field(admin):
    client = _as(admin.username, ALL)
    itself = _post(client, f"staff/{admin.pk}", {"active": False})
    assert itself.status_code == 422 and itself.json()["errors"][0]["field"] == "active"
    admin.refresh_from_db()
    assert admin.is_active
    for body, field in (({"email": "not-an-address", "password": PASSWORD, "scopes": ALL}, "email"),
                        ({"email": "admin@shop.example", "password": PASSWORD, "scopes": ALL}, "email"),
                        ({"email": "a@shop.example", "password": PASSWORD, "scopes": []}, "scopes"),
                        ({"email": "a@shop.example", "password": PASSWORD, "scopes": ["root"]}, "scopes"),
                        ({"email": "a@shop.example", "password": "x" * 300, "scopes": ALL}, "password")):
        refused = _post(client, "staff", body)
        assert refused.status_code == 422, (body, refused.content)
        assert refused.json()["errors"][0]["field"] == field, (body, refused.json())
    assert _post(client, "staff/424242", {"active": False}).status_code == 404
    assert get_user_model().objects.count() == 1


def test_inside_saleor_the_staff_are_saleors_and_changes_are_refused(admin):
    here = hosts.current()
    hosts.install(dataclasses.replace(here, name="saleor_plugin", staff_users=None, staff_home=STAFF_HOME))
    try:
        client = _as(admin.username, ALL)
        listed = client.get(API + "staff").json()
        assert listed["managed_here"] is False and listed["users"] == []
        assert "スタッフメンバー" in listed["managed_in"]["ja"] and "Staff Members" in listed["managed_in"]["en"]
        by_scope = {s["scope"]: s["saleor_permissions"] for s in listed["scopes"]}
        assert by_scope["settings:write"] == ["MANAGE_PLUGINS"] and "MANAGE_USERS" in by_scope["segments:write"]
        refused = _post(client, "staff", {"email": "x@shop.example", "password": PASSWORD, "scopes": ALL})
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "managed_elsewhere"
    finally:
        hosts.install(here)
    assert not get_user_model().objects.filter(username="x@shop.example").exists()
