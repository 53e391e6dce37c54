"""LINE link invitations where no worker retries them (eager tasks, the standalone host without a broker):
the webhook keeps the follow pending, the sweep re-sends it when due — after Retry-After, else 5 s
doubling — under the follow's retry key, gives up after MAX_TRIES, and two sweeps at once send each
invitation once. Against the fake Messaging API (fake_line.py)."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from saleor_ltv_plugin.automation import line_invites, line_link
from saleor_ltv_plugin.automation.channels import line
from saleor_ltv_plugin.hosts.standalone import tokens
from saleor_ltv_plugin.models import LineFollower
from saleor_ltv_plugin.tasks import sweep_line_invitations_task

from ...graphql.conftest import GraphQLClient
from .test_channel_setup import QUERY as CHANNELS, admin
from .test_line import LINE_ID, follow, webhook

pytestmark = pytest.mark.django_db
LINK_PAGE = "https://shop.example/line-link"
INVITATIONS = CHANNELS.replace("testRecipient } }", "testRecipient linkInvitations { pending invited failed } } }")


@pytest.fixture
def inviting(line_settings, settings, line_fake):
    settings.LTV_PLUGIN = {**line_settings, "line_account_link_url": LINK_PAGE}
    line_fake.failures.clear()
    return line_fake


def follower(user_id=LINE_ID) -> LineFollower:
    return LineFollower.objects.get(line_user_id=user_id)


def both_at_once(target, fake) -> None:
    """`target` in two threads (they meet at their own barrier), then the fake answers without delay again."""
    threads = [threading.Thread(target=target) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        fake.hold = 0.0


def invitations() -> dict:
    body = GraphQLClient()(INVITATIONS, {"c": "default-channel", "l": "ja"}, token=admin())
    assert "errors" not in body, body
    rows = {row["kind"]: row["linkInvitations"] for row in body["data"]["ltvDeliveryChannels"]}
    assert rows["email"] is None  # LINE's own figure
    return rows["line"]


def test_an_eager_invitation_line_refused_with_500_is_sent_once_by_the_sweep(inviting):
    fake = inviting
    pushed, requests = len(fake.delivered), fake.requests
    fake.fail_next(500)
    event = follow()
    before = timezone.now()
    assert webhook([event]).json() == {"changed": 0}  # the eager task ran in the request: LINE said 500
    after = timezone.now()
    row = follower()
    assert (row.invite_state, row.invite_attempts) == ("pending", 1)
    assert before + timedelta(seconds=5) <= row.invite_next_at <= after + timedelta(seconds=5)  # 5 s first
    assert fake.requests - requests == 1 and len(fake.delivered) == pushed
    assert invitations() == {"pending": 1, "invited": 0, "failed": 0}
    assert line_invites.sweep(now=row.invite_next_at - timedelta(milliseconds=1)) == {}  # not due yet
    time.sleep(max(0.0, (row.invite_next_at - timezone.now()).total_seconds()))
    call_command("ltv_process_events", stdout=open("/dev/null", "w"))  # the standalone host's periodic command
    (invitation,) = fake.delivered[pushed:]
    assert invitation["to"] == LINE_ID and invitation["messages"][0]["text"].count(LINK_PAGE + "?linkToken=") == 1
    assert invitation["retry_key"] == line_link.invite_key(LINE_ID, event["webhookEventId"])
    row.refresh_from_db()
    assert (row.invite_state, row.invite_attempts, row.invite_next_at, row.invite_error) == ("invited", 2, None, "")
    assert line_invites.sweep(now=timezone.now() + timedelta(hours=1)) == {}  # nothing twice
    assert fake.requests - requests == 3 and len(fake.delivered) == pushed + 1  # 500, then token + push
    assert invitations() == {"pending": 0, "invited": 1, "failed": 0}


def test_the_sweep_waits_out_retry_after_and_doubles_without_it(inviting):
    fake = inviting
    pushed = len(fake.delivered)
    fake.fail_next(429, Retry_After="7")  # on the link token
    before = timezone.now()
    assert webhook([follow()]).json() == {"changed": 0}
    after = timezone.now()
    second = follower().invite_next_at
    assert before + timedelta(seconds=7) <= second <= after + timedelta(seconds=7)
    assert line_invites.sweep(now=second - timedelta(milliseconds=1)) == {}
    with pytest.MonkeyPatch.context() as patch:  # the token is issued, then LINE is down for the push (503)
        issue = line.issue_link_token

        def token_then_busy(shop, user):
            token = issue(shop, user)
            fake.fail_next(503)
            return token

        patch.setattr(line, "issue_link_token", token_then_busy)
        assert line_invites.sweep(now=second) == {"retry": 1}
    row = follower()
    assert (row.invite_attempts, row.invite_next_at) == (2, second + timedelta(seconds=5 * 2 ** 1))
    assert row.invite_error.startswith("HTTP 503")
    assert line_invites.sweep(now=second + timedelta(seconds=9.999)) == {}
    assert line_invites.sweep(now=second + timedelta(seconds=10)) == {"sent": 1}
    assert len(fake.delivered) == pushed + 1 and follower().invite_state == "invited"


def test_after_eight_tries_the_invitation_is_failed_and_shown_so(inviting):
    fake = inviting
    requests = fake.requests
    fake.fail_next(500, times=line_invites.MAX_TRIES)
    assert webhook([follow()]).json() == {"changed": 0}
    gaps, outcomes = [], []
    at = follower().invite_next_at
    while follower().invite_state == "pending":
        before = follower().invite_next_at
        outcomes.append(line_invites.sweep(now=at))
        after = follower().invite_next_at
        if after is not None:
            gaps.append((after - at).total_seconds())
            at = after
        assert before != after
    assert gaps == [10, 20, 40, 80, 160, 320]  # after try 1 (5 s, its own clock), tries 2–7; try 8 gives up
    assert outcomes == [{"retry": 1}] * 6 + [{"gave_up": 1}]
    row = follower()
    assert (row.invite_state, row.invite_attempts, row.invite_next_at) == ("failed", 8, None)
    assert row.invite_error.startswith("HTTP 500")
    assert fake.requests - requests == 8 and not fake.failures
    assert line_invites.sweep(now=at + timedelta(days=1)) == {}
    assert sweep_line_invitations_task.apply().get() == {}  # beat's entry: nothing left to try
    assert invitations() == {"pending": 0, "invited": 0, "failed": 1}


def test_a_task_queued_before_invitations_were_kept_still_invites_once(inviting):
    """A follow kept by the code before 0034 (no invitation on its row) whose task is still queued."""
    from saleor_ltv_plugin.tasks import invite_line_follower_task

    fake = inviting
    pushed = len(fake.delivered)
    LineFollower.objects.create(line_user_id=LINE_ID, following=True, event_at=timezone.now())
    assert invite_line_follower_task.delay(LINE_ID, "old-event").get() == "sent"
    assert invite_line_follower_task.delay(LINE_ID, "old-event").get() == "not_due"
    (invitation,) = fake.delivered[pushed:]
    assert invitation["retry_key"] == line_link.invite_key(LINE_ID, "old-event")
    assert (follower().invite_state, follower().invite_event_id) == ("invited", "old-event")


def test_an_unfollow_drops_the_pending_invitation(inviting):
    fake = inviting
    requests = fake.requests
    fake.fail_next(503)
    followed = follow()
    assert webhook([followed]).json() == {"changed": 0}
    assert follower().invite_state == "pending"
    unfollowed = follow("unfollow", at=timezone.now() + timedelta(seconds=1))
    assert webhook([unfollowed]).json() == {"changed": 0}
    assert (follower().invite_state, follower().invite_next_at) == ("", None)
    assert line_invites.sweep(now=timezone.now() + timedelta(hours=1)) == {}
    assert fake.requests - requests == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_invitation_once(inviting):
    fake = inviting
    users = ["U" + f"{n:032x}" for n in range(1, 7)]
    pushed, requests = len(fake.delivered), fake.requests
    fake.fail_next(500, times=len(users))
    assert webhook([follow(user_id=user) for user in users]).json() == {"changed": 0}
    assert fake.requests - requests == len(users)
    due = timezone.now() + timedelta(minutes=1)
    fake.hold = 0.05  # each call to LINE takes a moment, so the two sweeps overlap
    start, results, errors = threading.Barrier(2), [], []

    def sweeper():
        try:
            start.wait()
            results.append(line_invites.sweep(now=due))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    both_at_once(sweeper, fake)
    assert not errors, errors
    assert sum(r.get("sent", 0) for r in results) == len(users) and all(r.get("sent") for r in results), results
    delivered = fake.delivered[pushed:]
    assert sorted(d["to"] for d in delivered) == users  # each once
    assert fake.requests - requests == len(users) * 3  # 500, then one token and one push each: no 409
    assert {follower(u).invite_state for u in users} == {"invited"}


@pytest.mark.django_db(transaction=True)
def test_a_task_and_its_redelivered_twin_at_once_call_line_for_one(inviting):
    """The same follow's task twice at the same moment (redelivered after a lost worker, or queued twice):
    the row's claim lets one of them call LINE; the other finds it taken."""
    from saleor_ltv_plugin.tasks import invite_line_follower_task

    fake = inviting
    pushed, requests = len(fake.delivered), fake.requests
    fake.fail_next(500)
    event = follow()
    assert webhook([event]).json() == {"changed": 0}
    LineFollower.objects.filter(line_user_id=LINE_ID).update(invite_next_at=timezone.now())  # due again
    fake.hold = 0.1
    start, outcomes = threading.Barrier(2), []

    def task():
        try:
            start.wait()
            outcomes.append(invite_line_follower_task.apply(args=(LINE_ID, event["webhookEventId"])).get())
        finally:
            connection.close()

    both_at_once(task, fake)
    assert sorted(outcomes) == ["pending", "sent"]  # the twin: pending (claimed) while the other one sent
    assert len(fake.delivered) == pushed + 1 and fake.requests - requests == 3  # 500, one token, one push
    assert follower().invite_state == "invited"


RETRY = "mutation { ltvLineInvitationsRetry { retried invitations { pending invited failed } errors { field } } }"


def test_failed_invitations_are_retried_once_the_linking_page_is_set(line_settings, settings, line_fake):
    """No linking page: the follow's invitation fails at once. Set the page, retry: one invitation,
    under the follow's retry key; an unfollowed or linked follower is left alone."""
    settings.LTV_PLUGIN = {**line_settings, "line_account_link_url": ""}
    line_fake.failures.clear()
    event = follow()
    assert webhook([event]).json() == {"changed": 0}
    gone = "U" + "f" * 32
    webhook([follow(user_id=gone)])
    LineFollower.objects.filter(line_user_id=gone).update(following=False)
    assert follower().invite_state == "failed" and follower(gone).invite_state == "failed"
    pushed = len(line_fake.delivered)
    settings.LTV_PLUGIN = {**line_settings, "line_account_link_url": LINK_PAGE}
    assert GraphQLClient()(RETRY, {}, token=admin())["data"]["ltvLineInvitationsRetry"] == {
        "retried": 1, "invitations": {"pending": 1, "invited": 0, "failed": 1}, "errors": []}
    assert line_invites.sweep(now=timezone.now() + timedelta(seconds=1)) == {"sent": 1}
    (invitation,) = line_fake.delivered[pushed:]
    assert invitation["to"] == LINE_ID and invitation["retry_key"] == line_link.invite_key(LINE_ID,
                                                                                         event["webhookEventId"])
    assert follower().invite_state == "invited" and follower(gone).invite_state == "failed"
    # without MANAGE_PLUGINS: refused, nothing changes
    denied = GraphQLClient()(RETRY, {}, token=tokens.mint("staff@shop.example", ["MANAGE_USERS"]))
    assert denied["data"]["ltvLineInvitationsRetry"] is None and denied["errors"]
