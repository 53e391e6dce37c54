"""Browser tests of the Dashboard pages: real Chromium (Debian's, via Playwright's
executable_path) on the harness page that plays the Dashboard's side of AppBridge, against the
standalone server serving the demo shop from its own PostgreSQL database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from saleor_ltv_plugin.app_pages import BUILD
from saleor_ltv_plugin.hosts.standalone import tokens

from ..standalone_server import CLI, admin_sql, start_runserver

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LTV_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "dashboard"
CHROMIUM = os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium")
GRAPHQL = "/plugins/global/saleor.ltv/graphql/"
ALL = ["MANAGE_USERS", "MANAGE_ORDERS", "MANAGE_PLUGINS"]
DEMO_COMPANIES = 300


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (bin/browser installs Debian's chromium)"
    if not (BUILD / "index.html").exists():
        return "the Dashboard extension is not built (bin/browser runs npm ci && npm run build)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if "sqlite" in db["ENGINE"]:
        pytest.skip("the Dashboard browser tests serve the demo from PostgreSQL")
    # As pytest-django names the test database, whether or not it is made yet (the build may
    # start before it is).
    base = db["NAME"] if db["NAME"].startswith("test_") else f"test_{db['NAME']}"
    return f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{base}_dashboard"


class DemoBuild:
    """`ltv_demo --no-serve` into the Dashboard tests' own database, as a background process.

    It takes a minute or two and needs nothing from the tests before it, so the session starts
    it once collection has finished (tests/conftest.py) and the tests before the Dashboard's run
    meanwhile; `demo_server` waits for it. Started lazily where nothing started it."""

    def __init__(self):
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None or _missing() or "sqlite" in settings.DATABASES["default"]["ENGINE"]:
            return
        self.database_url = _database_url()
        self.name = self.database_url.rsplit("/", 1)[1]
        admin_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{self.name}"')
        self.data_dir = tempfile.mkdtemp(prefix="ltv-dash-")
        self.env = {**os.environ, "DATABASE_URL": self.database_url, "LTV_DATA_DIR": self.data_dir,
                    "SECRET_KEY": settings.SECRET_KEY, "DJANGO_SETTINGS_MODULE": "saleor_ltv_plugin.hosts.standalone.settings",
                    "CELERY_BROKER_URL": "", "DEBUG": "0"}
        self.log = Path(self.data_dir) / "demo.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen([*CLI, "ltv_demo", "--companies", str(DEMO_COMPANIES), "--no-serve"],
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.started = time.monotonic()

    def wait(self) -> None:
        self.start()
        try:
            code = self.process.wait(timeout=max(600 - (time.monotonic() - self.started), 1))
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        assert code == 0, f"ltv_demo --no-serve exited {code}:\n{self.log.read_text()[-3000:]}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


DEMO_BUILD = DemoBuild()


class DemoServer:
    def __init__(self, url: str, database_url: str):
        self.url, self.database_url = url, database_url

    def token(self, permissions=ALL, **kw) -> str:
        return tokens.mint("staff@example.com", permissions, **kw)

    def api(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        request = urllib.request.Request(
            self.url + GRAPHQL, data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token or self.token()}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        assert "errors" not in body, body
        return body["data"]

    def sql(self, statement: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="session")
def demo_server(django_db_blocker):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    _database_url()  # skips where the tests do not run on PostgreSQL
    with django_db_blocker.unblock():
        DEMO_BUILD.wait()
    build = DEMO_BUILD
    # The demo's server: the harness takes the tests' tokens in its address (#token=…), as the demo's
    # #session=…; outside the demo an anonymous visit goes to the login page (test_login.py).
    server, url = start_runserver({**build.env, "LTV_DEMO": "1"}, Path(build.data_dir) / "server.log")
    yield DemoServer(url, build.database_url)
    server.terminate()
    server.wait(10)
    artifacts = Path(os.environ.get("LTV_ARTIFACTS", "test-artifacts")) / "dashboard"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(build.data_dir) / "server.log", artifacts / "server.log")  # for a failed run's story
    shutil.rmtree(build.data_dir, ignore_errors=True)
    with django_db_blocker.unblock():
        admin_sql(f'DROP DATABASE IF EXISTS "{build.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def chromium():
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


class Harness:
    """One harness page framing the app, as the Dashboard frames it."""

    def __init__(self, page, server: DemoServer):
        self.page, self.server = page, server
        self.errors: list[str] = []
        self.story: list[str] = []  # what the page did, for a failed test's report
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.story.append(f"console {m.type}: {m.text}"[:500]))
        page.on("requestfailed", lambda r: self.story.append(f"request failed: {r.method} {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.story.append(f"HTTP {r.status}: {r.request.method} {r.url}"))

    def open(self, path: str, token: str | None = None, locale: str = "en", theme: str = "light", **mount) -> None:
        from urllib.parse import urlencode

        token = self.server.token() if token is None else token
        query = urlencode({"page": path, "locale": locale, "theme": theme, **mount})
        self.page.goto(f"{self.server.url}/dashboard/?{query}#token={token}")

    @property
    def app(self):
        return self.page.frame_locator("#frame")

    @property
    def frame(self):
        return next(f for f in self.page.frames if "/saleor.ltv/app/" in f.url)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report carries what the frame showed, what the page logged and the
    server's last lines: a timeout alone says nothing about why a page never drew."""
    report = yield
    harness = getattr(item, "funcargs", {}).get("harness")
    if report.failed and call.when == "call" and harness is not None:
        try:
            shown = harness.frame.locator("body").inner_text(timeout=5_000)[:3000]
        except Exception as e:  # noqa: BLE001 — the frame may be gone; say so instead
            shown = f"(no frame text: {e})"
        log = Path(DEMO_BUILD.data_dir) / "server.log" if DEMO_BUILD.process else None
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log and log.exists() else ""
        report.sections.append(("browser", f"frame text:\n{shown}\n\npage story:\n" + "\n".join(harness.story[-60:])
                                + f"\n\nserver log tail:\n{tail}"))
    return report


@pytest.fixture
def harness(chromium, demo_server):
    context = chromium.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a shared 2-core machine under load took over 20 s to draw a page
    h = Harness(page, demo_server)
    yield h
    context.close()
    assert not h.errors, h.errors
