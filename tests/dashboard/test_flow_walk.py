"""Issue 16's Done-when, walked in real Chromium on the demo shop: with the Dashboard's forms only
(no code, no JSON) a shop builds the seed's "3 days, 1 a day, the offer on day 3" flow, a birthday
flow, a churn flow with an A/B subject test and a call step for its top accounts, and a monthly
newsletter to a segment it saves; previews each mail and sends itself a test (it arrives at the SMTP
sink); publishes; the shop's clock runs the flows over three days while buyers open and click some
mails; and each flow's report shows per step and per variant what the database holds."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import defaultdict

import pytest

from .test_flows_pages import _flow_id, _opened_step
from .test_pages import CHANNEL, digits
from .walk_support import TOKYO, harness, links, shop_day_at, walk_server  # noqa: F401 — fixtures

pytestmark = pytest.mark.slow

PREVIEW = """query($id: ID!, $step: String!) { ltvFlowPreview(id: $id, stepId: $step, language: "ja") { subject } }"""
REPORT = """query($id: ID!, $since: Date, $until: Date) { ltvFlowReport(id: $id, since: $since, until: $until) {
  entered holdout steps { stepId sent opened clicked branches }
  variants { stepId key recipients delivered opened clicked } } }"""
COUNT = "query($f: LtvAccountFilterInput) { ltvAccountCount(filter: $f) }"
# Contacts a birthday flow reaches on a day (month, day): with an address, not erased, of this channel or none.
BIRTHDAYS = """SELECT c.email FROM saleor_ltv_plugin_contact c WHERE c.birthday IS NOT NULL AND c.email <> ''
  AND c.erased_at IS NULL AND extract(month FROM c.birthday) = %s AND extract(day FROM c.birthday) = %s
  AND c.marketing_consent <> 'revoked'
  AND (EXISTS (SELECT 1 FROM saleor_ltv_plugin_accountcontact ac JOIN saleor_ltv_plugin_account a ON a.id = ac.account_id
               WHERE ac.contact_id = c.id AND a.channel = %s)
       OR NOT EXISTS (SELECT 1 FROM saleor_ltv_plugin_accountcontact ac WHERE ac.contact_id = c.id))"""


class Editor:
    """The flow editor as a shop admin uses it: selects, number boxes and text fields only."""

    def __init__(self, harness):
        self.harness, self.app = harness, harness.app

    def new_flow(self, name: str) -> str:
        self.harness.open("flows", channel=CHANNEL, locale="ja")
        self.app.get_by_test_id("flows-table").wait_for()
        self.app.get_by_test_id("new-flow").click()
        self.app.get_by_test_id("new-flow-template").select_option("")  # from scratch
        self.app.get_by_test_id("new-flow-name").fill(name)
        self.app.get_by_test_id("dialog-confirm").click()
        self.app.get_by_test_id("flow-steps").wait_for()
        return _flow_id(self.harness)

    @staticmethod
    def set(scope, name: str, value) -> None:
        field = scope.locator(f"[data-testid=field-{name}]").first
        kind = field.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            field.select_option(str(value))
        elif kind == "checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))

    def trigger(self, kind: str, **fields) -> None:
        self.app.get_by_test_id("trigger-kind").select_option(kind)
        card = self.app.get_by_test_id("flow-trigger")
        for name, value in fields.items():
            self.set(card, name, value)

    def holdout(self, percent: int) -> None:
        self.app.get_by_test_id("holdout-percent").fill(str(percent))

    def add(self, at: str, kind: str, **fields) -> str:
        self.app.locator(f'[data-testid=add-step][data-at="{at}"]').select_option(kind)
        step_id = _opened_step(self.app)
        for name, value in fields.items():
            self.set(self.step(step_id), name, value)
        return step_id

    def step(self, step_id: str):
        return self.app.locator(f"[data-testid=step][data-step='{step_id}']")

    def open(self, step_id: str):
        step = self.step(step_id)
        if not step.get_by_test_id("step-form").is_visible():
            step.get_by_test_id("step-toggle").click()
        return step

    def mail(self, at: str, subject: str, text: str, coupon: str | None = None, button: str | None = None) -> str:
        step_id = self.add(at, "send", channel="email")
        step = self.step(step_id)
        step.get_by_test_id("content-subject").fill(subject)
        step.get_by_test_id("add-block").select_option("text")
        step.get_by_test_id("block-text").last.fill(text)
        if coupon:
            step.get_by_test_id("add-block").select_option("coupon")
            step.get_by_test_id("block-code").fill(coupon)
            step.get_by_test_id("block-coupon-label").fill("ご注文時にお使いください")
        if button:  # to the shop's storefront (the button's default target)
            step.get_by_test_id("add-block").select_option("button")
            step.get_by_test_id("block-label").fill(button)
        return step_id

    def split_top_accounts(self, at: str) -> str:
        step_id = self.add(at, "split")
        step = self.step(step_id)
        step.get_by_test_id("condition-kind").select_option("metric")
        for name, value in (("metric", "rfm_rank"), ("op", "<="), ("value", 2)):
            self.set(step, name, value)
        return step_id

    def preview_and_test(self, flow_id: str, step_id: str, sink) -> None:
        """The live preview shows the subject the API renders; the test mail reaches the sink."""
        step = self.open(step_id)
        step.get_by_test_id("preview-subject").wait_for()  # drawn once the editor saved the draft
        self.app.locator("[data-testid=flow-state][data-dirty=false]").wait_for()
        expected = self.harness.server.api(PREVIEW, {"id": flow_id, "step": step_id})["ltvFlowPreview"]["subject"]
        step.locator(f'[data-testid=preview-subject]:text-is("{expected}")').wait_for()
        assert "{" not in expected
        before = len(sink.to("staff@example.com"))
        step.get_by_test_id("test-send").click()
        step.get_by_test_id("test-sent").wait_for()
        deadline = time.monotonic() + 30
        while len(sink.to("staff@example.com")) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        arrived = sink.to("staff@example.com")[-1]
        assert arrived["Subject"].strip() == f"[TEST] {expected}", arrived["Subject"]

    def publish(self) -> None:
        self.app.get_by_test_id("publish").click()
        self.app.locator("[data-testid=flow-state][data-state=LIVE]").wait_for()


def _pk(flow_id: str) -> int:
    import base64

    return int(base64.b64decode(flow_id).decode().split(":")[1])


def _walk_day(server) -> dt.date:
    """The first shop day from tomorrow with at least two birthdays (and a day of month a monthly
    schedule may name, 1–28): the clock starts there."""
    tomorrow = dt.datetime.now(TOKYO).date() + dt.timedelta(days=1)
    for offset in range(60):
        day = tomorrow + dt.timedelta(days=offset)
        if day.day <= 28 and len(server.sql(BIRTHDAYS, (day.month, day.day, CHANNEL))) >= 2:
            return day
    raise AssertionError("no day in the next 60 with two demo birthdays")


def _save_segment(harness, name: str) -> int:
    """A saved segment built on the Segments page: the accounts in 関東."""
    harness.open("segments/new", channel=CHANNEL, locale="ja")
    app = harness.app
    app.get_by_test_id("page-segment-builder").wait_for()
    row = app.locator("[data-testid=segment-row]").first
    row.get_by_test_id("cond-type").select_option("region")
    row.get_by_test_id("cond-value").select_option("kanto")
    app.get_by_test_id("segment-name").fill(name)
    app.get_by_test_id("save-segment").click()
    app.locator(f'[data-testid=segment][data-name="{name}"]').wait_for()
    ((pk,),) = harness.server.sql("SELECT id FROM saleor_ltv_plugin_savedsegment WHERE name = %s", (name,))
    return pk


def _report_page(harness, flow_id: str, until: dt.date) -> dict:
    """The report page for the walk's days, read from its data-field hooks, once it shows the API's figures."""
    harness.open(f"flows/{flow_id}/report", channel=CHANNEL, locale="ja")
    app = harness.app
    app.get_by_test_id("report-stats").wait_for()
    app.get_by_test_id("report-until").fill(until.isoformat())
    api = harness.server.api(REPORT, {"id": flow_id, "until": until.isoformat()})["ltvFlowReport"]
    want = {"entered": api["entered"], "holdout": api["holdout"],
            "steps": {s["stepId"]: {f: s[f] for f in ("sent", "opened", "clicked")} for s in api["steps"]},
            "variants": {f"{v['stepId']}:{v['key']}": {f: v[f] for f in ("recipients", "delivered", "opened", "clicked")}
                         for v in api["variants"]}}

    def shown() -> dict:
        stat = lambda name: digits(app.get_by_test_id(name).locator(".ltv-stat-value").inner_text())  # noqa: E731
        page = {"entered": stat("stat-entered"), "holdout": stat("stat-holdout"), "steps": {}, "variants": {}}
        for step_id in want["steps"]:
            row = app.locator(f"[data-testid=report-steps-table] tr[data-step='{step_id}']")
            page["steps"][step_id] = {f: digits(row.locator(f"[data-field={f}]").inner_text())
                                      for f in ("sent", "opened", "clicked")}
        for key in want["variants"]:
            row = app.locator(f"tr[data-variant='{key}']")
            page["variants"][key] = {
                "recipients": digits(row.locator("[data-field=recipients]").inner_text()),
                "delivered": digits(row.locator("[data-field=delivered]").inner_text()),
                "opened": int(row.locator("[data-field=openRate]").get_attribute("data-count")),
                "clicked": int(row.locator("[data-field=clickRate]").get_attribute("data-count"))}
        return page

    deadline = time.monotonic() + 30
    while (page := shown()) != want and time.monotonic() < deadline:  # the new range's answer may still be on its way
        time.sleep(0.3)
    assert page == want
    harness.shot(f"flow-walk-report-{_pk(flow_id)}")
    return page


def _db_figures(server, pk: int) -> dict:
    """The same figures counted straight from the tables (enrollments and outbox rows)."""
    entered, holdout = server.sql("SELECT count(*), count(*) FILTER (WHERE holdout) FROM saleor_ltv_plugin_enrollment "
                                  "WHERE flow_id = %s", (pk,))[0]
    rows = server.sql("""SELECT m.step_id, count(*) FILTER (WHERE m.status = 'sent'),
        count(*) FILTER (WHERE m.status = 'sent' AND m.opened_at IS NOT NULL),
        count(*) FILTER (WHERE m.status = 'sent' AND m.clicked_at IS NOT NULL)
        FROM saleor_ltv_plugin_outboxmessage m JOIN saleor_ltv_plugin_enrollment e ON e.id = m.enrollment_id
        WHERE e.flow_id = %s GROUP BY m.step_id""", (pk,))
    return {"entered": entered, "holdout": holdout, "steps": {s: {"sent": n, "opened": o, "clicked": c}
                                                              for s, n, o, c in rows}}


def test_a_shop_builds_previews_tests_publishes_runs_and_reads_four_flows(harness, walk_server):  # noqa: F811
    server, sink, edit = walk_server, walk_server.sink, Editor(harness)
    tag = time.time_ns() % 10**6
    day = _walk_day(server)
    t0 = shop_day_at(day, 10)

    # (a) Seed 002: new customers get one mail a day for three days, the third with the offer.
    three_days = edit.new_flow(f"新規顧客3日間ステップメール {tag}")
    edit.trigger("metric", metric="stage", to="new")
    day1 = edit.mail("start", "{company}様 ご購入ありがとうございます", "まずは使い方のご紹介です。")
    wait1 = edit.add(f"{day1}.next", "delay", hours=24)
    day2 = edit.mail(f"{wait1}.next", "{company}様 よくあるご質問", "お客様の声をご紹介します。")
    wait2 = edit.add(f"{day2}.next", "delay", hours=24)
    day3 = edit.mail(f"{wait2}.next", "{company}様 3日間限定のご優待", "2回目のご注文に使えるクーポンです。",
                     coupon="THANKS3")
    for step_id in (day1, day3):
        edit.preview_and_test(three_days, step_id, sink)
    edit.publish()

    # (b) Birthday mail on the day, to the buyers who gave one (no holdout: every one of them).
    birthday = edit.new_flow(f"お誕生日メール {tag}")
    edit.trigger("date", field="contact.birthday", hour=10)
    edit.holdout(0)
    gift = edit.mail("start", "{name|お客様}様 お誕生日おめでとうございます", "ささやかなお祝いです。",
                     coupon="BIRTHDAY")
    edit.preview_and_test(birthday, gift, sink)
    edit.publish()

    # (c) Churn risk: an A/B test of two subjects, then a call task for the top accounts (RFM rank 1–2).
    churn = edit.new_flow(f"離脱防止ABテスト {tag}")
    edit.trigger("metric", metric="churn_risk")
    ab = edit.add("start", "ab")
    mails, calls = {}, {}
    for key, subject in (("A", "{company}様 最近いかがですか"), ("B", "{company}様 いつもの商品の在庫があります")):
        mails[key] = edit.mail(f"{ab}.variant.{key}", subject, "しばらくご注文がありませんので、ご案内します。",
                               button="ご注文はこちら")
        split = edit.split_top_accounts(f"{mails[key]}.next")
        calls[key] = edit.add(f"{split}.yes", "staff", channel="call_task")
    edit.preview_and_test(churn, mails["B"], sink)
    edit.publish()

    # (d) A monthly newsletter to a segment saved on the Segments page, on the walk's day of the month.
    segment = _save_segment(harness, f"関東のお客様 {tag}")
    newsletter = edit.new_flow(f"月刊ニュースレター {tag}")
    edit.trigger("schedule", segment_id=segment, day_of_month=day.day, hour=10)
    edit.holdout(0)
    issue = edit.mail("start", "{company}様 今月のおすすめ", "今月の新商品とおすすめをお届けします。")
    edit.preview_and_test(newsletter, issue, sink)
    edit.publish()
    harness.shot("flow-walk-newsletter")

    # Published as built: each flow's live version is what the editor showed, no JSON typed anywhere.
    live = {pk: json.loads(d) for pk, d in server.sql(
        "SELECT f.id, v.definition::text FROM saleor_ltv_plugin_flow f JOIN saleor_ltv_plugin_flowversion v "
        "ON v.id = f.live_version_id WHERE f.id = ANY(%s)", ([_pk(f) for f in (three_days, birthday, churn, newsletter)],))}
    steps = {s["id"]: s for s in live[_pk(three_days)]["steps"]}
    assert [steps[s]["kind"] for s in (day1, wait1, day2, wait2, day3)] == ["send", "delay", "send", "delay", "send"]
    assert steps[wait1]["hours"] == steps[wait2]["hours"] == 24
    assert steps[day3]["next"] is None or steps[steps[day3]["next"]]["kind"] == "exit"  # the offer is the last step
    assert [b["kind"] for b in steps[day3]["content"]["ja"]["blocks"]] == ["text", "coupon"]
    ab_step = next(s for s in live[_pk(churn)]["steps"] if s["id"] == ab)
    assert [(v["key"], v["next"]) for v in ab_step["variants"]] == [("A", mails["A"]), ("B", mails["B"])]
    assert live[_pk(newsletter)]["trigger"] == {"kind": "schedule", "segment_id": segment, "day_of_month": day.day,
                                                "hour": 10}

    # The shop's clock: day 1 at 10:00 (everything enters), buyers open and click, then days 2 and 3.
    pks = [_pk(f) for f in (three_days, birthday, churn, newsletter)]
    first = server.run_clock([t0], enter=pks)[0]
    assert all(first["entered"][str(pk)] > 0 for pk in pks), first
    opened = defaultdict(set)  # variant → the buyers' addresses whose mail was opened (…_clicked: clicked)
    churn_mails = [(m, rcpts[0]) for m, (_, rcpts) in zip(sink.messages, sink.envelopes) if m["X-LTV-Test"] is None
                   and any(s in m["Subject"] for s in ("最近いかがですか", "いつもの商品の在庫があります"))]
    assert churn_mails
    for i, (message, to) in enumerate(churn_mails):  # every second A mail, every third B mail opened; some clicked
        variant = "A" if "最近いかがですか" in message["Subject"] else "B"
        if i % (2 if variant == "A" else 3) == 0:
            (pixel,) = links(message, "o")
            assert server.follow(pixel) == 200
            opened[variant].add(to)
            if i % 4 == 0:
                assert server.follow(links(message, "c")[0]) == 302
                opened[variant + "_clicked"].add(to)
    server.run_clock([t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=2)], enter=pks)

    until = day + dt.timedelta(days=2)
    for flow_id in (three_days, birthday, churn, newsletter):
        page, db = _report_page(harness, flow_id, until), _db_figures(server, _pk(flow_id))
        assert (page["entered"], page["holdout"]) == (db["entered"], db["holdout"]), flow_id
        for step_id, figures in db["steps"].items():
            assert page["steps"][step_id] == figures, (flow_id, step_id)

    # (a): every treated new customer got its three mails, one a day, the coupon only on day 3.
    db = _db_figures(server, _pk(three_days))
    sent = [db["steps"][s]["sent"] for s in (day1, day2, day3)]
    assert sent[0] > 0 and sent[0] == sent[1] == sent[2], sent
    days = server.sql("SELECT m.step_id, array_agg(DISTINCT (m.sent_at AT TIME ZONE 'Asia/Tokyo')::date) "
                      "FROM saleor_ltv_plugin_outboxmessage m JOIN saleor_ltv_plugin_enrollment e ON e.id = m.enrollment_id "
                      "WHERE e.flow_id = %s AND m.status = 'sent' GROUP BY m.step_id", (_pk(three_days),))
    assert dict(days) == {day1: [day], day2: [day + dt.timedelta(days=1)], day3: [day + dt.timedelta(days=2)]}
    offers = [m for m in sink.messages if m["X-LTV-Test"] is None and "3日間限定のご優待" in m["Subject"]]
    assert len(offers) == sent[2] and all("THANKS3" in m.get_body(("plain",)).get_content() for m in offers)

    # (b): exactly the buyers born on one of the three days (and not unsubscribed) got the birthday mail.
    born = {e for d in (day + dt.timedelta(days=n) for n in range(3))
            for (e,) in server.sql(BIRTHDAYS, (d.month, d.day, CHANNEL))}
    greeted = {rcpt for m, (_, rcpts) in zip(sink.messages, sink.envelopes) for rcpt in rcpts
               if m["X-LTV-Test"] is None and "お誕生日おめでとうございます" in m["Subject"]}
    assert greeted == born and len(born) >= 2

    # (c): per variant, the page's figures are the outbox's; the opens and clicks are the ones made above;
    # the call tasks went to the treated top accounts exactly.
    page = _report_page(harness, churn, until)
    def accounts_of(key: str, addresses: set[str]) -> int:
        """How many of the variant's recipients (accounts: one enrollment each) those addresses are."""
        return server.sql("SELECT count(DISTINCT m.enrollment_id) FROM saleor_ltv_plugin_outboxmessage m "
                          "JOIN saleor_ltv_plugin_enrollment e ON e.id = m.enrollment_id JOIN saleor_ltv_plugin_contact c "
                          "ON c.id = m.contact_id WHERE e.flow_id = %s AND m.step_id = %s AND c.email = ANY(%s)", (_pk(churn), mails[key], list(addresses)))[0][0]

    for key in ("A", "B"):
        ((delivered, assigned),) = server.sql(
            "SELECT count(DISTINCT m.enrollment_id) FILTER (WHERE m.status = 'sent'), "
            "(SELECT count(*) FROM saleor_ltv_plugin_enrollment WHERE flow_id = %s AND variants->>%s = %s AND NOT holdout) "
            "FROM saleor_ltv_plugin_outboxmessage m JOIN saleor_ltv_plugin_enrollment e ON e.id = m.enrollment_id "
            "WHERE e.flow_id = %s AND m.step_id = %s", (_pk(churn), ab, key, _pk(churn), mails[key]))
        figures = page["variants"][f"{ab}:{key}"]
        assert figures == {"recipients": assigned, "delivered": delivered, "opened": accounts_of(key, opened[key]),
                           "clicked": accounts_of(key, opened[key + "_clicked"])}, (key, figures)
        assert 0 < figures["clicked"] < figures["opened"] < figures["delivered"]
    called = {a for (a,) in server.sql(
        "SELECT DISTINCT m.account_id FROM saleor_ltv_plugin_outboxmessage m JOIN saleor_ltv_plugin_enrollment e "
        "ON e.id = m.enrollment_id WHERE e.flow_id = %s AND m.kind = 'call_task' AND m.status = 'sent'", (_pk(churn),))}
    top = {a for (a,) in server.sql(
        "SELECT e.account_id FROM saleor_ltv_plugin_enrollment e JOIN saleor_ltv_plugin_accountmetrics am "
        "ON am.account_id = e.account_id WHERE e.flow_id = %s AND NOT e.holdout AND am.rfm_rank <= 2", (_pk(churn),))}
    assert called == top and top
    assert page["steps"][calls["A"]]["sent"] + page["steps"][calls["B"]]["sent"] == len(called)

    # (d): the newsletter went to the segment's members, as many as the segment counts.
    ((spec,),) = server.sql("SELECT filter::text FROM saleor_ltv_plugin_savedsegment WHERE id = %s", (segment,))
    members = server.api(COUNT, {"f": {"channel": CHANNEL, "spec": spec}})["ltvAccountCount"]
    assert _db_figures(server, _pk(newsletter))["entered"] == members > 0
