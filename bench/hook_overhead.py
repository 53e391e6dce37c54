"""checkoutComplete latency in a real Saleor with the plugin active vs inactive.

Run in Saleor's venv (`make bench-hook-overhead`). Checkouts alternate between the two
states (toggled through Saleor's pluginUpdate mutation, untimed) so that machine noise hits
both sides alike; only the checkoutComplete request is timed. Target: median ratio <= 1.01 (issue 18).
Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.saleor_tier import saleor_env, storefront  # noqa: E402

TOGGLE = """mutation($a:Boolean!){pluginUpdate(id:"saleor.ltv", input:{active:$a}){
    plugin{id} errors{field message}}}"""


def set_active(url: str, token: str, active: bool) -> None:
    storefront.gql(url, TOGGLE, {"a": active}, token)


def timed_checkout(url: str, variant: str, tag: str) -> float:
    """Prepare a checkout untimed, then time checkoutComplete alone (seconds)."""
    address = {**storefront.ADDRESS, "companyName": f"Bench {tag}"}
    created = storefront.gql(url, """mutation($i:CheckoutCreateInput!){checkoutCreate(input:$i){
        checkout{id shippingMethods{id}} errors{field message}}}""",
        {"i": {"channel": saleor_env.CHANNEL, "email": f"bench-{tag}@example.com", "shippingAddress": address,
               "billingAddress": address, "lines": [{"variantId": variant, "quantity": 1}]}})["checkoutCreate"]["checkout"]
    total = storefront.gql(url, """mutation($id:ID!,$m:ID!){checkoutDeliveryMethodUpdate(id:$id,deliveryMethodId:$m){
        checkout{totalPrice{gross{amount}}} errors{field message}}}""",
        {"id": created["id"], "m": created["shippingMethods"][0]["id"]}
    )["checkoutDeliveryMethodUpdate"]["checkout"]["totalPrice"]["gross"]["amount"]
    storefront.gql(url, """mutation($id:ID!,$i:PaymentInput!){checkoutPaymentCreate(id:$id,input:$i){
        payment{id} errors{field message}}}""",
        {"id": created["id"], "i": {"gateway": "mirumee.payments.dummy", "token": "charged", "amount": total}})
    started = time.perf_counter()
    storefront.gql(url, "mutation($id:ID!){checkoutComplete(id:$id){order{id} errors{field message}}}",
                   {"id": created["id"]})
    return time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkouts", type=int, default=200, help="per state (default 200)")
    parser.add_argument("--database-ready", action="store_true",
                        help="the tier's database is already migrated and populated (skip `migrate`)")
    parser.add_argument("--url", help="a Saleor already serving the tier's database (the Saleor tier's own); "
                                      "without it the bench starts one")
    args = parser.parse_args()
    if not args.database_ready and not args.url:
        saleor_env.prepare_database()
    with (nullcontext(args.url) if args.url else saleor_env.running_server("bench-hook-overhead")) as url:
        token = storefront.staff_token(url)
        variants = storefront.purchasable_variants(url, 3)
        samples: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(3):  # warm-up: caches, connections, JIT-less first-call costs
            timed_checkout(url, variants[0]["id"], uuid.uuid4().hex[:8])
        try:
            for index in range(args.checkouts * 2):
                active = index % 4 in (0, 3)  # ABBA order cancels drift within each block
                set_active(url, token, active)
                variant = variants[index % len(variants)]["id"]
                samples[active].append(timed_checkout(url, variant, uuid.uuid4().hex[:8]))
                if index % 50 == 49:
                    print(f"{index + 1} checkouts", file=sys.stderr)
        finally:
            set_active(url, token, True)
    on, off = samples[True], samples[False]
    result = {
        "checkouts_per_state": args.checkouts,
        "active_median_ms": round(statistics.median(on) * 1000, 2),
        "inactive_median_ms": round(statistics.median(off) * 1000, 2),
        "active_p95_ms": round(p95(on) * 1000, 2),
        "inactive_p95_ms": round(p95(off) * 1000, 2),
    }
    result["median_ratio"] = round(result["active_median_ms"] / result["inactive_median_ms"], 4)
    result["p95_ratio"] = round(result["active_p95_ms"] / result["inactive_p95_ms"], 4)
    result["target_median_ratio"] = 1.01
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
