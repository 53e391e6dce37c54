"""Staff alerts in the shop's language: every staff message (alert mail, webhook, call task, the inbox's
stored reason) rendered in ja and en; no English left in ja, no Japanese in en beyond the shop's own
data, and the webhook's JSON still verifies with its HMAC signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from saleor_ltv_plugin.automation import render, staff_text
from saleor_ltv_plugin.automation import settings as scenario_settings
from saleor_ltv_plugin.automation.catalog import SCENARIOS
from saleor_ltv_plugin.automation.channels import SENT, webhook
from saleor_ltv_plugin.models import Account, DeliveryKind, Enrollment, OutboxMessage

from ..dashboard.test_pages import english_left  # the Dashboard walk's rule: runs of ≥ 4 ASCII letters
from .conftest import CHANNEL

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
NOW = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)
SECRET = "hook-secret"
COMPANY = "鈴木工業株式会社"
FIGURES = {"stage": "dormant", "rfm_rank": 2, "overdue_ratio": 1.84, "typical_interval_days": 32.5,
           "last_purchase_at": "2025-04-18", "clv": "245000.000", "monetary": "1250000.000"}
STAFF_SCENARIOS = [key for key, s in SCENARIOS.items() if s.staff_steps]
# (scenario, kind) of every staff message the ready scenarios send
STAFF_MESSAGES = [(key, kind) for key in STAFF_SCENARIOS for kind in SCENARIOS[key].staff_steps]


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        Receiver.received.append((self.headers, self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook(settings):
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = True
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def account(db):
    return Account.objects.create(channel=CHANNEL, currency="JPY", key_kind="company", key="鈴木工業",
                                  display_name=COMPANY)


def _message(account: Account, scenario: str, kind: str, tag: str = "") -> OutboxMessage:
    ref = f"{scenario}:{kind}:{account.pk}:{tag}"
    enrollment = Enrollment.objects.create(scenario=scenario, channel=CHANNEL, trigger_ref=ref, account=account,
                                           anchor_at=NOW, context=dict(FIGURES))
    return OutboxMessage.objects.create(idempotency_key=ref, enrollment=enrollment, scenario=scenario,
                                        channel=CHANNEL, step=0, kind=kind, account=account, due_at=NOW)


def _shop(settings, shop_settings, lang: str, hook_url: str = "https://hooks.example/x"):
    settings.LTV_PLUGIN = {**shop_settings, "default_language": lang, "staff_webhook_url": hook_url,
                           "staff_webhook_secret": SECRET}


def _rendered(account, scenario: str, kind: str) -> list[str]:
    """Every text a person reads for this staff message."""
    message = _message(account, scenario, kind)
    config = scenario_settings.load(CHANNEL)[scenario]
    summary = render.staff_summary(message, config)
    texts = [summary["title"], summary["reason_text"]]
    if kind == DeliveryKind.STAFF_EMAIL:
        mail = render.staff_email(message, config, ["sales@yamada-shop.example"])
        texts += [mail.subject, mail.body]
    if kind == DeliveryKind.STAFF_WEBHOOK:
        payload = render.staff_webhook_payload(message, config)
        texts += [payload["title"], payload["text"]]
    return texts


def test_the_ja_and_en_texts_have_the_same_keys_and_placeholders():
    assert set(staff_text.TEXT["ja"]) == set(staff_text.TEXT["en"])
    names = lambda s: sorted(re.findall(r"\{(\w+)\}", s))  # noqa: E731
    for key in staff_text.TEXT["en"]:
        assert staff_text.TEXT["ja"][key].strip() and staff_text.TEXT["en"][key].strip(), key
        assert JAPANESE.search(staff_text.TEXT["ja"][key]), f"ja.{key} is not Japanese"
        assert not JAPANESE.search(staff_text.TEXT["en"][key]), f"en.{key} holds Japanese"
        if key != "date":  # ja writes the month as a number, en by its name
            assert names(staff_text.TEXT["ja"][key]) == names(staff_text.TEXT["en"][key]), key


def test_english_stage_names_are_the_dashboards():
    from pathlib import Path

    labels = json.loads((Path(__file__).resolve().parents[2] / "dashboard_extension/src/labels.json").read_text())
    assert staff_text.STAGE_LABELS_EN == labels["stage"]["en"]


@pytest.mark.parametrize("scenario, kind", STAFF_MESSAGES)
def test_each_staff_message_in_japanese_has_no_english_left(settings, shop_settings, account, scenario, kind):
    _shop(settings, shop_settings, "ja")
    texts = _rendered(account, scenario, kind)
    assert all(JAPANESE.search(t) for t in texts), texts
    assert english_left(texts, set()) == [], texts  # "LTV", "RFM", "Saleor" are codes and names, kept
    joined = "\n".join(texts)
    for raw in ("dormant", "1.84", "245000.000", "2025-04-18", "churn_risk", "high_intent"):
        assert raw not in joined, f"{scenario}/{kind}: raw {raw!r} in {joined!r}"


@pytest.mark.parametrize("scenario, kind", STAFF_MESSAGES)
def test_each_staff_message_in_english_has_no_japanese_but_the_shops_data(settings, shop_settings, account,
                                                                            scenario, kind):
    _shop(settings, shop_settings, "en")
    for text in _rendered(account, scenario, kind):
        assert not JAPANESE.search(text.replace(COMPANY, "")), text


def test_the_alert_mail_words_its_reason_and_figures(settings, shop_settings, account):
    for lang, expected in (
        ("ja", ["[LTV] 離脱傾向フォロー: 鈴木工業株式会社", "理由: 標準購買間隔 33 日の 1.8 倍経過。",
                "ステージ: 休眠顧客", "RFMランク: 2", "購買間隔の遅れ: 1.8 倍", "標準購買間隔: 33 日",
                "最終購入日: 2025年4月18日", "予測LTV: ¥245,000", "累計購入額: ¥1,250,000"]),
        ("en", ["[LTV] Churn risk: 鈴木工業株式会社", "Reason: 1.8× its typical interval of 33 days.",
                "Stage: Dormant", "RFM rank: 2", "Overdue: 1.8×", "Typical interval: 33 days",
                "Last purchase: Apr 18, 2025", "Predicted CLV: ¥245,000", "Total spend: ¥1,250,000"]),
    ):
        _shop(settings, shop_settings, lang)
        message = _message(account, "churn_risk", DeliveryKind.STAFF_EMAIL, lang)
        mail = render.staff_email(message, scenario_settings.load(CHANNEL)["churn_risk"], ["sales@example.jp"])
        shown = f"{mail.subject}\n{mail.body}"
        assert [line for line in expected if line not in shown] == [], shown
        assert mail.extra_headers["Content-Language"] == lang


def test_a_call_task_says_it_is_one_and_why(settings, shop_settings, account):
    _shop(settings, shop_settings, "ja")
    summary = render.staff_summary(_message(account, "churn_risk", DeliveryKind.CALL_TASK))
    assert summary["title"] == "架電タスク（離脱傾向フォロー）: 鈴木工業株式会社"
    assert summary["reason_text"] == ("標準購買間隔 33 日の 1.8 倍経過。メールを送っても注文がありません。"
                                      "お電話でフォローしてください。")


def test_the_webhook_is_worded_in_the_shops_language_and_its_signature_verifies(settings, shop_settings,
                                                                                  account, hook):
    bodies = {}
    for lang in ("ja", "en"):
        _shop(settings, shop_settings, lang, hook)
        message = _message(account, "churn_risk", DeliveryKind.STAFF_WEBHOOK, lang)
        payload = render.staff_webhook_payload(message, scenario_settings.load(CHANNEL)["churn_risk"])
        outcome = webhook.post(hook, SECRET, payload, message.idempotency_key, lambda: True)
        assert outcome.status == SENT, outcome
        headers, body = Receiver.received[-1]
        expected = "sha256=" + hmac.new(SECRET.encode(), headers["X-LTV-Timestamp"].encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-LTV-Signature"], expected)
        bodies[lang] = json.loads(body)
    ja, en = bodies["ja"], bodies["en"]
    assert (ja["language"], en["language"]) == ("ja", "en")
    assert ja["title"] == "離脱傾向フォロー: 鈴木工業株式会社" and en["title"] == "Churn risk: 鈴木工業株式会社"
    assert ja["reason_text"] == "標準購買間隔 33 日の 1.8 倍経過。"
    assert en["reason_text"] == "1.8× its typical interval of 33 days."
    assert ja["text"] == f"{ja['title']} — {ja['reason_text']}"
    # machine fields: the same codes and raw figures whatever the language
    for key in ("event", "account", "facts"):
        assert ja[key] == en[key], key
    assert ja["event"] == "churn_risk" and ja["facts"] == FIGURES
    assert ja["account"] == {"id": account.pk, "name": COMPANY, "channel": CHANNEL, "currency": "JPY"}


def test_the_outbox_sends_each_staff_message_in_the_shops_language(settings, shop_settings, account, hook):
    """Through the outbox: the staff mail, the signed webhook and the inbox's alerts, worded in ja."""
    from django.core import mail

    from saleor_ltv_plugin.automation import outbox
    from saleor_ltv_plugin.models import Alert

    from .conftest import enable

    _shop(settings, shop_settings, "ja", hook)
    enable("churn_risk")
    for kind in SCENARIOS["churn_risk"].staff_steps:
        _message(account, "churn_risk", kind)
    assert outbox.send_due(now=NOW) == {"sent": 4}
    (staff_mail,) = mail.outbox
    assert staff_mail.subject == "[LTV] 離脱傾向フォロー: 鈴木工業株式会社" and "理由: 標準購買間隔 33 日" in staff_mail.body
    (headers, body), = Receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), headers["X-LTV-Timestamp"].encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-LTV-Signature"], expected)
    payload = json.loads(body)
    assert (payload["language"], payload["event"]) == ("ja", "churn_risk")
    assert payload["text"] == "離脱傾向フォロー: 鈴木工業株式会社 — 標準購買間隔 33 日の 1.8 倍経過。"
    assert sorted(Alert.objects.values_list("kind", "reason")) == [
        ("call", "架電タスク（離脱傾向フォロー）: 鈴木工業株式会社"), ("churn_risk", "離脱傾向フォロー: 鈴木工業株式会社")]
