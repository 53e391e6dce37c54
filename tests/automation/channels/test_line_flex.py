"""A flow step's content document goes to LINE as a Flex message (heading, text, the product list with
image, name, price and link, a button; its text fallback in altText), accepted by the fake Messaging API,
which checks the reference's limits: a long product list is cut to fit a bubble's 30 KB."""

import json
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.content import flex_part
from saleor_ltv_plugin.models import Contact, DeliveryKind, Enrollment, OutboxMessage

from ..conftest import CHANNEL
from ..flows.world import live_flow
from .fake_line import message_problems
from .test_line import LINE_ID

pytestmark = pytest.mark.django_db
DOCUMENT = {"ja": {"subject": "件名", "preheader": "", "blocks": [
    {"kind": "heading", "text": "{name}様、そろそろ補充の時期です"},
    {"kind": "text", "text": "いつもご利用ありがとうございます。"},
    {"kind": "products", "source": "trigger", "max_count": 20, "show_total": False},
    {"kind": "button", "label": "カートを見る", "target": "shop"}]}}


@pytest.fixture
def flex_shop(line_settings, settings):
    settings.LTV_PLUGIN = {**line_settings, "consent_mode": "opt_out"}


@pytest.fixture
def fake(line_fake):
    return line_fake


def flow_message(items) -> OutboxMessage:
    flow = live_flow({"trigger": {"kind": "metric", "metric": "churn_risk"}, "exit_on": ["ordered"], "reentry": {"mode": "never"},
                      "start": "m", "steps": [{"id": "m", "kind": "send", "channel": "line", "content": DOCUMENT,
                                               "next": None}]}, key=f"line-{len(items)}")
    contact = Contact.objects.create(email=f"hanako{len(items)}@kansai.example", first_name="花子", last_name="山田",
                                     line_user_id=LINE_ID, language_code="ja")
    now = timezone.now()
    enrollment = Enrollment.objects.create(scenario="reorder_reminder", channel=CHANNEL, trigger_ref=f"t{len(items)}",
                                           contact=contact, anchor_at=now, flow=flow, flow_version=flow.live_version,
                                           context={"currency": "JPY", "items": items})
    return OutboxMessage.objects.create(
        idempotency_key=f"flow:{flow.pk}:{contact.pk}:m:line", enrollment=enrollment, scenario="reorder_reminder",
        channel=CHANNEL, step=0, step_id="m", kind=DeliveryKind.LINE, contact=contact, due_at=now - timedelta(minutes=1))


def components(node):
    """Every component of a bubble, depth first."""
    if isinstance(node, dict):
        if node.get("type") in ("text", "image", "button", "separator"):
            yield node
        for value in node.values():
            yield from components(value)
    elif isinstance(node, list):
        for value in node:
            yield from components(value)


def test_a_flow_steps_document_arrives_as_a_flex_message_with_products_and_a_button(flex_shop, fake):
    items = [{"sku": "TONER-9", "name": "トナー TN-9", "unit_price": "4800", "quantity": 1,
              "image_url": "https://cdn.shop.example/tn9.png"},
             {"sku": "PAPER-A4", "name": "コピー用紙 A4", "unit_price": "2500", "quantity": 1,
              "image_url": "http://insecure.example/a4.png"}]
    message = flow_message(items)
    outbox.send_due()
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    (flex,) = fake.delivered[-1]["messages"]
    assert flex["type"] == "flex" and message_problems(flex, "m") == []
    assert flex["altText"].startswith("山田 花子様、そろそろ補充の時期です") and len(flex["altText"]) <= 400
    texts = [c["text"] for c in components(flex["contents"]) if c["type"] == "text"]
    assert texts[:2] == ["山田 花子様、そろそろ補充の時期です", "いつもご利用ありがとうございます。"]
    assert "トナー TN-9" in texts and "コピー用紙 A4" in texts and "¥4,800" in texts and "¥2,500" in texts
    images = [c["url"] for c in components(flex["contents"]) if c["type"] == "image"]
    assert images == ["https://cdn.shop.example/tn9.png"]  # LINE shows HTTPS images only
    (button,) = [c for c in components(flex["contents"]) if c["type"] == "button"]
    assert button["action"]["label"] == "カートを見る"
    assert button["action"]["uri"].startswith("https://api.yamada-shop.example/plugins/global/saleor.ltv/")
    linked = [c for c in components(flex["contents"]) if c["type"] == "text" and "action" in c]
    assert [c["text"] for c in linked] == ["トナー TN-9", "コピー用紙 A4"]


def test_a_long_product_list_is_cut_to_fit_a_bubble_and_the_fake_refuses_what_breaks_the_limits(flex_shop, fake):
    items = [{"sku": f"SKU-{i}", "name": "長い商品名" * 60, "unit_price": "1000", "quantity": 1,
              "image_url": f"https://cdn.shop.example/{'x' * 900}/{i}.png"} for i in range(20)]
    message = flow_message(items)
    outbox.send_due()
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    (flex,) = fake.delivered[-1]["messages"]
    size = len(json.dumps(flex["contents"], ensure_ascii=False, separators=(",", ":")).encode())
    shown = sum(1 for c in components(flex["contents"]) if c["type"] == "image")
    assert 0 < shown < 20 and size <= 30_000
    # the fake says no to what LINE's reference forbids
    too_many = {"type": "flex", "altText": "a" * 401,
                "contents": {"type": "carousel", "contents": [flex["contents"]] * 13}}
    problems = {p["property"] for p in message_problems(too_many, "messages[0]")}
    assert {"messages[0].altText", "messages[0].contents.contents", "messages[0].contents"} <= problems
    request = urllib.request.Request(fake.url + "/v2/bot/message/push", method="POST",
                                     data=json.dumps({"to": LINE_ID, "messages": [too_many]}).encode(),
                                     headers={"Authorization": f"Bearer {fake.token}", "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400 and json.loads(refused.value.read())["details"]
    assert flex_part.MAX_ALT_TEXT == 400
