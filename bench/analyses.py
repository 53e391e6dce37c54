"""The Analyses queries next to the bare COPY of the order columns they read, timed in the same run.

    python bench/analyses.py [--accounts 20000] [--rounds 3]   (PostgreSQL, database ltv_bench_api)

Uses bench/api.py's shop (filled and scored once; ~10 orders per account). Each round runs every
analysis through Django's full GraphQL handler in-process and, beside it, the COPY of the counted
orders' columns (account, moment in shop time, amount, sales source) that the cohort and buying
analyses load: the ratio is what the analysis adds over reading its input. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api as api_bench  # noqa: E402  (sets the database up before Django loads)

CHANNEL = api_bench.CHANNEL
QUERIES = {
    "cohorts": '{ ltvCohorts(channel: "%s", months: 36) { cells { retention } } }',
    "buying_patterns": '{ ltvBuyingPatterns(channel: "%s") { hourWeekday { orders } priceBands { orders } '
                       'purchasesPerMonth { accountMonths } } }',
    "products": '{ ltvProductInsights(channel: "%s", first: 200) { productRepeat { sku } transitions { lift } } }',
    "crosstab": '{ ltvCrosstab(channel: "%s", x: "stage", y: "cpm_cell", measure: "aov") { cells { value } } }',
    "crosstab_source": '{ ltvCrosstab(channel: "%s", x: "sales_source", y: "rfm_segment") { cells { value } } }',
    "rfmi": '{ ltvRfmi(channel: "%s") { cells { accounts } } }',
}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    api_bench.prepare(args.accounts)
    from django.test import Client

    from saleor_ltv_plugin import auth
    from saleor_ltv_plugin.metrics import load
    from saleor_ltv_plugin.models import OrderFact
    from saleor_ltv_plugin.queries.overview import main_currency

    raw_key, _ = auth.new_api_key("bench", ["metrics:read"])
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    currency = main_currency(CHANNEL)

    def run(query: str) -> float:
        started = time.perf_counter()
        response = client.post(api_bench.PREFIX + "graphql/", {"query": query % CHANNEL}, content_type="application/json")
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return time.perf_counter() - started

    def bare_copy() -> float:
        started = time.perf_counter()
        load.load_order_times(CHANNEL, currency, "Asia/Tokyo")
        return time.perf_counter() - started

    times: dict[str, list[float]] = {name: [] for name in QUERIES}
    copies: list[float] = []
    for name in QUERIES:  # warm up
        run(QUERIES[name])
    for _ in range(args.rounds):
        copies.append(bare_copy())
        for name, query in QUERIES.items():
            times[name].append(run(query))
    copy = statistics.median(copies)
    result = {"accounts": args.accounts, "orders": OrderFact.objects.filter(channel=CHANNEL).count(),
              "order_copy_ms": round(copy * 1000, 1),
              **{f"{name}_ms": round(statistics.median(t) * 1000, 1) for name, t in times.items()},
              **{f"{name}_ratio_to_copy": round(statistics.median(t) / copy, 2) for name, t in times.items()}}
    for name in QUERIES:
        print(f"{name:16s} {result[name + '_ms']:9.1f} ms  = {result[name + '_ratio_to_copy']:5.2f}× the order COPY")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
