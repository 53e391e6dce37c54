"""ltvTrends and REST analyses/trends on the scored demo shop re-scored on later days (and one day
replayed between two others): series and stage movements against pandas over the account
metrics each run left, bad ranges refused naming the field, CSV like the other analyses."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd
import pytest
from django.test import Client

from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import AccountMetrics, SavedSegment

from ..support.scored_shop import NOW

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
REST = "/plugins/global/saleor.ltv/api/v1/analyses/trends"
DAY0 = dt.date(2026, 11, 2)  # NOW in Tokyo
QUERY = """query($from: Date, $to: Date) { ltvTrends(channel: "default-channel", from: $from, to: $to) {
  currency from to days currentDay movementToCurrent movementFrom stages { day value accounts share } cpmCells { day value accounts }
  rfmSegments { day value accounts } savedSegments { name day accounts } movement { fromStage toStage accounts } } }"""


def metrics_now() -> pd.DataFrame:
    return pd.DataFrame(list(AccountMetrics.objects.filter(channel=CHANNEL, currency="JPY")
                             .values("account_id", "stage", "cpm_cell", "rfm_segment")))


@pytest.fixture
def rescored(scored_shop):
    """Metrics as each run left them: day 0 (the shop's), +150, then +75 replayed between."""
    SavedSegment.objects.create(name="dormant", channel=CHANNEL, filter={"stages": ["dormant"]})
    seen = {DAY0: metrics_now()}
    for offset in (150, 75):
        recompute(now=NOW + dt.timedelta(days=offset))
        seen[DAY0 + dt.timedelta(days=offset)] = metrics_now()
    return seen


def ok(result):
    assert "errors" not in result, result
    return result["data"]["ltvTrends"]


def expected_movement(seen, start, end) -> dict:
    pair = pd.merge(seen[start][["account_id", "stage"]], seen[end][["account_id", "stage"]], on="account_id",
                    how="outer", suffixes=("_from", "_to")).fillna("")
    counts = pair.groupby(["stage_from", "stage_to"]).size()
    return {k: int(v) for k, v in counts.items()}


def test_series_and_movements_match_the_metrics_each_run_left(rescored, gql, key_for):
    token = key_for()
    end = DAY0 + dt.timedelta(days=150)
    data = ok(gql(QUERY, {"from": str(DAY0), "to": str(end)}, token))
    days = sorted(rescored)
    assert data["days"] == [str(d) for d in days] and data["movementFrom"] == str(DAY0)
    # The replayed day ran last: the account list shows its stages, not the latest snapshot's.
    middle = DAY0 + dt.timedelta(days=75)
    assert data["currentDay"] == str(middle) and data["movementToCurrent"] is False
    assert ok(gql(QUERY, {"from": str(DAY0), "to": str(middle + dt.timedelta(days=2))}, token))["movementToCurrent"]
    for name, column in (("stages", "stage"), ("cpmCells", "cpm_cell"), ("rfmSegments", "rfm_segment")):
        got = {(p["day"], p["value"]): p["accounts"] for p in data[name]}
        for day in days:
            counts = rescored[day][column].value_counts()
            # Prospects have a stage but no CPM cell or RFM segment ('' is not a bucket).
            for value in set(v for d in days for v in rescored[d][column]) - {""}:
                assert got[(str(day), value)] == counts.get(value, 0), (name, day, value)
    dormant = {p["day"]: p["accounts"] for p in data["savedSegments"] if p["name"] == "dormant"}
    for day in days[1:]:  # counted by each run after the segment was saved
        assert dormant[str(day)] == (rescored[day]["stage"] == "dormant").sum()
    moves = {(m["fromStage"], m["toStage"]): m["accounts"] for m in data["movement"]}
    assert moves == expected_movement(rescored, DAY0, end)
    assert sum(n for (a, b), n in moves.items() if a != b) > 10  # 150 days later, stages did move
    # From the replayed day, and from a day between snapshots (reads the snapshot before it).
    later = ok(gql(QUERY, {"from": str(middle + dt.timedelta(days=3)), "to": str(end)}, token))
    assert {(m["fromStage"], m["toStage"]): m["accounts"] for m in later["movement"]} == expected_movement(
        rescored, middle, end)


ACCOUNTS = """query($filter: LtvAccountFilterInput) { ltvAccounts(filter: $filter, first: 1) { totalCount } }"""


def cell_filter(start, end, a: str, b: str) -> dict:
    """A movement cell as the account list's filter: stage on `start` is a, on `end` b ('' = none)."""
    return {"channel": CHANNEL, "spec": json.dumps({"all": [
        {"stage_on": {"day": str(start), "stages": [a or "none"]}},
        {"stage_on": {"day": str(end), "stages": [b or "none"]}}]})}


def test_each_movement_cell_opens_the_accounts_behind_it(rescored, gql, key_for):
    """The filter language's stage_on reads the stage history in SQL; each cell's count in the account
    list equals pandas over the metrics each run left, among the accounts scored now (the list's rows)."""
    token = key_for()
    middle, end = DAY0 + dt.timedelta(days=75), DAY0 + dt.timedelta(days=150)
    now = set(metrics_now()["account_id"])
    for start, stop in ((DAY0, end), (DAY0, middle), (middle + dt.timedelta(days=3), end)):
        first = rescored[max(d for d in rescored if d <= start)].set_index("account_id")["stage"]
        last = rescored[max(d for d in rescored if d <= stop)].set_index("account_id")["stage"]
        checked = 0
        for (a, b) in expected_movement(rescored, max(d for d in rescored if d <= start),
                                        max(d for d in rescored if d <= stop)):
            expected = sum(1 for account in now if first.get(account, "") == a and last.get(account, "") == b)
            got = ok_accounts(gql(ACCOUNTS, {"filter": cell_filter(start, stop, a, b)}, token))
            assert got == expected, (start, stop, a, b)
            checked += expected > 0
        assert checked >= 5
    # a bad day or stage is refused naming the path
    bad = gql(ACCOUNTS, {"filter": {"channel": CHANNEL, "spec": json.dumps(
        {"stage_on": {"day": "2026-13-01", "stages": ["sleepy"]}})}}, token)
    fields = {f["field"] for f in bad["errors"][0]["extensions"]["fields"]}
    assert {"filter.stage_on.day", "filter.stage_on.stages"} <= fields, bad


def ok_accounts(result) -> int:
    assert "errors" not in result, result
    return result["data"]["ltvAccounts"]["totalCount"]


def test_rest_csv_and_bad_ranges(rescored, gql, key_for):
    token = key_for()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    end = DAY0 + dt.timedelta(days=150)
    params = {"channel": CHANNEL, "from": str(DAY0), "to": str(end)}
    body = client.get(REST, params).json()
    graph = ok(gql(QUERY, {"from": str(DAY0), "to": str(end)}, token))
    assert [[m["from_stage"], m["to_stage"], m["accounts"]] for m in body["movement"]] == [
        [m["fromStage"], m["toStage"], m["accounts"]] for m in graph["movement"]]
    response = client.get(REST, {**params, "table": "movement", "format": "csv", "encoding": "shift_jis"})
    assert response.status_code == 200 and "shift_jis" in response["Content-Type"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("cp932"))))
    assert [(r["from_stage"], r["to_stage"], int(r["accounts"])) for r in rows] == [
        (m["fromStage"], m["toStage"], m["accounts"]) for m in graph["movement"]]
    stages = client.get(REST, {**params, "table": "stages", "format": "csv"})
    assert stages.content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.DictReader(io.StringIO(stages.content.decode("utf-8-sig"))))) == len(graph["stages"])
    # Bad input names the field.
    for bad, field in (({"from": str(end), "to": str(DAY0)}, "from"),
                       ({"from": "2020-01-01", "to": str(end)}, "from"),
                       ({"from": "2026-13-01"}, "from"), ({"table": "nothing"}, "table")):
        answer = client.get(REST, {**params, **bad})
        assert answer.status_code in (400, 422), (bad, answer.content)
        assert answer.json()["errors"][0]["field"] == field, (bad, answer.json())
    wrong = gql(QUERY, {"from": str(end), "to": str(DAY0)}, token)
    assert wrong["errors"][0]["extensions"]["fields"][0]["field"] == "from"
    assert Client().get(REST, params).status_code == 401


def test_before_the_stage_history_the_movement_starts_with_it(scored_shop, gql, key_for):
    data = ok(gql(QUERY, {"from": "2026-06-01", "to": str(DAY0)}, key_for()))
    assert data["movementFrom"] == str(DAY0)  # the shop's only run: everyone stays where they are
    assert all(m["fromStage"] == m["toStage"] for m in data["movement"])
    assert sum(m["accounts"] for m in data["movement"]) == AccountMetrics.objects.filter(
        channel=CHANNEL, currency="JPY").count()
    empty = ok(gql(QUERY, {"from": "2020-01-01", "to": "2020-02-01"}, key_for()))
    assert empty["movementFrom"] is None and empty["movement"] == [] and empty["stages"] == []
