"""ltvSetupCheck and ltvSetupTestMail: the setup checklist page's API (setup_check.py's items)."""

import pytest

from saleor_ltv_plugin import setup_check
from saleor_ltv_plugin.models import TaskHeartbeat
from saleor_ltv_plugin.hosts.standalone import tokens
from saleor_ltv_plugin.tasks import process_inbound_events_task

from ..automation import smtp_sink

pytestmark = pytest.mark.django_db
QUERY = """query($c: String!, $l: String) { ltvSetupCheck(channel: $c) { checkedAt items { key status
  detail(language: $l) action(language: $l) } } }"""
TEST_MAIL = "mutation { ltvSetupTestMail { sentTo item { key status } errors { field code message } } }"


def test_the_query_answers_the_checklists_items_in_either_language(gql):
    staff = tokens.mint("staff@shop.example", ["MANAGE_USERS"])
    for language in ("en", "ja"):
        body = gql(QUERY, {"c": "default-channel", "l": language}, token=staff)
        assert "errors" not in body, body
        items = body["data"]["ltvSetupCheck"]["items"]
        expected = setup_check.checklist("default-channel")
        assert [i["key"] for i in items] == [e.key for e in expected]
        for got, want in zip(items, expected):
            assert got["status"] == want.status.upper()
            if got["key"] not in ("celery", "recompute"):  # those two say "… s ago"
                assert got["detail"] == want.detail[language] and got["action"] == want.action[language]


def test_the_query_is_staff_only(gql):
    body = gql(QUERY, {"c": "default-channel"})
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_a_test_mail_goes_to_the_calling_admin_and_needs_manage_plugins(gql, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # pytest-django swaps in locmem
    controller, sink = smtp_sink.start()
    try:
        settings.EMAIL_PORT = controller.port
        denied = gql(TEST_MAIL, token=tokens.mint("staff@shop.example", ["MANAGE_USERS", "MANAGE_ORDERS"]))
        assert denied["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]
        assert sink.count() == 0
        body = gql(TEST_MAIL, token=tokens.mint("admin@shop.example", ["MANAGE_PLUGINS"]))
        payload = body["data"]["ltvSetupTestMail"]
        assert payload["errors"] == [] and payload["sentTo"] == "admin@shop.example"
        assert payload["item"]["status"] == "OK" and len(sink.to("admin@shop.example")) == 1
    finally:
        controller.stop()
    settings.EMAIL_PORT = smtp_sink.free_port()  # nobody listens there
    body = gql(TEST_MAIL, token=tokens.mint("admin@shop.example", ["MANAGE_PLUGINS"]))
    payload = body["data"]["ltvSetupTestMail"]
    assert payload["sentTo"] is None and payload["item"]["status"] == "FAIL"


def test_the_inbox_task_leaves_the_heartbeat_the_checklist_reads(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    process_inbound_events_task.run()
    assert TaskHeartbeat.objects.filter(task="apply_inbox").exists()
    assert "last inbound-event apply" in setup_check.workers().detail["en"]
    assert "秒前" in setup_check.workers().detail["ja"]
