"""Company names in staff alerts: a name cannot ping a whole channel, fake a link or a second line
in Slack, Teams or a Slack-compatible chat (Mattermost, Discord), through the real outbox and a
real HTTP receiver on loopback. The structured fields keep the name as it is."""

import json
import re
import socket
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import Account, Enrollment, OutboxMessage

from ..automation.conftest import CHANNEL, enable, shop_settings  # noqa: F401 (a fixture)
from ..conftest import make_order

pytestmark = pytest.mark.django_db
NAMES = [
    "<!channel> 至急対応 株式会社",
    "<!here|here> Acme",
    "<!everyone>",
    "<@U024BE7LH> 宛",
    "<!subteam^S012345|@sales>",
    "<https://evil.example/login|請求書を確認>",
    "@everyone 全員確認",
    "@here @channel @all",
    "Tom & Jerry <at>Sales Team</at>",
    "[ここをクリック](https://evil.example/) **緊急**",
    "行1\n<!channel>\r\n*偽の2行目*",
]
_real_getaddrinfo = socket.getaddrinfo


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        Receiver.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def chat(settings, shop_settings, monkeypatch):
    """A real receiver on loopback, reachable under the chat services' host names."""
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = True

    def getaddrinfo(host, port, *args, **kwargs):
        if host.endswith((".slack.com", ".office.com", ".example")):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def deliver(host: str) -> list[dict]:
        settings.LTV_PLUGIN = {**shop_settings, "staff_webhook_url": f"http://{host}:{server.server_port}/hook"}
        Receiver.received = []
        _alert_every_name()
        return list(Receiver.received)

    yield deliver
    server.shutdown()
    server.server_close()


def _alert_every_name():
    now = timezone.now()
    upsert_orders([make_order(f"n{i}", company=name, email=f"b{i}@x.example", created_at=now - timedelta(days=90))
                   for i, name in enumerate(NAMES)])
    enable("churn_risk")
    for account in Account.objects.filter(display_name__in=NAMES):
        enrollment = Enrollment.objects.create(scenario="churn_risk", channel=CHANNEL, account=account,
                                               trigger_ref=uuid.uuid4().hex, anchor_at=now)
        OutboxMessage.objects.create(idempotency_key=uuid.uuid4().hex, enrollment=enrollment, scenario="churn_risk",
                                     channel=CHANNEL, step=0, kind="staff_webhook", account=account, due_at=now)
    outbox.send_due(now=now)


MENTION = re.compile(r"<[!@#]|@(?:everyone|here|channel|all)\b", re.IGNORECASE)


def _assert_inert_for_slack(text: str) -> None:
    assert not MENTION.search(text), text
    assert "<" not in text and ">" not in text, text  # Slack's control characters: no link, no mention
    assert re.sub(r"&(amp|lt|gt);", "", text).count("&") == 0, text  # every & escaped
    assert "\n" not in text and "\r" not in text, text


@pytest.mark.parametrize("host", ["hooks.slack.com", "chat.shop.example"])
def test_slack_style_text_carries_no_mention_link_or_extra_line(chat, host):
    received = chat(host)
    assert len(received) == len(NAMES)
    for payload in received:
        _assert_inert_for_slack(payload["text"])
    texts = "\n".join(p["text"] for p in received)
    assert "&lt;!channel&gt;" in texts and "Tom &amp; Jerry" in texts and "至急対応 株式会社" in texts
    # the structured fields are data for the shop's own receiver: kept as stored
    assert sorted(p["account"]["name"] for p in received) == sorted(
        Account.objects.filter(display_name__in=NAMES).values_list("display_name", flat=True))


def test_teams_text_carries_no_markdown_link_or_mention(chat):
    received = chat("acme.webhook.office.com")
    assert len(received) == len(NAMES)
    for payload in received:
        text = payload["text"]
        assert text.startswith(payload["title"] + " — ")  # a Teams card shows its title too: escaped alike
        _assert_inert_for_slack(text)
        _assert_inert_for_slack(payload["title"])
        assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", text), text  # no [label](url) link
        assert not re.search(r"(?<!\\)\*\*", text), text
    assert any(r"\[ここをクリック\]" in p["text"] for p in received)
