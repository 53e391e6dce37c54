"""Saved segments (CRUD, validation, count over time), storefront queries, view tracking, SDL."""

import base64
import datetime as dt

import pytest
from django.core.cache import cache

from saleor_ltv_plugin.graphql import storefront
from saleor_ltv_plugin.management.commands.ltv_export_schema import SDL_PATH, current_sdl
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import (
    AccountContact,
    AccountMetrics,
    AccountSkuRhythm,
    Contact,
    ProductView,
    SavedSegment,
    SavedSegmentCount,
)

from .conftest import NOW


pytestmark = pytest.mark.django_db

CREATE = """mutation($input: LtvSavedSegmentInput!) { ltvSavedSegmentCreate(input: $input) {
  savedSegment { id name filter accountsCount history { day accounts } } errors { field message code } } }"""


def test_saved_segment_lifecycle(scored_shop, gql, key_for):
    token = key_for("segments:write", "metrics:read")  # writes need segments:write (tests/security)
    made = gql(CREATE, {"input": {"name": "Overdue loyal", "channel": "default-channel",
                                  "filter": {"stages": ["LOYAL", "REPEAT"], "overdueRatio": {"gte": 1.0}}}}, token)
    segment = made["data"]["ltvSavedSegmentCreate"]["savedSegment"]
    expected = AccountMetrics.objects.filter(stage__in=["loyal", "repeat"], overdue_ratio__gte=1.0).count()
    assert segment["accountsCount"] == expected
    assert '"stages": ["loyal", "repeat"]' in segment["filter"]
    again = gql(CREATE, {"input": {"name": "Overdue loyal", "channel": "default-channel"}}, token)
    assert again["data"]["ltvSavedSegmentCreate"]["errors"][0]["code"] == "UNIQUE"
    bad = gql(CREATE, {"input": {"name": "", "channel": "default-channel",
                                 "filter": {"monetary": {"gte": 10, "lte": 1}}}}, token)
    errors = {e["field"]: e for e in bad["data"]["ltvSavedSegmentCreate"]["errors"]}
    assert set(errors) == {"input.name", "input.filter.monetary"}
    assert SavedSegment.objects.count() == 1
    # A recompute records the segment's size for the day: its count over time.
    recompute(now=NOW)
    stored = SavedSegmentCount.objects.get()
    assert stored.accounts == expected and stored.day == dt.date(2026, 11, 2)  # NOW in Tokyo
    listed = gql("{ ltvSavedSegments(first: 10) { totalCount edges { node { name history { accounts } } } } }",
                 token=token)["data"]["ltvSavedSegments"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["history"] == [{"accounts": expected}]
    export = gql('query($id: ID) { ltvSegmentExport(savedSegment: $id) { rowCount csvUrl } }',
                 {"id": segment["id"]}, token)["data"]["ltvSegmentExport"]
    assert export["rowCount"] == expected and export["csvUrl"].endswith("export?format=csv")
    deleted = gql('mutation($id: ID!) { ltvSavedSegmentDelete(id: $id) { savedSegment { name } errors { code } } }',
                  {"id": segment["id"]}, token)["data"]["ltvSavedSegmentDelete"]
    assert deleted["savedSegment"]["name"] == "Overdue loyal" and not SavedSegment.objects.exists()
    missing = gql('mutation($id: ID!) { ltvSavedSegmentDelete(id: $id) { errors { field code } } }',
                  {"id": segment["id"]}, token)["data"]["ltvSavedSegmentDelete"]
    assert missing["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


def _customer_with_rhythms():
    rhythm = AccountSkuRhythm.objects.filter(next_reorder_on__isnull=False).order_by("next_reorder_on").first()
    link = AccountContact.objects.filter(account_id=rhythm.account_id).select_related("contact").first()
    contact = link.contact
    contact.saleor_user_id = "VXNlcjox"
    contact.save(update_fields=["saleor_user_id"])
    # The shop confirmed them: a typed company name alone shows nothing (tests/security/test_company_membership.py).
    AccountContact.objects.filter(contact=contact).update(confirmed_at=NOW, confirmed_by="staff")
    return contact, rhythm.account_id


REORDERS = """query($days: Int) { myReorderSuggestions(dueWithinDays: $days, first: 100) { sku nextReorderOn }
  myAccountInsights { ordersCount nextOrderExpectedOn nextOrderWindowStart nextOrderWindowEnd } }"""


def test_customer_sees_only_their_own_account(scored_shop, gql, as_customer):
    contact, account_id = _customer_with_rhythms()
    days = 3650
    data = gql(REORDERS, {"days": days}, as_customer(contact.saleor_user_id))["data"]
    due_by = dt.date.today() + dt.timedelta(days=days)
    own = AccountSkuRhythm.objects.filter(account__contacts=contact, next_reorder_on__lte=due_by)
    assert {r["sku"] for r in data["myReorderSuggestions"]} == set(own.values_list("sku", flat=True)[:100])
    dates = [r["nextReorderOn"] for r in data["myReorderSuggestions"]]
    assert dates == sorted(dates)
    metrics = AccountMetrics.objects.filter(account__contacts=contact)
    assert sorted(i["ordersCount"] for i in data["myAccountInsights"]) == sorted(m.frequency for m in metrics)
    window = data["myAccountInsights"][0]
    if window["nextOrderExpectedOn"]:
        assert window["nextOrderWindowStart"] <= window["nextOrderExpectedOn"] <= window["nextOrderWindowEnd"]
    stranger = gql(REORDERS, {"days": days}, as_customer("VXNlcjo5OTk="))["data"]
    assert stranger == {"myReorderSuggestions": [], "myAccountInsights": []}
    anonymous = gql(REORDERS, {"days": days})
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


TRACK = """mutation($input: TrackProductViewInput!) { trackProductView(input: $input) {
  recorded errors { field code } } }"""


def test_track_product_view_dedups_and_rate_limits(scored_shop, gql, as_customer):
    cache.clear()
    contact, _ = _customer_with_rhythms()
    token = as_customer(contact.saleor_user_id)
    view = {"channel": "default-channel", "productId": "UHJvZHVjdDox", "sku": "SKU-1"}
    assert gql(TRACK, {"input": view}, token)["data"]["trackProductView"]["recorded"] is True
    assert gql(TRACK, {"input": view}, token)["data"]["trackProductView"]["recorded"] is False
    assert ProductView.objects.filter(contact=contact).count() == 1
    anonymous = gql(TRACK, {"input": view})["data"]["trackProductView"]
    assert anonymous["errors"] == [{"field": "input.sessionKey", "code": "INVALID"}]
    session = {**view, "sessionKey": "sess-0001"}
    for i in range(storefront.RATE_LIMIT):
        result = gql(TRACK, {"input": {**session, "productId": f"p{i}"}})["data"]["trackProductView"]
        assert result["recorded"] is True
    limited = gql(TRACK, {"input": {**session, "productId": "one-more"}})["data"]["trackProductView"]
    assert limited["recorded"] is False and limited["errors"][0]["code"] == "RATE_LIMITED"
    assert ProductView.objects.filter(session_key="sess-0001").count() == storefront.RATE_LIMIT


def test_committed_sdl_matches_the_code():
    assert SDL_PATH.read_text(encoding="utf-8") == current_sdl(), (
        "schema.graphql is stale: run `.venv/bin/saleor-ltv ltv_export_schema` and commit it")
