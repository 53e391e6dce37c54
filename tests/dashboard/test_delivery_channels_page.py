"""The delivery channels page on the demo server (its settings: the sender block, no LINE or Twilio account):
which channels are set up and which settings each misses, secrets as set/unset, consent and limits, and an
e-mail connection test whose answer is shown in Japanese. The tests against the LINE and Twilio fakes run in
the main tier (tests/automation/channels/test_channel_setup.py): this server is shared and cannot be pointed
at them without a restart."""

from __future__ import annotations

import re

from .test_pages import CHANNEL, VISIBLE_TEXT, english_left

# provider and product names the Japanese labels keep as they are
NAMES = {"LINE", "Messaging", "Twilio", "Service", "Webhook", "default", "channel"}  # and the channel slug


def test_the_page_shows_each_channels_state_and_answers_a_test_mail(harness):
    harness.open("delivery", locale="ja", channel=CHANNEL)
    app = harness.app
    table = app.get_by_test_id("channels-table")
    table.wait_for()
    kinds = [row.get_attribute("data-kind") for row in table.locator("tbody tr").all()]
    assert {"email", "line", "sms", "postal_dm", "call_task"} <= set(kinds)
    line = table.locator("tr[data-kind=line]")
    assert line.get_attribute("data-configured") == "false" and "未設定" in line.inner_text()
    assert "line_channel_access_token" in line.locator("[data-field=missing]").inner_text()
    token = line.locator("li[data-setting=line_channel_access_token]")
    assert token.get_attribute("data-set") == "false" and "秘密" in token.inner_text()
    assert "LINEの同意が必要" in line.locator("[data-field=consent]").inner_text()
    assert "毎秒2000件" in line.locator("[data-field=limits]").inner_text()
    assert line.get_by_test_id("send-test-line").is_disabled()
    invitations = line.locator("[data-field=link-invitations]")  # the demo's followers were never invited
    assert invitations.inner_text() == "友だちへの連携のご案内：送信待ち0件・送信済み0件・失敗0件"
    assert table.locator("tr[data-kind=email] [data-field=link-invitations]").count() == 0
    assert "事前の同意は不要" in table.locator("tr[data-kind=postal_dm] [data-field=consent]").inner_text()
    assert english_left(harness.frame.evaluate(VISIBLE_TEXT), NAMES) == []  # the page in Japanese only
    email = table.locator("tr[data-kind=email]")
    assert email.get_attribute("data-configured") == "true"
    email.get_by_test_id("send-test-email").click()
    answer = app.get_by_test_id("test-answer-email")
    answer.wait_for()
    # the demo server's mail goes to Django's default SMTP server, which a test machine may or may not run
    assert answer.get_attribute("data-ok") in ("true", "false")
    assert re.search(r"送信先が受け付けました|送信先に接続できませんでした|送信先がエラーを返しました", answer.inner_text())
    harness.shot("delivery-channels")
    # a failed invitation (no linking page then): the row offers to retry, and the retry makes it pending
    user = "U" + "e" * 32
    harness.server.sql("""INSERT INTO saleor_ltv_plugin_linefollower (line_user_id, following, event_at, link_source,
        invite_state, invite_event_id, invite_channel, invite_attempts, invite_error)
        VALUES (%s, true, now(), '', 'failed', 'ev-1', '', 1, 'not_configured')""", (user,))
    try:
        harness.page.reload()  # the same address again: only a reload fetches anew
        line = harness.app.locator("[data-testid=channels-table] tr[data-kind=line]")
        line.locator("[data-field=link-invitations][data-failed='1']").wait_for()
        line.get_by_test_id("retry-line-invitations").click()
        line.locator("[data-field=link-invitations][data-failed='0'][data-pending='1']").wait_for()
        assert harness.server.sql("SELECT invite_state, invite_attempts FROM saleor_ltv_plugin_linefollower "
                                  "WHERE line_user_id = %s", (user,)) == [("pending", 0)]
        assert line.get_by_test_id("retry-line-invitations").count() == 0
    finally:
        harness.server.sql("DELETE FROM saleor_ltv_plugin_linefollower WHERE line_user_id = %s", (user,))
    assert harness.errors == []
