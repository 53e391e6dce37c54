"""What the two Done-when walks share: a server of their own on the demo shop's database whose mail
goes to a real SMTP sink (aiosmtpd), the shop's sending settings for the walk, the shop's clock
(flow entry, the runtime's tick and the outbox's send, as the beat runs them, at chosen moments),
and a buyer opening or clicking a mail through its tracking links."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import zoneinfo
from pathlib import Path

import pytest

from ..automation import smtp_sink
from ..standalone_server import start_runserver
from .conftest import DEMO_BUILD, ROOT, DemoServer, Harness

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# Buyer mail without consent prompts, caps or quiet hours in the way: what the walks look at is the
# flows; `null` puts each setting back to the shop's default afterwards.
WALK_SETTINGS = {"consent_mode": "opt_out", "frequency_cap_per_week": 0, "quiet_hours_start": 0, "quiet_hours_end": 0}
SETTINGS = "mutation($i: JSONString!) { ltvShopSettingsUpdate(input: $i) { errors { field message } } }"


class WalkServer(DemoServer):
    def __init__(self, url: str, database_url: str, sink: smtp_sink.Sink, env: dict):
        super().__init__(url, database_url)
        self.sink, self.env = sink, env

    def run_clock(self, moments: list[dt.datetime], enter: list[int]) -> list[dict]:
        """At each moment: the flows `enter` (pks) take their entrants, the runtime moves every due
        enrollment, the outbox sends what is due — in a process of the server's own settings."""
        args = json.dumps({"moments": [m.isoformat() for m in moments], "enter": enter})
        done = subprocess.run([sys.executable, "-m", "tests.dashboard.shop_clock", args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-4000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def follow(self, link: str) -> int:
        """A buyer's mail client fetching a tracking link (open pixel or click), on this server."""
        path = re.sub(r"^https?://[^/]+", "", link)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            with urllib.request.build_opener(NoRedirect).open(self.url + path, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as answer:  # a click answers 302 to the shop
            return answer.code


@pytest.fixture(scope="module")
def walk_server(demo_server, django_db_blocker):
    controller, sink = smtp_sink.start()
    env = {**DEMO_BUILD.env, "LTV_DEMO": "1", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(controller.port),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    process, url = start_runserver(env, Path(DEMO_BUILD.data_dir) / "walk-server.log")
    server = WalkServer(url, demo_server.database_url, sink, env)
    server.api(SETTINGS, {"i": json.dumps(WALK_SETTINGS)})
    yield server
    server.api(SETTINGS, {"i": json.dumps({k: None for k in WALK_SETTINGS})})
    process.terminate()
    process.wait(10)
    controller.stop()


@pytest.fixture
def harness(chromium, walk_server):
    """The conftest's harness, on the walk's server (the failure report reads it by this name)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    h = Harness(page, walk_server)
    yield h
    context.close()
    assert not h.errors, h.errors


def shop_day_at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


def links(message, kind: str) -> list[str]:
    """The tracking links of a mail's HTML part: kind "o" (open pixel) or "c" (click)."""
    html = message.get_body(("html",)).get_content()
    return re.findall(rf'(?:src|href)="([^"]*/t/{kind}/[^"]+)"', html)
