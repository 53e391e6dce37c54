"""Issue 17's Done-when, walked in real Chromium on the demo shop's own accounts (phones, postal
addresses and LINE links from demo/synthetic_reach.py): a churn flow started in the editor from the
escalation template mails three times; a buyer who opens or clicks leaves it, the ones who never
answer get a DM letter batched into the open print job, and their top accounts a call task — on the
call list with the buyer's phone number as a tel: link. Every account's path is checked against
what the walk made the buyers do."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import defaultdict

import pytest

from .test_flows_pages import _flow_id
from .test_pages import CHANNEL
from .walk_support import TOKYO, harness, links, shop_day_at, walk_server  # noqa: F401 — fixtures

pytestmark = pytest.mark.slow

MAILS = ("0", "1", "2")  # the template's three mail steps; then postal_dm, call_task
SENT = """SELECT e.account_id, m.step_id, m.kind, m.status, m.skip_reason, c.email FROM saleor_ltv_plugin_outboxmessage m
  JOIN saleor_ltv_plugin_enrollment e ON e.id = m.enrollment_id LEFT JOIN saleor_ltv_plugin_contact c ON c.id = m.contact_id
  WHERE e.flow_id = %s"""


def _paths(server, pk: int) -> dict[int, dict[str, set]]:
    """account → step → the statuses of its rows there."""
    out: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for account, step, _kind, status, _reason, _email in server.sql(SENT, (pk,)):
        out[account][step].add(status)
    return out


def _mails_of(server, sink, pk: int, step: str) -> list[tuple[int, object]]:
    """(account, message) of the step's mails the sink received, matched by Message-ID (render.message_id:
    a hash of the outbox row's idempotency key)."""
    account_of = {f"ltv.{hashlib.sha256(key.encode()).hexdigest()[:32]}": account for key, account in server.sql(
        "SELECT m.idempotency_key, e.account_id FROM saleor_ltv_plugin_outboxmessage m JOIN saleor_ltv_plugin_enrollment e "
        "ON e.id = m.enrollment_id WHERE e.flow_id = %s AND m.step_id = %s AND m.status = 'sent'", (pk, step))}
    found = [(account_of.get(str(m["Message-ID"]).strip("<> ").split("@")[0]), m) for m in sink.messages]
    return [(account, m) for account, m in found if account is not None]


def _typed_phones() -> dict[str, str]:
    """e-mail → the phone as the demo's buyer typed it (its generator, as `ltv_demo` ran it), NFKC."""
    import unicodedata

    from saleor_ltv_plugin.demo.synthetic import generate_shop

    from .conftest import DEMO_COMPANIES

    end = dt.datetime.now(TOKYO).date() - dt.timedelta(days=28)  # ltv_demo's default --end
    shop = generate_shop(n_companies=DEMO_COMPANIES, end=end)
    return {email: unicodedata.normalize("NFKC", r.phone) for email, r in shop.reach.items()}


def _as_dialled(typed: str) -> str:
    area = typed.split("-")[0]
    return typed if area in ("03", "06") or len(area) == 3 and area.endswith("0") else typed.replace("-", "")


def test_a_churn_flow_escalates_mail_three_times_then_a_dm_then_a_call(harness, walk_server):  # noqa: F811
    server, app = walk_server, harness.app
    # In the editor: a new flow from the escalation template, no holdout, published.
    harness.open("flows", channel=CHANNEL, locale="ja")
    app.get_by_test_id("flows-table").wait_for()
    app.get_by_test_id("new-flow").click()
    app.get_by_test_id("new-flow-template").select_option("churn_escalation")
    app.get_by_test_id("new-flow-name").fill("離脱防止エスカレーション（検証）")
    app.get_by_test_id("dialog-confirm").click()
    app.get_by_test_id("flow-steps").wait_for()
    flow_id = _flow_id(harness)
    drawn = set(app.locator("[data-testid=step]").evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"send", "delay", "split", "staff", "exit"} <= drawn
    app.locator("[data-testid=step][data-step=postal_dm]").wait_for()
    app.locator("[data-testid=step][data-step=call_task]").wait_for()
    app.get_by_test_id("holdout-percent").fill("0")
    app.get_by_test_id("publish").click()
    app.locator("[data-testid=flow-state][data-state=LIVE]").wait_for()
    pk = int(base64.b64decode(flow_id).decode().split(":")[1])

    # The shop's clock: mail 1 on day 0; some buyers open it; mail 2 on day 7; some click it; mail 3 on
    # day 14; the DM on day 21; the call three days after the letter.
    t0 = shop_day_at(dt.datetime.now(TOKYO).date() + dt.timedelta(days=1), 10)
    day = lambda n: t0 + dt.timedelta(days=n)  # noqa: E731
    (first,) = server.run_clock([day(0)], enter=[pk])
    assert first["entered"][str(pk)] > 20, first
    responded = set()
    for i, (account, message) in enumerate(_mails_of(server, server.sink, pk, "0")):
        if i % 3 == 0:
            (pixel,) = links(message, "o")
            assert server.follow(pixel) == 200
            responded.add(account)
    opened_first = set(responded)
    server.run_clock([day(7)], enter=[])
    for i, (account, message) in enumerate(_mails_of(server, server.sink, pk, "1")):
        assert account not in opened_first  # who opened the first mail had no second
        if i % 4 == 0:
            assert server.follow(links(message, "c")[0]) == 302
            responded.add(account)
    server.run_clock([day(14), day(21), day(24)], enter=[])

    # Every account's path, as the buyers' behaviour says it must be.
    paths = _paths(server, pk)
    enrolled = {a for (a,) in server.sql("SELECT account_id FROM saleor_ltv_plugin_enrollment WHERE flow_id = %s", (pk,))}
    top = {a for (a,) in server.sql("SELECT account_id FROM saleor_ltv_plugin_accountmetrics WHERE rfm_rank <= 2 "
                                    "AND account_id = ANY(%s)", (list(enrolled),))}
    silent = enrolled - responded
    assert responded and silent and top & silent
    for account in enrolled:
        steps = paths[account]
        if account in responded:
            assert "postal_dm" not in steps and "call_task" not in steps and "2" not in steps, (account, steps)
        else:
            assert {"0", "1", "2", "postal_dm"} <= set(steps), (account, steps)
            assert ("call_task" in steps) == (account in top), (account, steps)
    # The letters are in the open print job, each with its 〒 address; the call tasks are open calls.
    letters = dict(server.sql(
        "SELECT m.account_id, i.address->>'postal_code' FROM saleor_ltv_plugin_printjobitem i "
        "JOIN saleor_ltv_plugin_outboxmessage m ON m.id = i.message_id JOIN saleor_ltv_plugin_enrollment e "
        "ON e.id = m.enrollment_id WHERE e.flow_id = %s", (pk,)))
    skipped = {a for a, step, _k, status, reason, _e in server.sql(SENT, (pk,))
               if step == "postal_dm" and status == "skipped" and reason == "no_postal_address"}
    assert set(letters) | skipped == silent and len(letters) > len(skipped)
    assert all(code for code in letters.values())
    calls = dict(server.sql(
        "SELECT a.id, a.account_id FROM saleor_ltv_plugin_alert a JOIN saleor_ltv_plugin_outboxmessage m "
        "ON m.idempotency_key = a.source_key JOIN saleor_ltv_plugin_enrollment e ON e.id = m.enrollment_id "
        "WHERE e.flow_id = %s AND a.kind = 'call' AND a.state = 'open'", (pk,)))
    assert set(calls.values()) == top & silent

    # The DM page lists the job with as many letters as it holds.
    ((job, in_job),) = server.sql(
        "SELECT j.id, (SELECT count(*) FROM saleor_ltv_plugin_printjobitem WHERE job_id = j.id) "
        "FROM saleor_ltv_plugin_printjob j WHERE j.id IN (SELECT i.job_id FROM saleor_ltv_plugin_printjobitem i "
        "JOIN saleor_ltv_plugin_outboxmessage m ON m.id = i.message_id JOIN saleor_ltv_plugin_enrollment e "
        "ON e.id = m.enrollment_id WHERE e.flow_id = %s)", (pk,))
    harness.open("dm", locale="ja", channel=CHANNEL)
    row = app.locator(f"[data-testid=dm-jobs] tr[data-job='{job}']")
    row.wait_for()
    assert row.locator("td").nth(3).inner_text() == str(in_job)
    harness.shot("escalation-dm-job")

    # The call list: each call of this flow shows the company and its buyers' numbers as tel: links,
    # page after page until every one was seen.
    harness.open("alerts", locale="ja", channel=CHANNEL)
    app.get_by_test_id("alerts-table").wait_for()
    app.get_by_test_id("view-calls").click()
    app.locator("[data-testid=alerts-table] tbody tr[data-state=open]").first.wait_for()
    typed = _typed_phones()
    seen: set[int] = set()
    for _page in range(40):
        rows = app.locator("[data-testid=alerts-table] tbody tr[data-state=open]")
        ids = rows.evaluate_all("els => els.map(e => e.dataset.alert)")
        for global_id in ids:
            alert_pk = int(base64.b64decode(global_id).decode().split(":")[1])
            if alert_pk not in calls:
                continue
            call = app.locator(f"[data-testid=alerts-table] tr[data-alert='{global_id}']")
            ((company,),) = server.sql("SELECT display_name FROM saleor_ltv_plugin_account WHERE id = %s",
                                       (calls[alert_pk],))
            buyers = dict(server.sql(
                "SELECT c.email, c.phone FROM saleor_ltv_plugin_contact c JOIN saleor_ltv_plugin_accountcontact ac "
                "ON ac.contact_id = c.id WHERE ac.account_id = %s AND c.phone <> ''", (calls[alert_pk],)))
            phones = set(buyers.values())
            assert phones and all(p.startswith("+81") for p in phones)  # the demo's numbers, E.164 as ingest keeps them
            tel = call.get_by_test_id("tel-link")
            assert company in call.inner_text()
            assert {tel.nth(i).get_attribute("href") for i in range(tel.count())} == {f"tel:{p}" for p in phones}
            # shown as the buyer typed it (03-…, 090-…; a 3–5 digit area code without hyphens)
            assert {tel.nth(i).inner_text() for i in range(tel.count())} == {
                _as_dialled(typed[email]) for email in buyers}
            seen.add(alert_pk)
        if seen == set(calls):
            break
        if not (next_page := app.get_by_test_id("page-next")).is_enabled():
            break
        next_page.click()
        app.locator(f"[data-testid=alerts-table] tbody tr[data-alert='{ids[0]}']").wait_for(state="detached")
    assert seen == set(calls)
    harness.shot("escalation-call-list")
