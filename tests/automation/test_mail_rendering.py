"""Every ready scenario's buyer mail, ja and en, as a shop would be shown it.

Rendered through the real templates from the contexts the finders store; checked for leftover
{tokens}, SKU-only items, raw decimals and the sender block; the HTML is also screenshotted in
real Chromium into test-artifacts/mail/ for a person to look at.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from saleor_ltv_plugin.automation import render
from saleor_ltv_plugin.automation import settings as scenario_settings
from saleor_ltv_plugin.automation.catalog import SCENARIOS
from saleor_ltv_plugin.automation.money import format_money
from saleor_ltv_plugin.models import Account, Contact, Enrollment, OrderFact, OrderLineFact, OutboxMessage

from .conftest import CHANNEL

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LTV_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "mail"
CHROMIUM = os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium")
US_CHANNEL = "us-channel"
CDN = "https://cdn.yamada-shop.example/"
USD_PER_JPY = Decimal("0.0069")
NOW = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)

# (sku, name, unit price in JPY) — what the shop's orders call its products
PRODUCTS = [("SUP-0187", "コピー用紙 A4 500枚×5冊", Decimal("2980")),
            ("SUP-0420", "トナーカートリッジ TN-29J ブラック", Decimal("12800")),
            ("SUP-0733", "クラフト封筒 角2 100枚", Decimal("1650")),
            ("SUP-1020", "ボールペン ジェットストリーム 0.5mm 10本", Decimal("1320"))]
METRICS = {"stage": "dormant", "rfm_rank": 2, "overdue_ratio": 1.8, "typical_interval_days": 32.5,
           "last_purchase_at": "2025-04-18", "first_purchase_at": "2023-02-07", "clv": "245000.000",
           "monetary": "1250000.000"}


def _contexts(currency_of: str) -> dict[str, dict]:
    """What each finder stores in Enrollment.context (see automation/triggers.py)."""
    rate = Decimal(1) if currency_of == "JPY" else USD_PER_JPY
    lines = [{"sku": "SUP-0187", "variant_id": "51", "product_id": "12", "product_name": PRODUCTS[0][1],
              "quantity": 2, "amount": "5960.000", "image_url": CDN + "sup-0187.png"},
             {"sku": "SUP-0420", "variant_id": "88", "product_id": "30", "product_name": PRODUCTS[1][1],
              "quantity": 9, "amount": "115200.000", "image_url": CDN + "sup-0420.png"},
             {"sku": "SUP-0733", "variant_id": "93", "product_id": "41", "product_name": PRODUCTS[2][1],
              "quantity": 2, "amount": "3300.000"},
             {"sku": "SUP-1020", "variant_id": "97", "product_id": "44", "product_name": PRODUCTS[3][1],
              "quantity": 1, "amount": "1040.000"}]
    return {
        "abandoned_checkout": {"checkout_token": "5f1c0e2a-checkout", "total": f"{Decimal(125500) * rate:.3f}",
                               "lines": [{**line, "amount": f"{Decimal(line['amount']) * rate:.3f}"} for line in lines],
                               "currency": currency_of},
        "browse_abandonment": {"items": [{"sku": "SUP-0420"}, {"sku": "SUP-0733"}]},
        "registered_no_purchase": {},
        "reorder_reminder": {"items": [{"sku": "SUP-0187", "due_on": "2025-06-05", "name": PRODUCTS[0][1]},
                                       {"sku": "SUP-0420", "due_on": "2025-06-06", "name": "SUP-0420"}]},
        "churn_risk": dict(METRICS),
        "winback": dict(METRICS),
        "f2_followup": {**METRICS, "stage": "new", "rfm_rank": 5},
        "cross_sell": {**METRICS, "from_sku": "SUP-0187", "items": [{"sku": "SUP-0733", "name": "SUP-0733"}]},
        "shipping_followup": {"order_number": "10001", "shipped_at": "2025-04-20T09:00:00+09:00",
                              "tracking_number": "1234-5678-9012", "carrier": "ヤマト運輸", "currency": currency_of,
                              "lines": [{**line, "amount": ""} for line in lines[:2]]},
    }


BUYER_MAIL = [key for key, s in SCENARIOS.items() if s.mails_buyer]


@pytest.fixture
def shop(db, shop_settings):
    shop_settings["sender_postal_address"] = "〒101-0021 東京都千代田区外神田1-2-3 山田ビル4F"
    jp = Account.objects.create(channel=CHANNEL, currency="JPY", key_kind="company", key="鈴木工業",
                                display_name="鈴木工業株式会社")
    us = Account.objects.create(channel=US_CHANNEL, currency="USD", key_kind="company", key="acme",
                                display_name="Acme Corp")
    for account, rate in ((jp, 1), (us, USD_PER_JPY)):
        order = OrderFact.objects.create(
            external_id=f"o-{account.pk}", account=account, channel=account.channel, currency=account.currency,
            created_at=datetime(2025, 4, 18, 2, tzinfo=timezone.utc), status="fulfilled", total_gross=0, total_net=0,
            amount=0, counts_as_purchase=True)
        for n, (sku, name, price) in enumerate(PRODUCTS):
            OrderLineFact.objects.create(order=order, line_ref=str(n), sku=sku, product_name=name, quantity=1,
                                         unit_price=(price * rate).quantize(Decimal("0.001")),
                                         amount=(price * rate).quantize(Decimal("0.001")))
    contacts = {
        "ja": Contact.objects.create(email="suzuki@suzuki-kogyo.example", last_name="鈴木", first_name="一郎",
                                     company_name="鈴木工業株式会社", language_code="ja"),
        "en": Contact.objects.create(email="jane@acme.example", first_name="Jane", last_name="Doe",
                                     company_name="Acme Corp", language_code="en-US"),
    }
    return {"JPY": jp, "USD": us}, contacts


def _message(scenario: str, account: Account, contact: Contact, context: dict) -> OutboxMessage:
    ref = f"{scenario}:{account.currency}:{contact.pk}"
    enrollment = Enrollment.objects.create(scenario=scenario, channel=account.channel, trigger_ref=ref,
                                           account=account, contact=contact, anchor_at=NOW, context=context)
    return OutboxMessage.objects.create(idempotency_key=ref, enrollment=enrollment, scenario=scenario,
                                        channel=account.channel, step=0, kind="email", account=account,
                                        contact=contact, due_at=NOW)


def _render_all(shop) -> list[tuple[str, str, str, str, dict, str]]:
    """(scenario, lang, text, html, context, currency) for every buyer-mail scenario × ja/JPY, en/USD."""
    accounts, contacts = shop
    out = []
    for lang, currency in (("ja", "JPY"), ("en", "USD")):
        account = accounts[currency]
        contexts = _contexts(currency)
        for scenario in BUYER_MAIL:
            config = scenario_settings.load(account.channel)[scenario]
            mail = render.buyer_email(_message(scenario, account, contacts[lang], contexts[scenario]), config)
            out.append((scenario, lang, mail.body, mail.alternatives[0][0], contexts[scenario], currency))
    return out


def test_every_ready_scenario_has_a_buyer_mail_rendered_here():
    assert len(SCENARIOS) == 10 and len(BUYER_MAIL) == 9  # high_intent only alerts staff


@pytest.mark.parametrize("amount, currency, shown", [
    ("125500.000", "JPY", "¥125,500"), ("1234.5", "USD", "$1,234.50"), ("1234.505", "EUR", "€1,234.51"),
    ("0.4", "JPY", "¥0"), ("-25", "GBP", "-£25.00"), ("12.3456", "KWD", "KWD 12.346"), ("99", "CHF", "CHF 99.00"),
    (None, "JPY", ""), ("n/a", "USD", ""),
])
def test_money_is_written_in_the_currencys_minor_units(amount, currency, shown):
    assert format_money(amount, currency) == shown


RAW_DECIMAL = re.compile(r"\d+\.\d{3}(?!\d)|\d\s*(JPY|USD)\b")
TOKEN = re.compile(r"\{\{?\s*[A-Za-z_][\w.]*\s*\}?\}")


def test_no_mail_has_tokens_sku_only_items_raw_decimals_or_a_missing_sender_block(shop, shop_settings):
    problems = []
    for scenario, lang, text, html, context, currency in _render_all(shop):
        where = f"{scenario}/{lang}"
        body = re.sub(r"https?://\S+?(?=[\s\"<])", "", text)  # signed links hold digits and dots
        for kind, content in (("text", body), ("html", re.sub(r'(href|src)="[^"]*"', "", html))):
            if TOKEN.search(content):
                problems.append(f"{where} {kind}: leftover token {TOKEN.search(content).group()!r}")
            if RAW_DECIMAL.search(content):
                problems.append(f"{where} {kind}: raw amount {RAW_DECIMAL.search(content).group()!r}")
            for needed in (shop_settings["sender_name"], shop_settings["sender_email"], "外神田1-2-3"):
                if needed not in content:
                    problems.append(f"{where} {kind}: sender block lacks {needed!r}")
        unsubscribe = shop_settings["public_url"] + "u/"
        if unsubscribe not in text or f'href="{unsubscribe}' not in html:
            problems.append(f"{where}: no unsubscribe link")
        for item in context.get("lines") or context.get("items") or []:
            name = dict((s, n) for s, n, _ in PRODUCTS)[item["sku"]]  # every SKU here has a name in the orders
            price = dict((s, p) for s, _, p in PRODUCTS)[item["sku"]]
            for kind, content in (("text", text), ("html", html)):
                if name not in content:
                    problems.append(f"{where} {kind}: {item['sku']} without its name {name!r}")
            if re.search(re.escape(item["sku"]) + r"\s*×", text):
                problems.append(f"{where}: SKU-only line for {item['sku']}")
            if scenario != "abandoned_checkout":  # the last price paid, in the account's currency
                rate = Decimal(1) if currency == "JPY" else USD_PER_JPY
                shown = format_money(price * rate, currency)
                if shown not in html:
                    problems.append(f"{where}: no price {shown} for {item['sku']}")
        if scenario == "abandoned_checkout":
            total, unit = ("¥125,500", "¥2,980") if currency == "JPY" else ("$865.95", "$20.56")
            for needed in (total, unit, f'src="{CDN}sup-0187.png"'):
                if needed not in html:
                    problems.append(f"{where} html: lacks {needed!r}")
            if html.count(f'href="{shop_settings["public_url"]}t/c/') < 5:  # each of the 4 items links, and the button
                problems.append(f"{where} html: items are not linked")
    assert problems == []


def _image(sku: str) -> bytes:
    hue = sum(map(ord, sku)) % 360
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" '
            f'fill="hsl({hue},55%,70%)"/><text x="32" y="38" font-size="11" text-anchor="middle" '
            f'font-family="sans-serif">{sku}</text></svg>').encode()


def test_the_html_mails_render_in_chromium(shop):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (bin/browser installs Debian's chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mails = _render_all(shop)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 640, "height": 300})
        # the shop's image CDN, served locally: a mail client would fetch these from the shop
        page.route(CDN + "**", lambda route: route.fulfill(
            content_type="image/svg+xml", body=_image(route.request.url.rsplit("/", 1)[-1].split(".")[0].upper())))
        page.route(re.compile(r"^https://(?!cdn\.).*"), lambda route: route.fulfill(status=204, body=""))
        for scenario, lang, _text, html, _context, _currency in mails:
            page.set_content(html, wait_until="load")
            footer = page.locator(".sender-block")
            assert footer.is_visible(), f"{scenario}/{lang}: no visible sender block"
            overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
            assert not overflow, f"{scenario}/{lang}: wider than the window"
            broken = page.evaluate("[...document.images].filter(i => i.width > 1 && !i.naturalWidth).length")
            assert broken == 0, f"{scenario}/{lang}: {broken} broken images"
            page.screenshot(path=str(ARTIFACTS / f"{scenario}.{lang}.png"), full_page=True)
        browser.close()
    assert len(list(ARTIFACTS.glob("*.png"))) >= 2 * len(BUYER_MAIL)


def test_the_sender_block_reads_as_a_sentence_in_both_languages(shop, shop_settings):
    """Every field set (特定電子メール法: who sends, where they are, whom to ask, how to stop): each line
    says its part in the mail's language, the sender's name inside the sentence, nothing left empty."""
    name, email = shop_settings["sender_name"], shop_settings["sender_email"]
    address = shop_settings["sender_postal_address"]
    link = re.compile(re.escape(shop_settings["public_url"] + "u/") + r"[\w:.-]+")
    text_block = {  # the plain-text footer, line by line; the last ends with the unsubscribe link
        "ja": [f"送信者: {name}", f"住所: {address}", f"お問い合わせ: {email}",
               f"このメールは{name}が広告・宣伝を目的としてお送りしています。配信停止: "],
        "en": [f"Sender: {name}", f"Address: {address}", f"Contact: {email}",
               f"You are receiving this marketing e-mail from {name}. Unsubscribe: "],
    }
    html_block = {  # the HTML footer's words, tags dropped
        "ja": f"送信者: {name} 住所: {address} お問い合わせ: {email} このメールは{name}が広告・宣伝を目的として"
              "お送りしています。 配信停止はこちら",
        "en": f"Sender: {name} Address: {address} Contact: {email} You are receiving this marketing e-mail "
              f"from {name}. Unsubscribe",
    }
    seen = set()
    for scenario, lang, text, html, _context, _currency in _render_all(shop):
        block = text.rsplit("\n--\n", 1)[1].strip().splitlines()
        *lines, last = text_block[lang]
        assert block[:3] == lines, (scenario, block)
        assert len(block) == 4 and block[3].startswith(last) and link.fullmatch(block[3][len(last):]), (scenario, block)
        footer = re.search(r'<p class="sender-block"[^>]*>(.*?)</p>', html, re.S).group(1)
        assert " ".join(re.sub(r"<[^>]+>", " ", footer).split()) == html_block[lang], (scenario, footer)
        seen.add(lang)
    assert seen == {"ja", "en"}
