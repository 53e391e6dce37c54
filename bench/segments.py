"""A 5-condition segment's account list next to the bare indexed list, timed in the same run.

    python bench/segments.py [--accounts 100000] [--rounds 40]   (PostgreSQL, database ltv_bench_segments)

Fills accounts and orders through COPY (bench/recompute.py's fill), adds two lines per order over
200 SKUs, a contact per account with a prefecture and consent, and a tag on one account in ten, then
recomputes. Round by round, interleaved, it runs what `ltvAccounts(first: 100)` runs (the page
query sorted by spend through queries/pagination.py, and its COUNT beside it) for
  * the segment: channel ∧ stage ∈ {repeat, loyal, first_repeat, dormant} ∧ bought SKU-0007 in the last
    365 days ∧ not bought it in the last 90 ∧ in 関東 ∧ not tagged "dm-ng" (with the channel: 6 nodes,
    5 conditions beyond it);
  * the bare indexed query: the channel only, the same sort (the ltv_metrics_by_spend index).
Target (issue 20): p95 ≤ 150 ms at 1 M accounts; this modest run reports the ratio. Last line: JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _standalone import use_database  # noqa: E402

DB = use_database("LTV_BENCH_SEGMENTS_DATABASE", "ltv_bench_segments")

import recompute as recompute_bench  # noqa: E402  (its database helpers and COPY fill)

CHANNEL = recompute_bench.CHANNEL
ORDERS_PER_ACCOUNT = 4
SEGMENT = {"channel": CHANNEL, "stages": ["repeat", "loyal", "first_repeat", "dormant"],
           "bought": {"sku": "SKU-0007", "within_days": 365}, "not": {"bought": {"sku": "SKU-0007", "within_days": 90}},
           "regions": ["kanto"], "all": [{"not": {"tags": ["dm-ng"]}}]}
BENCH_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # the generated orders end on 2025-12-31
PREFECTURES = ["東京都", "神奈川県", "大阪府", "愛知県", "福岡県", "北海道", "埼玉県", "京都府"]


def prepare(accounts: int) -> None:
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from saleor_ltv_plugin.metrics.recompute import recompute_channel
    from saleor_ltv_plugin.models import AccountMetrics, OrderFact

    call_command("migrate", verbosity=0)
    n_orders = accounts * ORDERS_PER_ACCOUNT
    if abs(OrderFact.objects.filter(channel=CHANNEL).count() - n_orders) <= n_orders * 0.05 \
            and AccountMetrics.objects.filter(channel=CHANNEL).count() >= accounts * 0.9:
        return
    print(f"filling {DB}: ~{n_orders:,} orders for {accounts:,} accounts …", flush=True)
    with connection.cursor() as cursor:  # before the fill: orders reference contacts, a CASCADE would empty them
        cursor.execute("TRUNCATE saleor_ltv_plugin_contact, saleor_ltv_plugin_accounttag RESTART IDENTITY CASCADE")
    recompute_bench.fill(n_orders, accounts, 11)
    with connection.cursor() as cursor:
        cursor.execute("""INSERT INTO saleor_ltv_plugin_orderlinefact
            (order_id, line_ref, variant_id, product_id, sku, product_name, variant_name, product_slug, image_url,
             quantity, unit_price, amount, account_id, ordered_at, counts_as_purchase)
            SELECT o.id, n::text, '', ((o.id * 7 + n * 13) % 200 / 2)::text,
                   'SKU-' || lpad(((o.id * 7 + n * 13) % 200)::text, 4, '0'), '', '', '', '', 1, 1000, 1000,
                   o.account_id, o.created_at, o.counts_as_purchase
            FROM saleor_ltv_plugin_orderfact o CROSS JOIN generate_series(1, 2) n""")
        prefectures = "ARRAY[" + ",".join(f"'{p}'" for p in PREFECTURES) + "]"
        cursor.execute(f"""INSERT INTO saleor_ltv_plugin_contact
            (id, external_key, email, first_name, last_name, company_name, language_code, metadata, company_confirmed,
             marketing_consent, phone, line_user_id, address_postal_code, address_country, address_prefecture,
             address_city, address_line1, address_line2, address_company, address_department, address_person,
             created_at, updated_at)
            SELECT a.id, 'bench-' || a.id, 'buyer' || a.id || '@example.com', '', '', '', 'ja', '{{}}', false,
                   (ARRAY['granted','unknown','revoked'])[1 + a.id % 3], '', '', '', 'JP',
                   ({prefectures})[1 + (a.id * 31) % {len(PREFECTURES)}], '', '', '', '', '', '', now(), now()
            FROM saleor_ltv_plugin_account a""")
        cursor.execute("""INSERT INTO saleor_ltv_plugin_accountcontact (account_id, contact_id, first_seen_at,
            last_seen_at, confirmed_by) SELECT id, id, now(), now(), '' FROM saleor_ltv_plugin_account""")
        cursor.execute("""INSERT INTO saleor_ltv_plugin_accounttag (account_id, tag, source, created_at)
            SELECT id, 'dm-ng', 'bench', now() FROM saleor_ltv_plugin_account WHERE id % 10 = 0""")
        cursor.execute("SELECT setval(pg_get_serial_sequence('saleor_ltv_plugin_contact', 'id'), %s)", [accounts])
    print("recomputing …", flush=True)
    recompute_channel(CHANNEL)
    with connection.cursor() as cursor:
        for table in ("accountmetrics", "orderlinefact", "contact", "accountcontact", "accounttag"):
            cursor.execute(f"VACUUM ANALYZE saleor_ltv_plugin_{table}")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    prepare(args.accounts)
    from saleor_ltv_plugin.models import AccountMetrics
    from saleor_ltv_plugin.queries.accounts import clean_filter, clean_sort, filter_accounts
    from saleor_ltv_plugin.queries.pagination import paginate

    keys = clean_sort("monetary", "desc")

    def orm(spec: dict) -> tuple[float, int]:
        """What the list runs: the page (nulls last, keyset order, as the index is built) and its count."""
        started = time.perf_counter()
        qs = filter_accounts(clean_filter(spec), now=BENCH_NOW).select_related("account")
        page = paginate(qs, keys, first=100, with_count=True)
        total = page.total_count()
        return time.perf_counter() - started, total

    specs = {"segment": SEGMENT, "bare": {"channel": CHANNEL}}
    samples: dict[str, list[float]] = {name: [] for name in specs}
    totals = {}
    for spec in specs.values():  # warm the caches
        orm(spec)
    for _ in range(args.rounds):
        for name, spec in specs.items():
            seconds, totals[name] = orm(spec)
            samples[name].append(seconds)
    p95 = {k: percentile(v, 0.95) for k, v in samples.items()}
    p50 = {k: percentile(v, 0.5) for k, v in samples.items()}
    result = {
        "accounts": AccountMetrics.objects.filter(channel=CHANNEL).count(),
        "segment_conditions": 5, "segment_matches": totals["segment"], "bare_matches": totals["bare"],
        "segment_p50_ms": round(p50["segment"] * 1000, 1), "segment_p95_ms": round(p95["segment"] * 1000, 1),
        "bare_p50_ms": round(p50["bare"] * 1000, 1), "bare_p95_ms": round(p95["bare"] * 1000, 1),
        "ratio_p95": round(p95["segment"] / p95["bare"], 2), "rounds": args.rounds,
        "target": {"p95_ms_at_1M": 150},
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
