"""LINE account linking end to end with the fake Messaging API: a follow from a LINE user no contact
carries is kept, the documented account-link flow (link token → the storefront's signed nonce → LINE's
accountLink event) links that user to the logged-in buyer and grants the LINE consent from the follow;
a forged, expired or failed link, or a LINE id another contact holds, links nothing."""

from datetime import datetime, timezone as tz
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation import line_link
from saleor_ltv_plugin.automation.channels import line
from saleor_ltv_plugin.ingest.identity import erase_customer
from saleor_ltv_plugin.models import Contact, ContactConsent, LineFollower

from ...graphql.conftest import GraphQLClient
from .conftest import LINE_SECRET as SECRET
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
