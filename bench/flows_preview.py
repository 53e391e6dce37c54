"""Preview render time (issue 16: p95 ≤ 150 ms), next to a bare Django template render of the
old message.html, in one run.

    python bench/flows_preview.py [--companies 400] [--previews 400]
    (PostgreSQL on 127.0.0.1, database ltv_bench_flows_preview)

A synthetic B2B shop from the demo helpers (generate_shop → load_shop through the ingest path,
then recompute: accounts, buyers, orders with lines, SKU rhythms). For accounts drawn at random,
each round times, interleaved:
* preview: `content.preview.preview(doc, lang, channel, account_id)` — finding the buyer, its
  cart / due SKUs / last order, product facts, and rendering HTML and text — as ltvFlowPreview
  will run it, for a ready scenario's step document (rotating through all of them, ja and en);
* render: `content.render` alone on the same, already built context;
* bare: `django.template.Template(old message.html).render()` with that mail's values already
  computed (what rendering cost before, without any lookup).
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _standalone import use_database  # noqa: E402

DB = use_database("LTV_BENCH_FLOWS_PREVIEW_DATABASE", "ltv_bench_flows_preview")

import recompute as recompute_bench  # noqa: E402  (bench/recompute.py: creates the database)

OLD_TEMPLATE = Path(__file__).resolve().parent / "fixtures" / "old_message.html"
SENDER = {"sender_name": "デモ商事株式会社", "sender_email": "info@demo-shop.example",
          "sender_postal_address": "〒100-0005 東京都千代田区丸の内1-1-1 デモビル5F",
          "public_url": "https://demo-shop.example/plugins/global/saleor.ltv/", "shop_url": "https://demo-shop.example/",
          "product_url_template": "https://demo-shop.example/products/{slug}", "account_key": "company",
          "timezone": "Asia/Tokyo"}


def build_shop(companies: int, seed: int) -> None:
    from django.apps import apps
    from django.db import connection

    from saleor_ltv_plugin.demo.loader import load_shop
    from saleor_ltv_plugin.demo.synthetic import generate_shop
    from saleor_ltv_plugin.metrics.recompute import recompute

    tables = [m._meta.db_table for m in apps.get_app_config("saleor_ltv_plugin").get_models()]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
    started = time.perf_counter()
    counts = load_shop(generate_shop(n_companies=companies, seed=seed))
    recompute()
    print(f"shop: {counts['orders']} orders, {counts['contacts']} contacts in {time.perf_counter() - started:.1f} s",
          flush=True)


def old_values(mail_context, lang: str, copy: dict) -> dict:
    """What render.buyer_email handed the old template (everything computed beforehand)."""
    return {"lang": lang, "subject": copy["subject"], "intro": copy["intro"], "cta_label": copy["cta"],
            "cta_url": mail_context.targets["shop"], "items": mail_context.items,
            "with_images": any(i["image_url"] for i in mail_context.items), "total": mail_context.total,
            "sender_name": mail_context.sender_name, "sender_postal_address": mail_context.sender_postal_address,
            "sender_email": mail_context.sender_email, "unsubscribe_url": mail_context.unsubscribe_url,
            "open_url": "https://demo-shop.example/t/o/x.gif"}


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=400)
    parser.add_argument("--previews", type=int, default=400)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true", help="build the shop again even if one is there")
    args = parser.parse_args(argv)
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.template import Context, Engine

    from saleor_ltv_plugin.automation.catalog import SCENARIOS
    from saleor_ltv_plugin.automation.content import render, template_content
    from saleor_ltv_plugin.automation.content.preview import preview, preview_context
    from saleor_ltv_plugin.models import Account, AccountContact

    settings.LTV_PLUGIN = SENDER
    call_command("migrate", verbosity=0)
    if args.rebuild or Account.objects.count() < args.companies * 0.9:
        build_shop(args.companies, args.seed)
    accounts = list(AccountContact.objects.values_list("account_id", "account__channel").distinct())
    random.Random(args.seed).shuffle(accounts)
    steps = [(key, step) for key, s in SCENARIOS.items() if s.mails_buyer
             for step in range(len(s.params["delays_hours"].default))]
    old = Engine(autoescape=True).from_string(OLD_TEMPLATE.read_text())
    ours, render_only, bare = [], [], []
    for n in range(args.previews):
        account_id, channel = accounts[n % len(accounts)]
        key, step = steps[n % len(steps)]
        lang = ("ja", "en")[n % 2]
        doc = template_content(key, step)
        started = time.perf_counter()
        mail = preview(doc, lang, channel=channel, account_id=account_id)
        ours.append(time.perf_counter() - started)
        context = preview_context(channel, account_id)
        started = time.perf_counter()
        render(doc, lang, context)
        render_only.append(time.perf_counter() - started)
        values = Context(old_values(context, lang, SCENARIOS[key].step_copy(step)[lang]))
        started = time.perf_counter()
        old.render(values)
        bare.append(time.perf_counter() - started)
        assert "{" not in mail.text and mail.html.count("sender-block") == 1
    ms = {name: [v * 1000 for v in values] for name, values in
          (("preview", ours), ("render", render_only), ("bare", bare))}
    figures = {"previews": args.previews, "accounts": len(accounts), "documents": len(steps)}
    for name, values in ms.items():
        figures[f"{name}_ms_p50"] = round(statistics.median(values), 3)
        figures[f"{name}_ms_p95"] = round(percentile(values, 95), 3)
    figures["preview_to_bare_p50"] = round(figures["preview_ms_p50"] / figures["bare_ms_p50"], 2)
    figures["preview_to_bare_p95"] = round(figures["preview_ms_p95"] / figures["bare_ms_p95"], 2)
    figures["render_to_bare_p50"] = round(figures["render_ms_p50"] / figures["bare_ms_p50"], 2)
    figures["target_p95_ms"] = 150
    figures["meets_target"] = figures["preview_ms_p95"] <= 150
    for name in ms:
        print(f"{name:8s} p50 {figures[f'{name}_ms_p50']:8.3f} ms   p95 {figures[f'{name}_ms_p95']:8.3f} ms")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
