"""API latency next to the bare SQL the ORM generates, timed in the same run.

    python bench/api.py [--accounts 100000] [--rounds 60]   (PostgreSQL on 127.0.0.1, database ltv_bench_api)

Fills the plugin's tables once (100 k accounts, ~10 orders each, the generator of
bench/engine.py), recomputes, then interleaves, round by round:
  * GraphQL ltvAccounts(first: 100) with a filter and a sort (+ totalCount),
  * GraphQL ltvOverview,
  * REST segment export of every account as CSV, streamed,
each next to the SQL statements that request ran (captured from the same call),
executed bare on the same connection. Requests go through Django's full handler
in-process (no socket), so the ratio is our code's overhead over the database's work.
Targets: list and overview p95 ≤ 2× bare SQL and ≤ 100 ms; export ≥ 50 k rows/s.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _standalone import use_database  # noqa: E402

DB = use_database("LTV_BENCH_API_DATABASE", "ltv_bench_api")

import recompute as recompute_bench  # noqa: E402  (bench/recompute.py: database and COPY fill)

CHANNEL = recompute_bench.CHANNEL
PREFIX = "/plugins/global/saleor.ltv/"
LIST = """query($filter: LtvAccountFilterInput, $sort: LtvAccountSortingInput) {
  ltvAccounts(first: 100, filter: $filter, sortBy: $sort) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name metrics { stage cpmCell rfmSegment frequency lastPurchaseOn nextPurchaseOn
      overdueRatio pAlive monetary { amount currency } clv { amount } } } } } }"""
LIST_VARIABLES = {"filter": {"channel": CHANNEL, "stages": ["REPEAT", "LOYAL", "FIRST_REPEAT", "DORMANT"],
                             "pAlive": {"gte": 0.2}},
                  "sort": {"field": "OVERDUE_RATIO", "direction": "DESC"}}
OVERVIEW = """query { ltvOverview(channel: "%s") { accounts revenue f2ConversionRate
  stages { value accounts revenue } cpmCells { value accounts revenue } rfmGrid { recency frequency accounts }
  revenueByMonth { month newRevenue repeatRevenue } } }""" % CHANNEL


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(api: list[float], bare: list[float]) -> dict:
    p50, p95 = percentile(api, 0.5), percentile(api, 0.95)
    b50, b95 = percentile(bare, 0.5), percentile(bare, 0.95)
    return {"p50_ms": round(p50 * 1000, 2), "p95_ms": round(p95 * 1000, 2),
            "bare_sql_p50_ms": round(b50 * 1000, 2), "bare_sql_p95_ms": round(b95 * 1000, 2),
            "ratio_p50": round(p50 / b50, 2), "ratio_p95": round(p95 / b95, 2)}


def prepare(accounts: int) -> None:
    """The shared bench shop: `accounts` accounts with ~10 orders each, scored (filled once)."""
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from saleor_ltv_plugin.metrics.recompute import recompute_channel
    from saleor_ltv_plugin.models import AccountMetrics, OrderFact

    call_command("migrate", verbosity=0)
    n_orders = accounts * 10
    if abs(OrderFact.objects.filter(channel=CHANNEL).count() - n_orders) > n_orders * 0.05:
        print(f"filling {DB} with ~{n_orders:,} orders for {accounts:,} accounts …", flush=True)
        recompute_bench.fill(n_orders, accounts, 7)
    if AccountMetrics.objects.filter(channel=CHANNEL).count() < accounts * 0.9:
        print("recomputing …", flush=True)
        recompute_channel(CHANNEL)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE saleor_ltv_plugin_accountmetrics")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--export-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    prepare(args.accounts)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from saleor_ltv_plugin import auth
    from saleor_ltv_plugin.models import AccountMetrics

    raw_key, _ = auth.new_api_key("bench", sorted(auth.ALL_SCOPES))
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    def graphql(query, variables=None):
        response = client.post(PREFIX + "graphql/", {"query": query, "variables": variables or {}},
                               content_type="application/json")
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body

    def data_queries(call) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            call()
        return [q["sql"] for q in captured.captured_queries if "apikey" not in q["sql"]]

    def bare(statements) -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
        return time.perf_counter() - started

    def timed(call) -> float:
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    list_call = lambda: graphql(LIST, LIST_VARIABLES)  # noqa: E731
    overview_call = lambda: graphql(OVERVIEW)  # noqa: E731
    for call in (list_call, overview_call):  # warm caches and the key's last_used_at write
        call()
    list_sql, overview_sql = data_queries(list_call), data_queries(overview_call)
    # totalCount runs on another connection (queries/counting.py), out of the capture's sight:
    # add the COUNT the ORM generates for the same filter, so the bare side runs both, in turn.
    from saleor_ltv_plugin.queries.accounts import clean_filter, filter_accounts

    spec = clean_filter({"channel": CHANNEL, "stages": ["repeat", "loyal", "first_repeat", "dormant"],
                         "p_alive": {"gte": 0.2}})
    with CaptureQueriesContext(connection) as captured:
        filter_accounts(spec).count()
    assert not any("COUNT(" in sql for sql in list_sql), "expected the count off the request connection"
    list_sql += [q["sql"] for q in captured.captured_queries]
    samples = {"list": ([], []), "overview": ([], [])}
    for _ in range(args.rounds):
        samples["list"][0].append(timed(list_call))
        samples["list"][1].append(bare(list_sql))
        samples["overview"][0].append(timed(overview_call))
        samples["overview"][1].append(bare(overview_sql))

    export = export_figures(client, connection, args.export_rounds)
    result = {
        "accounts": AccountMetrics.objects.filter(channel=CHANNEL).count(),
        "list_rows": len(graphql(LIST, LIST_VARIABLES)["data"]["ltvAccounts"]["edges"]),
        "list_total": graphql(LIST, LIST_VARIABLES)["data"]["ltvAccounts"]["totalCount"],
        "list_sql_statements": len(list_sql), "overview_sql_statements": len(overview_sql),
        "ltvAccounts": figures(*samples["list"]), "ltvOverview": figures(*samples["overview"]),
        "export": export, "rounds": args.rounds,
        "targets": {"ratio_p95": 2.0, "p95_ms": 100, "export_rows_per_second": 50_000},
    }
    print(json.dumps(result))
    return result


def export_figures(client, connection, rounds: int) -> dict:
    """Stream the REST CSV export of the whole channel; bare: the same columns fetched by a cursor."""
    from saleor_ltv_plugin.api.exports import export_queryset

    url = PREFIX + f"api/v1/segments/export?channel={CHANNEL}&format=csv"
    # Bare: the SELECT the ORM generates for the export, fetched to the end by a plain cursor.
    sql, params = export_queryset({"channel": CHANNEL}).query.sql_with_params()
    best_api, best_bare, rows = None, None, 0
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            return {"error": f"{url} answered {response.status_code}"}
        lines = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        rows = lines - 1  # header
        best_api = seconds if best_api is None else min(best_api, seconds)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while cursor.fetchmany(2000):
                pass
        bare_seconds = time.perf_counter() - started
        best_bare = bare_seconds if best_bare is None else min(best_bare, bare_seconds)
    return {"rows": rows, "seconds": round(best_api, 3), "rows_per_second": round(rows / best_api),
            "bare_sql_seconds": round(best_bare, 3), "ratio": round(best_api / best_bare, 2)}


if __name__ == "__main__":
    main()
