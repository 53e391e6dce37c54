"""The flow pages in real Chromium: a flow built from the churn template without any JSON — a
delay and a mail with a text block added, a problem shown on the step it names, fixed, published —
and the mail's preview at phone width showing the subject the API renders."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from .test_pages import CHANNEL, assert_no_english

pytestmark = pytest.mark.slow

FLOW = """query($id: ID!) { ltvFlow(id: $id) { state draft problems { field code step } liveVersion { number definition } } }"""
PREVIEW = """query($id: ID!, $step: String!) { ltvFlowPreview(id: $id, stepId: $step, language: "en") { subject html } }"""


def _opened_step(app) -> str:
    """The id of the step whose form is open (a step just added opens its form)."""
    card = app.locator("[data-testid=step]:has([data-testid=step-form])")
    card.wait_for()
    return card.get_attribute("data-step")


def _flow_id(harness) -> str:
    """The flow's id from the editor's address (the app pushes flows/<id> once the flow exists)."""
    deadline = time.monotonic() + 60
    while not (found := re.search(r"/app/flows/([^/?]+)", harness.frame.url)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, harness.frame.url
    return found.group(1)


def test_a_flow_from_the_churn_template_is_built_checked_published_and_previewed(harness):
    harness.open("flows", channel=CHANNEL)
    app = harness.app
    app.get_by_test_id("flows-table").wait_for()
    app.get_by_test_id("new-flow").click()
    app.get_by_test_id("new-flow-template").select_option("churn_risk")
    name = f"Churn, our copy {time.time_ns() % 10**6}"
    app.get_by_test_id("new-flow-name").fill(name)
    app.get_by_test_id("dialog-confirm").click()
    app.get_by_test_id("flow-steps").wait_for()
    flow_id = _flow_id(harness)
    template = json.loads(harness.server.api(FLOW, {"id": flow_id})["ltvFlow"]["draft"])
    # The template's steps are all drawn, each once (splits in their branch columns).
    app.locator("[data-testid=step]").first.wait_for()
    drawn = app.locator("[data-testid=step]").evaluate_all("els => els.map(e => e.dataset.step)")
    assert sorted(drawn) == sorted(s["id"] for s in template["steps"])
    assert app.locator('[data-testid=branches] [data-branch=yes] [data-testid=step]').count() >= 1

    # A delay of two days at the start, then a mail after it with one text block (merge field picked).
    app.locator("[data-testid=add-step][data-at=start]").select_option("delay")
    delay = _opened_step(app)
    app.locator(f"[data-step={delay}] [data-testid=field-hours]").fill("48")
    app.locator(f'[data-testid=add-step][data-at="{delay}.next"]').select_option("send")
    send = _opened_step(app)
    step = app.locator(f"[data-step={send}]")
    step.get_by_test_id("add-block").select_option("text")
    text = step.get_by_test_id("block-text")
    text.fill("Thank you for your orders, ")
    text.press("End")
    step.locator("[data-testid=block] [data-testid=merge-field]").select_option("company")
    assert text.input_value() == "Thank you for your orders, {company}"

    # Saved without a subject: the problem is shown on that step, naming the field.
    app.get_by_test_id("save-draft").click()
    problem = step.locator("[data-testid=step-problems] li[data-code=required]")
    problem.wait_for()
    assert problem.get_attribute("data-field").endswith(".subject")
    stored = harness.server.api(FLOW, {"id": flow_id})["ltvFlow"]
    assert any(p["step"] == send and p["field"].endswith("subject") for p in stored["problems"]), stored["problems"]
    harness.shot("flow-editor-problem")

    step.get_by_test_id("content-subject").fill("Still ordering with us, {company}?")
    app.get_by_test_id("publish").click()
    app.locator("[data-testid=flow-state][data-state=LIVE]").wait_for()
    assert step.locator("[data-testid=step-problems]").count() == 0
    live = harness.server.api(FLOW, {"id": flow_id})["ltvFlow"]
    assert live["state"] == "LIVE" and live["liveVersion"]["number"] == 1
    definition = json.loads(live["liveVersion"]["definition"])
    steps = {s["id"]: s for s in definition["steps"]}
    assert definition["start"] == delay and steps[delay]["hours"] == 48 and steps[delay]["next"] == send
    assert steps[send]["next"] == template["start"]  # the template's first step follows the new mail
    assert steps[send]["content"]["en"]["blocks"] == [{"kind": "text", "text": "Thank you for your orders, {company}"}]

    # The preview at phone width: the subject the API renders for the default account, in a 375 px frame.
    expected = harness.server.api(PREVIEW, {"id": flow_id, "step": send})["ltvFlowPreview"]
    if not step.get_by_test_id("content-editor").is_visible():
        step.get_by_test_id("step-toggle").click()
    step.get_by_test_id("preview-phone").click()
    subject = step.get_by_test_id("preview-subject")
    subject.wait_for()
    assert subject.inner_text() == expected["subject"]
    frame = step.get_by_test_id("preview-frame")
    assert frame.get_attribute("sandbox") == ""  # no scripts, no same-origin access from the mail
    assert round(frame.bounding_box()["width"]) == 375
    body = step.frame_locator("[data-testid=preview-frame]").locator("body")
    assert "Thank you for your orders" in body.inner_text()
    harness.shot("flow-editor-preview-phone")

    # Back in the list the flow is live; pausing it is one click and the API agrees.
    app.get_by_test_id("back").click()
    row = app.locator(f'[data-testid=flows-table] tr:has-text("{name}")')
    row.locator("[data-testid=pause-flow]").click()
    app.locator(f'[data-testid=flows-table] tr[data-state=PAUSED]:has-text("{name}")').wait_for()
    assert harness.server.api(FLOW, {"id": flow_id})["ltvFlow"]["state"] == "PAUSED"


def test_the_flow_pages_in_japanese_show_no_english(harness):
    created = harness.server.api("""mutation { ltvFlowCreate(channel: "default-channel",
      input: {name: "離脱防止", templateKey: "churn_risk"}) { flow { id draft } errors { field message } } }""")
    flow = created["ltvFlowCreate"]["flow"]
    step_ids = {s["id"] for s in json.loads(flow["draft"])["steps"]}
    names = harness.server.sql("SELECT name FROM saleor_ltv_plugin_flow UNION SELECT name FROM saleor_ltv_plugin_savedsegment")
    data_words = {w for value in [*step_ids, *(n for (n,) in names), CHANNEL] for w in re.findall(r"[A-Za-z]{4,}", value)}
    assert_no_english(harness, [("flows", "flows-table"), (f"flows/{flow['id']}", "flow-steps"),
                                (f"flows/{flow['id']}/report", "report-stats")], data_words)


AB_FLOW = {"trigger": {"kind": "metric", "metric": "churn_risk"}, "exit_on": ["ordered"], "reentry": {"mode": "never"},
           "start": "ab", "steps": [
               {"id": "ab", "kind": "ab", "variants": [{"key": "A", "weight": 50, "next": "mail_a"},
                                                      {"key": "B", "weight": 50, "next": "mail_b"}]},
               {"id": "mail_a", "kind": "send", "channel": "email", "content": {"template": "winback", "step": 0},
                "next": None},
               {"id": "mail_b", "kind": "send", "channel": "email", "content": {"template": "winback", "step": 1},
                "next": None}]}


def test_an_ab_steps_auto_winner_is_set_in_the_editor_checked_and_its_winner_shown_in_the_report(harness):
    created = harness.server.api("""mutation { ltvFlowCreate(channel: "default-channel",
      input: {name: "Subject test"}) { flow { id } errors { field message } } }""")["ltvFlowCreate"]
    flow_id = created["flow"]["id"]
    harness.server.api("""mutation($id: ID!, $d: JSONString!) { ltvFlowUpdate(id: $id, input: {definition: $d}) {
      errors { field } } }""", {"id": flow_id, "d": json.dumps(AB_FLOW)})
    harness.open(f"flows/{flow_id}", channel=CHANNEL)
    app = harness.app
    step = app.locator("[data-testid=step][data-step=ab]")
    step.get_by_test_id("step-toggle").click()
    step.get_by_test_id("auto-winner-on").check()
    assert step.get_by_test_id("auto-winner-metric").input_value() == "orders"  # the defaults a shop starts from
    assert step.get_by_test_id("auto-winner-min_recipients").input_value() == "1000"
    step.get_by_test_id("auto-winner-metric").select_option("clicks")
    step.get_by_test_id("auto-winner-min_days").fill("")
    step.get_by_test_id("auto-winner-min_recipients").fill("5")

    # Saved with N = 5: the problem is shown on the A/B step, naming the field
    app.get_by_test_id("save-draft").click()
    problem = step.locator("[data-testid=step-problems] li[data-code=out_of_range]")
    problem.wait_for()
    assert problem.get_attribute("data-field") == "steps[0].auto_winner.min_recipients"
    step.get_by_test_id("auto-winner-min_recipients").fill("200")
    app.get_by_test_id("publish").click()
    app.locator("[data-testid=flow-state][data-state=LIVE]").wait_for()
    live = json.loads(harness.server.api(FLOW, {"id": flow_id})["ltvFlow"]["liveVersion"]["definition"])
    assert live["steps"][0]["auto_winner"] == {"metric": "clicks", "min_recipients": 200}
    harness.shot("flow-editor-auto-winner")

    # Before it has chosen, the report says what it waits for (the API's autoWinners), in each language
    report = harness.server.api("""query($id: ID!) { ltvFlowReport(id: $id) { autoWinners { stepId metric
      minRecipients minDays threshold } } }""", {"id": flow_id})["ltvFlowReport"]
    assert report["autoWinners"] == [{"stepId": "ab", "metric": "clicks", "minRecipients": 200, "minDays": None,
                                      "threshold": 0.95}]
    for locale, words in (("en", ("auto-winner on Clicks", "200 recipients per variant", "95%")),
                          ("ja", ("自動判定", "各パターン200人", "95"))):
        harness.open(f"flows/{flow_id}/report", channel=CHANNEL, locale=locale)
        waiting = app.locator("[data-testid=report-ab-step][data-step=ab] [data-testid=ab-winner-waiting]")
        waiting.wait_for()
        assert all(w in waiting.inner_text() for w in words), waiting.inner_text()

    # Once the task has chosen (a row as winners.decide writes it), the report says which, when and on what
    pk = int(base64.b64decode(flow_id).decode().split(":")[1])
    figures = {"metric": "clicks", "threshold": 0.95, "days_running": 3.25,
               "variants": [{"key": "A", "recipients": 210, "successes": 9, "probability_best": 0.001},
                            {"key": "B", "recipients": 205, "successes": 31, "probability_best": 0.999}]}
    harness.server.sql("INSERT INTO saleor_ltv_plugin_flowabwinner (flow_id, step_id, variant, decided_at, figures) "
                       "VALUES (%s, 'ab', 'B', now(), %s)", (pk, json.dumps(figures)))
    for locale, word in (("en", "Winner: B"), ("ja", "勝ちパターン: B")):
        harness.open(f"flows/{flow_id}/report", channel=CHANNEL, locale=locale)
        shown = app.locator("[data-testid=report-ab-step][data-step=ab] [data-testid=ab-winner][data-winner=B]")
        shown.wait_for()
        assert word in shown.inner_text() and "31" in shown.inner_text() and "205" in shown.inner_text()
        assert app.locator('tr[data-variant="ab:B"][data-winner=true]').count() == 1
        assert app.locator('tr[data-variant="ab:A"][data-winner=true]').count() == 0
    harness.shot("flow-report-winner-ja")


DM_FLOW = {"trigger": {"kind": "metric", "metric": "churn_risk"}, "exit_on": ["ordered"], "reentry": {"mode": "never"},
           "start": "dm", "steps": [
               {"id": "dm", "kind": "send", "channel": "postal_dm", "next": None, "content": {
                   "ja": {"subject": "{company}様へのご案内", "blocks": [{"kind": "text", "text": "平素よりありがとうございます。"}]},
                   "en": {"subject": "A letter for {company}", "blocks": [{"kind": "text", "text": "Thank you."}]}}}]}


def test_a_dm_steps_preview_is_the_printed_letter_and_its_test_a_pdf_download(harness):
    created = harness.server.api("""mutation { ltvFlowCreate(channel: "default-channel",
      input: {name: "DM"}) { flow { id } errors { field message } } }""")["ltvFlowCreate"]
    flow_id = created["flow"]["id"]
    harness.server.api("""mutation($id: ID!, $d: JSONString!) { ltvFlowUpdate(id: $id, input: {definition: $d}) {
      errors { field } } }""", {"id": flow_id, "d": json.dumps(DM_FLOW)})
    expected = harness.server.api("""query($id: ID!) { ltvFlowPreview(id: $id, stepId: "dm", language: "ja") {
      subject medium } }""", {"id": flow_id})["ltvFlowPreview"]
    assert expected["medium"] == "postal_dm"
    harness.open(f"flows/{flow_id}", channel=CHANNEL, locale="ja")
    app = harness.app
    step = app.locator("[data-testid=step][data-step=dm]")
    step.get_by_test_id("step-toggle").click()
    step.get_by_test_id("preview-letter").wait_for()  # no desktop/phone widths for paper
    assert step.get_by_test_id("preview-phone").count() == 0
    subject = step.get_by_test_id("preview-subject")
    subject.wait_for()
    assert subject.inner_text() == expected["subject"]
    frame = step.get_by_test_id("preview-frame")
    assert frame.get_attribute("data-medium") == "postal_dm" and frame.get_attribute("sandbox") == ""
    letter = step.frame_locator("[data-testid=preview-frame]")
    sheet = letter.locator(".sheet").bounding_box()  # the whole A4 sheet across the pane, scaled to it
    assert abs(sheet["height"] / sheet["width"] - 297 / 210) < 0.01, sheet
    assert sheet["width"] > frame.bounding_box()["width"] - 40
    address = letter.locator("[data-part=address]")
    assert address.inner_text().startswith("〒") and letter.locator("h1").inner_text() == expected["subject"]
    assert "平素よりありがとうございます。" in letter.locator("body").inner_text()
    harness.shot("flow-editor-dm-letter")
    assert "PDF" in step.get_by_test_id("test-send").inner_text()
    with harness.page.expect_download() as download:
        step.get_by_test_id("test-send").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".pdf")
    with open(saved.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    step.get_by_test_id("test-sent").wait_for()
