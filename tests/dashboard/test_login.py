"""A staff user signs in to the standalone server in a real browser and sees the Dashboard pages: no
token in the address, the session buys the pages' tokens with the user's scopes (login.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ..standalone_server import CLI, start_runserver

PASSWORD = "browser-staff-passphrase"
OVERVIEW = 'query { ltvOverview(channel: "default-channel") { accounts } }'


@pytest.fixture(scope="module")
def login_server(demo_server):
    """The demo shop's database served as in production: no LTV_DEMO, so no token links."""
    from .conftest import DEMO_BUILD

    env = {k: v for k, v in DEMO_BUILD.env.items() if k != "LTV_DEMO"}
    for email, scopes in (("admin@shop.example", "all"), ("reader@shop.example", "metrics:read")):
        made = subprocess.run([*CLI, "createstaff", "--email", email, "--scopes", scopes],
                              env={**env, "LTV_STAFF_PASSWORD": PASSWORD}, capture_output=True, text=True)
        assert made.returncode == 0 or "exists already" in made.stderr, made.stderr
    server, url = start_runserver(env, Path(DEMO_BUILD.data_dir) / "login-server.log")
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def _sign_in(page, password: str, email: str = "admin@shop.example") -> None:
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_a_staff_user_signs_in_sees_the_overview_and_signs_out(login_server, browser_page, demo_server):
    page = browser_page
    page.goto(f"{login_server}/dashboard/?page=overview&locale=ja")
    assert re.search(r"/login/\?next=%2Fdashboard%2F%3Fpage%3Doverview", page.url), page.url  # no session yet
    assert page.locator("h1").inner_text() == "LTV ダッシュボードにログイン"
    _sign_in(page, "wrong-password")
    assert page.get_by_test_id("login-error").inner_text() == "メールアドレスまたはパスワードが正しくありません。"
    page.get_by_test_id("login-language").click()
    _sign_in(page, "wrong-password")
    assert page.get_by_test_id("login-error").inner_text() == "The e-mail or password is not correct."
    _sign_in(page, PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard/\?page=overview&locale=ja$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "ltv_session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    app = page.frame_locator("#frame")
    stat = app.get_by_test_id("stat-accounts")
    stat.wait_for()
    accounts = demo_server.api(OVERVIEW)["ltvOverview"]["accounts"]
    assert int(re.sub(r"\D", "", stat.inner_text().splitlines()[-1])) == accounts
    assert app.locator('[data-testid=nav] [data-page=overview]').inner_text() == "概要"
    page.get_by_test_id("logout").click()
    page.wait_for_url(re.compile(r"/login/\?signed_out=1"))
    assert page.get_by_test_id("login-notice").is_visible()
    page.goto(f"{login_server}/dashboard/?page=overview")
    assert "/login/" in page.url  # the session is gone


def test_a_reader_sees_the_settings_read_only_and_a_save_is_refused_naming_the_scope(login_server, browser_page):
    page = browser_page
    page.goto(f"{login_server}/login/?lang=en&next=/dashboard/%3Fpage%3Dsettings")
    _sign_in(page, PASSWORD, "reader@shop.example")
    page.wait_for_url(re.compile(r"/dashboard/\?page=settings$"))
    app = page.frame_locator("#frame")
    app.get_by_test_id("missing-permission").wait_for()
    assert app.locator('[data-setting="sender_name"] input').is_disabled()
    # The page's own token, from the session, carries the reader's scope and no more.
    status, body = page.evaluate("""async () => {
        const csrf = document.querySelector('#signout input').value;
        const {token} = await (await fetch('/dashboard/session-token', {method: 'POST', headers: {'X-CSRFToken': csrf}})).json();
        const r = await fetch('/plugins/global/saleor.ltv/api/v1/settings', {method: 'PATCH',
            headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
            body: JSON.stringify({sender_name: 'x'})});
        return [r.status, await r.json()];
    }""")
    assert status == 403 and "settings:write" in body["detail"], body


def _can_sign_in(page, url: str, email: str, password: str) -> bool:
    """Whether `email` signs in, in a browser context of its own (the secure session cookie, as
    Chromium keeps it for loopback)."""
    context = page.context.browser.new_context()
    try:
        other = context.new_page()
        other.goto(f"{url}/login/?lang=en")
        _sign_in(other, password, email)
        other.wait_for_load_state()
        return "/dashboard/" in other.url
    finally:
        context.close()


def test_an_admin_adds_a_colleague_on_the_staff_page_and_disables_them(login_server, browser_page):
    page = browser_page
    page.goto(f"{login_server}/login/?lang=ja&next=/dashboard/%3Fpage%3Dstaff%26locale%3Dja")
    _sign_in(page, PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard/\?page=staff&locale=ja$"))
    app = page.frame_locator("#frame")
    users = app.get_by_test_id("staff-users")
    users.locator('[data-email="admin@shop.example"]').wait_for()
    assert "あなた" in users.locator('[data-email="admin@shop.example"]').inner_text()
    email = "tanaka@shop.example"
    add = app.get_by_test_id("staff-add")
    # A refused add names its reason in Japanese and stores nothing.
    add.get_by_test_id("staff-email").fill(email)
    add.get_by_test_id("staff-new-password").fill("short")
    add.locator('[data-scope="metrics:read"]').check()
    add.get_by_test_id("staff-add-submit").click()
    reason = add.locator('[role=alert][data-field="password"]')
    reason.wait_for()
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", reason.inner_text()), reason.inner_text()
    assert users.locator(f'[data-email="{email}"]').count() == 0
    add.get_by_test_id("staff-new-password").fill("tanaka-long-passphrase")
    add.locator('[data-scope="alerts:write"]').check()
    add.get_by_test_id("staff-add-submit").click()
    row = users.locator(f'[data-email="{email}"]')
    row.wait_for()
    assert row.locator('[data-scope="metrics:read"]').is_checked() and row.locator('[data-scope="alerts:write"]').is_checked()
    assert not row.locator('[data-scope="settings:write"]').is_checked()
    assert _can_sign_in(page, login_server, email, "tanaka-long-passphrase")
    row.get_by_test_id("staff-toggle").click()
    users.locator(f'[data-email="{email}"][data-active="false"]').wait_for()
    assert not _can_sign_in(page, login_server, email, "tanaka-long-passphrase")
    # Nobody disables themselves: the page offers no such button on one's own row.
    assert users.locator('[data-email="admin@shop.example"]').get_by_test_id("staff-toggle").count() == 0


def test_a_reader_may_not_open_the_staff_list(login_server, browser_page):
    page = browser_page
    page.goto(f"{login_server}/login/?lang=en&next=/dashboard/%3Fpage%3Dstaff")
    _sign_in(page, PASSWORD, "reader@shop.example")
    page.wait_for_url(re.compile(r"/dashboard/\?page=staff$"))
    app = page.frame_locator("#frame")
    app.get_by_test_id("permission-denied").wait_for()
    assert app.get_by_test_id("staff-users").count() == 0
