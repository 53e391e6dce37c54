"""A postal DM step's preview and test: the Dashboard's preview (ltvFlowPreview) shows the letter as
the print job prints it — the 宛名 block, date, sender, title and lines, no mail parts — and its test
(ltvFlowTestSend) gives a one-letter PDF instead of sending mail, whose text is the text of the print
job's letters.pdf for the same buyer (checked against the real print job, built by the flow)."""

from __future__ import annotations

import base64
import io
import re
from html import unescape

import pytest
from django.core import mail
from graphene import relay
from pypdf import PdfReader

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.flows import runtime
from saleor_ltv_plugin.hosts.standalone import tokens
from saleor_ltv_plugin.models import Flow, FlowState, OutboxMessage, PrintJob

from ...graphql.conftest import GraphQLClient
from ..conftest import shop_settings  # noqa: F401 — fixture
from ..flows.flowshop import document, enroll, live_flow
from .dmshop import ADDRESSES, BASE, buyer, dm_step, staff
from .test_print_jobs import LETTER

pytestmark = pytest.mark.django_db
PREVIEW = """query($id: ID!, $account: ID, $lang: String) { ltvFlowPreview(id: $id, stepId: "dm", accountId: $account,
  language: $lang) { subject preheader html text language account medium } }"""
TEST_SEND = """mutation($id: ID!, $account: ID) { ltvFlowTestSend(id: $id, stepId: "dm", accountId: $account) {
  sentTo letterPdf filename errors { field message code } } }"""
WITH_BUTTON = {"ja": {**LETTER["ja"], "blocks": [*LETTER["ja"]["blocks"],
                                                 {"kind": "button", "label": "ご注文はこちら", "target": "shop"}]}}


@pytest.fixture
def shop(shop_settings):  # noqa: F811
    accounts = [buyer(*row) for row in ADDRESSES]
    definition = document([dm_step("dm", None, WITH_BUTTON)])
    flow = Flow.objects.create(channel="default-channel", key="dm_draft", name="DM", state=FlowState.DRAFT,
                               draft=definition)
    return accounts, flow, tokens.mint("admin@shop.example", ["MANAGE_PLUGINS", "MANAGE_USERS"])


def gid(kind: str, pk: int) -> str:
    return relay.Node.to_global_id(kind, pk)


def text_of(html: str) -> list[str]:
    """The page's visible lines: each <div>'s text, the body's lines (tags dropped)."""
    body = re.sub(r"<style>.*?</style>|<title>.*?</title>", "", html, flags=re.S)
    return [unescape(line).strip() for line in re.split(r"<[^>]+>|\n", body) if unescape(line).strip()]


def test_the_preview_of_a_dm_step_is_the_letter_with_its_address_block(shop):
    accounts, flow, admin = shop
    yamada = accounts[0]
    shown = GraphQLClient()(PREVIEW, {"id": gid("LtvFlow", flow.pk), "account": gid("LtvAccount", yamada.pk),
                                      "lang": "ja"}, admin)["data"]["ltvFlowPreview"]
    assert shown["medium"] == "postal_dm" and shown["language"] == "ja" and shown["preheader"] == ""
    assert shown["subject"] == "株式会社山田製作所様へのご案内"
    lines = text_of(shown["html"])
    # the 宛名 in print order, then the sender block, the title and the letter (as letters.pdf lays it out)
    address = lines[:lines.index("山田 太郎 様") + 1]
    assert address == ["〒100-0001", "東京都千代田区", "千代田1-1", "山田ビル3階", "株式会社山田製作所", "購買部",
                       "山田 太郎 様"]
    assert lines[len(address) + 1:len(address) + 3] == ["山田商店", "東京都千代田区1-1"]  # after the date
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", lines[len(address)])
    assert "平素より山田商店をご愛顧いただき誠にありがとうございます。" in shown["text"]
    assert "クーポンコード: SPRING10" in lines
    assert "ご注文はこちら: https://yamada-shop.example/" in lines  # a button on paper: the address to type
    assert "<a " not in shown["html"] and "unsubscribe" not in shown["html"].lower()  # no mail parts on paper
    # a company without a person: 御中; the formula-looking name stays text
    evil = GraphQLClient()(PREVIEW, {"id": gid("LtvFlow", flow.pk), "account": gid("LtvAccount", accounts[2].pk)},
                           admin)["data"]["ltvFlowPreview"]
    assert "総務課 御中" in text_of(evil["html"]) and "<a href" not in evil["html"]
    assert 'HYPERLINK(&quot;http://evil.example&quot;)' in evil["html"]
    assert not OutboxMessage.objects.exists() and not PrintJob.objects.exists()


def test_a_dm_steps_test_is_the_one_letter_pdf_the_print_job_would_print(shop, key_for):
    accounts, flow, admin = shop
    yamada = accounts[0]
    done = GraphQLClient()(TEST_SEND, {"id": gid("LtvFlow", flow.pk), "account": gid("LtvAccount", yamada.pk)},
                           admin)["data"]["ltvFlowTestSend"]
    assert done["errors"] == [] and done["sentTo"] is None and done["filename"] == "ltv-dm-test-dm_draft-dm.pdf"
    tested = PdfReader(io.BytesIO(base64.b64decode(done["letterPdf"])))
    assert len(tested.pages) == 1 and not mail.outbox and not OutboxMessage.objects.exists()
    # the real thing: the same step published, the buyer through the flow into a print job, its letters.pdf
    version = live_flow(document([dm_step("dm", None, WITH_BUTTON)]), key="dm_live")
    enroll(version, [yamada])
    runtime.tick()
    assert outbox.send_due() == {"awaiting": 1}
    job = PrintJob.objects.get(scenario="dm_live")
    printed = staff(key_for("metrics:read")).get(BASE + f"print-jobs/{job.pk}/letters.pdf")
    assert printed.status_code == 200
    printed_text = PdfReader(io.BytesIO(printed.content)).pages[0].extract_text()
    assert tested.pages[0].extract_text() == printed_text  # same letter, same layout, same date (today)
    for expected in ("〒100-0001", "山田ビル3階", "山田 太郎 様", "株式会社山田製作所様へのご案内", "SPRING10"):
        assert expected in printed_text
    # the preview's lines are the PDF's lines (the PDF wraps long ones: compare without line breaks)
    shown = GraphQLClient()(PREVIEW, {"id": gid("LtvFlow", flow.pk), "account": gid("LtvAccount", yamada.pk)},
                            admin)["data"]["ltvFlowPreview"]
    flat = printed_text.replace("\n", "")
    missing = [line for line in text_of(shown["html"]) if line.replace(" ", "") not in flat.replace(" ", "")]
    assert missing == []


def test_a_dm_test_for_an_account_without_a_buyer_names_the_account(shop):
    from saleor_ltv_plugin.models import Account

    _, flow, admin = shop
    empty = Account.objects.create(channel="default-channel", currency="JPY", key_kind="company", key="k-empty",
                                   display_name="空")
    done = GraphQLClient()(TEST_SEND, {"id": gid("LtvFlow", flow.pk), "account": gid("LtvAccount", empty.pk)},
                           admin)["data"]["ltvFlowTestSend"]
    assert done["letterPdf"] is None and done["errors"][0]["field"] == "accountId"
