"""LINE account linking end to end with the fake Messaging API: a follow from a LINE user no contact
carries is kept, the documented account-link flow (link token → the storefront's signed nonce → LINE's
accountLink event) links that user to the logged-in buyer and grants the LINE consent from the follow;
a forged, expired or failed link, or a LINE id another contact holds, links nothing."""

import uuid
from datetime import datetime, timezone as tz
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation import line_invites, line_link
from saleor_ltv_plugin.automation.channels import line
from saleor_ltv_plugin.ingest.identity import erase_customer
from saleor_ltv_plugin.models import Contact, ContactConsent, LineFollower

from ...graphql.conftest import GraphQLClient
from ..workers import BROKER, Worker, enqueue, wait_for
from .conftest import LINE_SECRET as SECRET
from .fake_line import FakeLine
from .test_line import LINE_ID, WEBHOOK, follow, webhook

pytestmark = pytest.mark.django_db
START = """mutation($t: String!) { ltvLineAccountLinkStart(linkToken: $t) { redirectUrl errors { field code } } }"""
FOLLOWED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=tz.utc)


@pytest.fixture
def shop(line_settings):
    return conf.channel_settings(None)


@pytest.fixture
def fake(line_fake):
    return line_fake


def post_signed(body: bytes, signature: str):
    from django.test import Client

    return Client().post(WEBHOOK, body, content_type="application/json", HTTP_X_LINE_SIGNATURE=signature)


def buyer(user_id="VXNlcjo0Mg==", email="hanako@kansai.example") -> Contact:
    return Contact.objects.create(email=email, first_name="花子", last_name="山田", saleor_user_id=user_id)


def test_an_unlinked_follower_is_kept_and_linked_through_lines_account_link_flow(line_settings, settings, fake,
                                                                                   as_customer):
    settings.LTV_PLUGIN = {**line_settings, "line_account_link_url": "https://shop.example/line-link?from=line"}
    pushed = len(fake.delivered)
    assert webhook([follow(at=FOLLOWED_AT)]).json() == {"changed": 0}  # nobody carries the id yet
    assert webhook([follow(at=FOLLOWED_AT)]).json() == {"changed": 0}  # LINE's redelivery: no second invitation
    kept = LineFollower.objects.get(line_user_id=LINE_ID)
    assert kept.following and kept.event_at == FOLLOWED_AT and kept.contact is None
    # steps 1–4: a link token issued for that user and the shop's linking page with it pushed to them
    (invitation,) = fake.delivered[pushed:]
    assert invitation["to"] == LINE_ID
    page = invitation["messages"][0]["text"].rsplit(": ", 1)[1]
    assert page.startswith("https://shop.example/line-link?from=line&linkToken=")
    link_token = parse_qs(urlsplit(page).query)["linkToken"][0]
    assert fake.link_tokens == {link_token: LINE_ID}
    contact = buyer()  # the buyer opens the page and logs in on the storefront
    body = GraphQLClient()(START, {"t": link_token}, token=as_customer(contact.saleor_user_id))
    start = body["data"]["ltvLineAccountLinkStart"]
    assert start["errors"] == [] and start["redirectUrl"].startswith(line_link.ACCOUNT_LINK_ENDPOINT + "?linkToken=")
    event_body, signature = fake.account_link(start["redirectUrl"], SECRET)  # LINE checks the user, posts the event
    assert post_signed(event_body, signature).json() == {"changed": 1}
    contact.refresh_from_db()
    assert contact.line_user_id == LINE_ID
    consent = ContactConsent.objects.get(contact=contact, medium="line")
    assert (consent.state, consent.source, consent.updated_at) == ("granted", "line_follow", FOLLOWED_AT)
    kept.refresh_from_db()
    assert kept.contact_id == contact.pk and kept.link_source == "account_link"
    # the token was used once: LINE answers "failed" for it the second time, and nothing changes
    again, signature = fake.account_link(start["redirectUrl"], SECRET)
    assert post_signed(again, signature).json() == {"changed": 0}
    assert erase_customer(contact.saleor_user_id, contact.email) == 1  # erasure forgets the LINE id too
    assert not LineFollower.objects.filter(line_user_id=LINE_ID).exists()


def test_forged_expired_or_failed_links_and_a_taken_line_id_link_nothing(shop, fake, as_customer):
    victim, attacker = buyer(), buyer("VXNlcjo5OQ==", "mallory@evil.example")
    token = line.issue_link_token(shop, LINE_ID)
    forged = line_link.account_link_url(token, signing.dumps({"c": attacker.pk, "r": "x"}, salt="another purpose"))
    body, signature = fake.account_link(forged, SECRET)
    assert post_signed(body, signature).json() == {"changed": 0}
    stale_nonce = line_link.nonce_for(victim.pk)
    token = line.issue_link_token(shop, LINE_ID)
    with pytest.MonkeyPatch.context() as patch:  # the nonce outlived its 10 minutes
        patch.setattr(line_link, "NONCE_MAX_AGE", -1)
        body, signature = fake.account_link(line_link.account_link_url(token, stale_nonce), SECRET)
        assert post_signed(body, signature).json() == {"changed": 0}
    unknown_token = line_link.account_link_url("never-issued", line_link.nonce_for(victim.pk))
    body, signature = fake.account_link(unknown_token, SECRET)
    assert post_signed(body, signature).json() == {"changed": 0}
    assert not Contact.objects.exclude(line_user_id="").exists()
    Contact.objects.filter(pk=attacker.pk).update(line_user_id=LINE_ID)  # another contact holds it already
    assert line_link.link(victim.pk, LINE_ID, "account_link") is False
    victim.refresh_from_db()
    assert victim.line_user_id == ""
    stranger = GraphQLClient()(START, {"t": "tok"}, token=as_customer("VXNlcjoxMjM0NQ=="))
    assert stranger["data"]["ltvLineAccountLinkStart"]["errors"][0]["code"] == "NOT_FOUND"
    staff = GraphQLClient()(START, {"t": "tok"})
    assert staff["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_the_invitation_task_tries_once_per_due_follow_and_records_what_line_said(line_settings, settings, fake):
    """Eager tasks (tests.settings): a busy LINE leaves the follow pending for the sweep (test_line_invites.py),
    not retried in place; the same follow's task again finds it invited and calls nobody; a 4xx that will
    not get better fails it; a follower gone or linked meanwhile needs no invitation."""
    settings.LTV_PLUGIN = {**line_settings, "line_account_link_url": "https://shop.example/line-link"}
    from saleor_ltv_plugin.tasks import invite_line_follower_task

    pushed, requests = len(fake.delivered), fake.requests
    fake.fail_next(429, Retry_After="7")
    event = follow(at=FOLLOWED_AT)
    assert webhook([event]).json() == {"changed": 0}
    row = LineFollower.objects.get(line_user_id=LINE_ID)
    assert (row.invite_state, row.invite_attempts, row.invite_error) == ("pending", 1, "HTTP 429: The API rate "
                                                                         "limit has been exceeded. Try again later.")
    assert fake.requests - requests == 1 and len(fake.delivered) == pushed
    # not due before Retry-After: the task (a redelivered one) leaves it pending
    assert invite_line_follower_task.delay(LINE_ID, event["webhookEventId"]).get() == "pending"
    LineFollower.objects.filter(pk=row.pk).update(invite_next_at=FOLLOWED_AT)  # its time has come
    assert invite_line_follower_task.delay(LINE_ID, "another-event").get() == "not_due"  # not this follow's
    assert invite_line_follower_task.delay(LINE_ID, event["webhookEventId"]).get() == "sent"
    (invitation,) = fake.delivered[pushed:]
    assert invitation["retry_key"] == line_link.invite_key(LINE_ID, event["webhookEventId"])
    assert invitation["to"] == LINE_ID
    row.refresh_from_db()
    assert (row.invite_state, row.invite_attempts, row.invite_next_at) == ("invited", 2, None)
    assert invite_line_follower_task.delay(LINE_ID, event["webhookEventId"]).get() == "not_due"  # its twin
    assert fake.requests - requests == 3 and len(fake.delivered) == pushed + 1
    # the push itself busy: raised for the caller to retry with the same key, which LINE folds
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(line, "issue_link_token", lambda shop, user: "tok")
        fake.fail_next(503)
        with pytest.raises(line_link.TryLater, match="HTTP 503"):
            line_link.invite(conf.channel_settings(None), LINE_ID, line_link.invite_key(LINE_ID, "busy"))
        assert line_link.invite(conf.channel_settings(None), LINE_ID, line_link.invite_key(LINE_ID, "busy")) == "sent"
    assert len(fake.delivered) == pushed + 2
    # a 4xx that will not get better is not retried; a follower gone or linked meanwhile gets nothing
    outcomes = []
    for event_id, prepare in (("refused", lambda: fake.fail_next(400)),
                              ("unfollowed", lambda: LineFollower.objects.filter(pk=row.pk).update(following=False)),
                              ("linked", lambda: Contact.objects.create(email="x@y.example", line_user_id=LINE_ID))):
        LineFollower.objects.filter(pk=row.pk).update(following=True)
        line_invites.mark_pending(LINE_ID, event_id, None)
        prepare()
        outcomes.append((invite_line_follower_task.delay(LINE_ID, event_id).get(),
                         LineFollower.objects.values_list("invite_state", flat=True).get(pk=row.pk)))
    assert outcomes == [("refused", "failed"), ("unfollowed", ""), ("linked", "")]
    assert len(fake.delivered) == pushed + 2


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_invitation_the_webhook_only_queued(tmp_path, shop_settings, settings):
    """The webhook answers without a call to LINE; a Celery worker on Redis issues the token, is refused
    once (429, Retry-After 1) and retries itself; the same follow queued twice calls LINE for one only."""
    import json
    import time

    import redis

    from saleor_ltv_plugin.tasks import invite_line_follower_task

    fake = FakeLine().start()
    line = {"consent_mode": "opt_in", "line_channel_access_token": fake.token, "line_channel_secret": SECRET,
            "line_api_url": fake.url, "line_account_link_url": "https://shop.example/line-link"}
    settings.LTV_PLUGIN = {**shop_settings, **line}
    redis.Redis.from_url(BROKER).flushdb()
    queue = f"ltv-line-link-{uuid.uuid4().hex[:8]}"
    # not eager: the worker's retry goes through the broker and waits out its countdown
    worker = Worker("link", queue, tmp_path, {"LTV_TEST_PLUGIN_SETTINGS": json.dumps(line),
                                              "LTV_TEST_WORKER_EAGER": "0"}).start()
    queued = []

    def delay(*args):
        queued.append(args)
        return enqueue(invite_line_follower_task, queue, line_user_id=args[0], event_id=args[1], channel=args[2])

    try:
        fake.fail_next(429, Retry_After="1")
        event = follow(at=FOLLOWED_AT)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(invite_line_follower_task, "delay", delay)
            delay("U" + "e" * 32, "warm-up", None)  # broker and URLconf loaded before timing (nobody follows)
            assert webhook([]).json() == {"changed": 0}
            queued.clear()
            started = time.monotonic()
            assert webhook([event]).json() == {"changed": 0}
            answered_in = time.monotonic() - started
            assert fake.requests == 0 and len(queued) == 1  # queued, LINE not called inside the request
            delay(LINE_ID, event["webhookEventId"], None)  # the same follow's task once more (a redelivery)
        assert wait_for(lambda: len(fake.delivered) >= 1 and fake.requests >= 3, 60, every=0.05), worker.tail()
        delivered_in = time.monotonic() - started
        time.sleep(1.5)  # room for a second message, if one were coming
    finally:
        worker.stop()
        fake.stop()
    # 429 on a token, then token + push for the task; its twin finds the row claimed, not due or invited
    assert len(fake.delivered) == 1 and fake.delivered[0]["to"] == LINE_ID, worker.tail()
    assert fake.delivered[0]["retry_key"] == line_link.invite_key(LINE_ID, event["webhookEventId"])
    assert fake.requests == 3 and answered_in < 1
    assert delivered_in >= 1.0  # LINE's Retry-After: 1 waited out
    follower = LineFollower.objects.get(line_user_id=LINE_ID)
    assert (follower.invite_state, follower.invite_attempts) == ("invited", 2)
