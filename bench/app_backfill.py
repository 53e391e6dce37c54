"""Backfill speed of the external App: orders/s through its GraphQL client against a local Saleor.

Run in Saleor's venv (`make bench-app-backfill`, or `python bench/app_backfill.py --orders 100000`). It
places one real order through Saleor's API, copies it in SQL to `--orders` orders (each with its own buyer e-mail), installs an App with
a token, then times over the same orders in one run:
  read     the walk alone: every page of 100 fetched with the App's query, nothing mapped or written
           (what Saleor itself costs: the floor for any GraphQL backfill);
  app      the App's backfill (hosts/saleor_app/sync.py): fetch, map, write the facts;
  plugin   the plugin's in-process ORM backfill of the same orders (hosts/saleor_plugin/sync.py).
Facts are written into the tier database's plugin tables, emptied before each writer. Target: app
≥ 1,000 orders/s at 100 k. Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from saleor_ltv_plugin.hosts.saleor_app import subscriptions  # noqa: E402
from saleor_ltv_plugin.hosts.saleor_app.client import SaleorClient  # noqa: E402
from tests.saleor_tier import saleor_env, storefront  # noqa: E402

TARGET = 1000  # orders/s


def probe(call: str) -> dict:
    out = saleor_env.django_admin("shell", "-c", f"from tests.saleor_tier import app_probe; app_probe.{call}")
    return json.loads(out.strip().splitlines()[-1])


def copy_order(template_pk: str, copies: int) -> None:
    """`copies` copies of one order and its lines, numbered from Saleor's own sequence, in SQL."""
    with saleor_env.connect() as conn:
        def columns(table: str, skip: set[str]) -> list[str]:
            rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                                "ORDER BY ordinal_position", (table,)).fetchall()
            return [name for (name,) in rows if name not in skip]

        order_cols = columns("order_order", {"id", "number", "user_email"})
        line_cols = columns("order_orderline", {"id", "order_id"})
        with conn.transaction():
            conn.execute("CREATE TEMP TABLE bench_new ON COMMIT DROP AS SELECT gen_random_uuid() AS id, "
                         "nextval('order_order_number_seq') AS number FROM generate_series(1, %s)", (copies,))
            conn.execute(f"""INSERT INTO order_order (id, number, user_email, {", ".join(order_cols)})
                SELECT b.id, b.number, 'bench-' || b.number || '@example.com', {", ".join("o." + c for c in order_cols)}
                FROM bench_new b, order_order o WHERE o.id = %s""", (template_pk,))
            conn.execute(f"""INSERT INTO order_orderline (id, order_id, {", ".join(line_cols)})
                SELECT gen_random_uuid(), b.id, {", ".join("l." + c for c in line_cols)}
                FROM bench_new b, order_orderline l WHERE l.order_id = %s""", (template_pk,))


def read_all(client: SaleorClient, after_number: int) -> int:
    """Every page of the App's order query, fetched and dropped."""
    seen, after = 0, None
    where = {"number": {"range": {"gte": after_number + 1}}}
    while True:
        data = client.execute(subscriptions.ORDERS_PAGE, {"first": 100, "after": after, "where": where})["orders"]
        seen += len(data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        after = data["pageInfo"]["endCursor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="orders to backfill (default 100000)")
    parser.add_argument("--database-ready", action="store_true", help="the tier's database is already prepared")
    parser.add_argument("--url", help="a Saleor already serving the tier's database; without it the bench starts one")
    args = parser.parse_args()
    if not args.database_ready and not args.url:
        saleor_env.prepare_database()
    # As production serves it: DEBUG off (on, Saleor keeps every SQL query of a request) and two workers.
    # Off DEBUG Saleor signs its tokens with a key it is given (RSA_PRIVATE_KEY): a fresh one per run.
    serving = saleor_env.running_server("bench-app-backfill", workers=2, DEBUG="False", RSA_PRIVATE_KEY=rsa_key())
    with (nullcontext(args.url) if args.url else serving) as url:
        variants = storefront.purchasable_variants(url, 2)
        tag = uuid.uuid4().hex[:8]
        template = storefront.complete_checkout(url, f"bench-{tag}@example.com", f"Bench Trading {tag}",
                                                [(variants[0]["id"], 2), (variants[1]["id"], 1)])
        after_number = int(template["number"]) - 1
        started = time.perf_counter()
        copy_order(saleor_env_pk(template["id"]), args.orders - 1)
        print(f"{args.orders} orders in Saleor in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        app = probe(f"make_app({tag!r})")
        client = SaleorClient(url + "/graphql/", app["token"])
        started = time.perf_counter()
        read = read_all(client, after_number)
        read_seconds = time.perf_counter() - started
        print(f"read {read} orders in {read_seconds:.1f} s", file=sys.stderr)
        timed = probe(f"bench_backfill({url + '/graphql/'!r}, {app['token']!r}, {after_number})")
    result = {
        "orders": args.orders,
        "read_orders": read,
        "app_orders": timed["app"]["orders"],
        "app_facts": timed["app_facts"],
        "plugin_facts": timed["plugin_facts"],
        "read_seconds": round(read_seconds, 2),
        "app_seconds": round(timed["app_seconds"], 2),
        "plugin_seconds": round(timed["plugin_seconds"], 2),
        "read_orders_per_s": round(read / read_seconds, 1),
        "app_orders_per_s": round(timed["app"]["orders"] / timed["app_seconds"], 1),
        "plugin_orders_per_s": round(timed["plugin_orders"] / timed["plugin_seconds"], 1),
        "app_requests": timed["app"]["requests"],
    }
    result["app_vs_read_ratio"] = round(result["app_seconds"] / result["read_seconds"], 3)
    result["app_vs_plugin_ratio"] = round(result["app_seconds"] / result["plugin_seconds"], 3)
    result["target_orders_per_s"] = TARGET
    result["target_met"] = result["app_orders_per_s"] >= TARGET
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(result))


def rsa_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def saleor_env_pk(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]


if __name__ == "__main__":
    main()
