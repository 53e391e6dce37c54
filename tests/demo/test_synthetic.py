"""The synthetic shop is deterministic, realistic in shape, and keeps its truth.

Pure Python + numpy + pandas: no Django needed (the normaliser checked here is pure too).
The stage mix is computed here from the orders themselves (DESIGN.md's definitions),
not by the engine, so the engine's tests can rely on it.
"""

import hashlib
import re
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.demo.synthetic import (
    ORDER_STATUSES,
    PATTERNS,
    SyntheticShop,
    generate_shop,
)
from saleor_ltv_plugin.ingest.account_keys import normalise_company_name

END = date(2026, 11, 1)
JST = timezone(timedelta(hours=9))
START_AT = datetime(2023, 11, 1, tzinfo=JST)
END_AT = datetime(2026, 11, 1, tzinfo=JST)


@pytest.fixture(scope="module")
def shop() -> SyntheticShop:
    return generate_shop(n_companies=1500, seed=7, end=END)


@pytest.fixture(scope="module")
def by_company(shop):
    grouped = defaultdict(list)
    for order in shop.orders:
        grouped[order.company_key].append(order)
    return grouped


@pytest.fixture(scope="module")
def truth(shop):
    return {company.key: company for company in shop.companies}


def fingerprint(shop: SyntheticShop) -> str:
    """A hash of everything generated (dataclass reprs include every field)."""
    digest = hashlib.sha256()
    for part in (shop.companies, shop.contacts, shop.orders, shop.checkouts, shop.products):
        for item in part:
            digest.update(repr(item).encode())
    return digest.hexdigest()


def gaps_in_days(datetimes) -> list[int]:
    days = sorted({moment.astimezone(JST).date() for moment in datetimes})
    return [(later - earlier).days for earlier, later in zip(days, days[1:])]


# --------------------------------------------------------------------------- determinism, scale


def test_same_seed_same_shop_other_seed_other_shop(shop):
    assert fingerprint(generate_shop(n_companies=1500, seed=7, end=END)) == fingerprint(shop)
    assert fingerprint(generate_shop(n_companies=1500, seed=8, end=END)) != fingerprint(shop)


def test_the_number_of_orders_grows_linearly_and_generation_stays_quick(shop):
    started = time.perf_counter()
    small = generate_shop(n_companies=300, seed=7, end=END)
    elapsed = time.perf_counter() - started
    per_company_small = len(small.orders) / 300
    per_company = len(shop.orders) / len(shop.companies)
    assert 5 <= per_company <= 10  # 3,000 companies × 3 years → 15k–30k orders (the demo loads them all)
    assert 0.75 <= per_company_small / per_company <= 1.25
    assert elapsed < 20  # ~0.2 s on a laptop; only a guard against accidental quadratic work
    assert len(generate_shop(n_companies=1, seed=1).companies) == 1


def test_rejects_nonsense_sizes():
    with pytest.raises(ValueError):
        generate_shop(n_companies=0)
    with pytest.raises(ValueError):
        generate_shop(years=0)


# --------------------------------------------------------------------------- rhythm and patterns


def lifecycle(shop: SyntheticShop, as_of: date = END) -> pd.DataFrame:
    """Per buying company: occasions, recency, median gap and stage (DESIGN.md), from the orders.

    A purchase: not canceled / unconfirmed, not fully refunded; one occasion per Tokyo day.
    """
    counted = [
        (o.company_key, o.created_at.astimezone(JST).date()) for o in shop.orders
        if o.status not in ("canceled", "unconfirmed") and o.refunded_amount < o.total_gross
    ]
    days = pd.DataFrame(counted, columns=["key", "day"]).drop_duplicates()
    days["day"] = pd.to_datetime(days["day"])
    days = days.sort_values(["key", "day"])
    days["gap"] = days.groupby("key")["day"].diff().dt.days
    per = days.groupby("key").agg(occasions=("day", "size"), last=("day", "max"), median_gap=("gap", "median"))
    per["recency"] = (pd.Timestamp(as_of) - per["last"]).dt.days
    repeats, recency = per["occasions"].to_numpy() - 1, per["recency"].to_numpy()
    per["stage"] = np.select(
        [recency >= 361, recency >= 121, repeats >= 5, repeats == 0, repeats == 1],
        ["lost", "dormant", "loyal", "new", "first_repeat"], "repeat")
    per["churn_risk"] = (per["occasions"] >= 3) & (recency <= 120) & (recency > 1.5 * per["median_gap"])
    return per


@pytest.fixture(scope="module")
def stages(shop):
    return lifecycle(shop)


def test_buying_companies_come_back_as_in_b2b_but_the_shop_leaks(shop, stages, by_company):
    # B2C shops see 15–18 % second purchases (seed 003); B2B re-orders supplies, so more,
    # but well under the old 75–80 %: a shop that needs a retention CRM.
    second = (stages["occasions"] >= 2).mean()
    assert 0.35 <= second <= 0.48
    counts = [len(orders) for orders in by_company.values()]
    assert max(counts) >= 40  # and some companies buy very often
    assert all(len(by_company[c.key]) == 1 for c in shop.companies if c.pattern == "one_off")
    assert set(stages.index) <= {c.key for c in shop.companies if c.pattern != "prospect"}


def test_the_stage_mix_has_a_loyal_minority_and_a_visible_dormant_and_lost_population(stages):
    share = stages["stage"].value_counts(normalize=True)
    assert 0.10 <= share["loyal"] <= 0.21
    assert 0.14 <= share["dormant"] <= 0.28
    assert 0.35 <= share["lost"] <= 0.52
    assert 0.05 <= share["new"] <= 0.15
    assert 0.05 <= share["first_repeat"] + share["repeat"] <= 0.16
    assert share["dormant"] + share["lost"] >= 0.5  # most buyers have already slipped away
    assert share["loyal"] < share["dormant"] < share["lost"]


def test_an_overdue_group_the_churn_scenario_can_still_win_back(stages, truth):
    # Active (bought ≤ 120 days ago), with a rhythm of their own (≥ 3 occasions), and past
    # it by half a cycle: the churn-risk scenario's audience, mostly companies really leaving.
    overdue = stages[stages["churn_risk"]]
    assert len(overdue) >= 0.025 * len(stages)
    leaving = sum(truth[key].pattern == "churning" for key in overdue.index)
    assert leaving >= 0.5 * len(overdue)
    recent = [c for c in truth.values() if c.churn_at is not None and c.churn_at >= END_AT - timedelta(days=120)]
    assert len(recent) >= 0.03 * len(truth)  # stopped 30–120 days ago: not dormant yet, not lost


@pytest.mark.parametrize("companies,seed", [(300, 42), (3000, 42)])  # ltv_demo's sizes and seed
def test_the_demo_shop_has_the_same_shape_and_a_loadable_number_of_orders(companies, seed):
    demo = generate_shop(n_companies=companies, seed=seed, end=END)
    mix = lifecycle(demo)
    share = mix["stage"].value_counts(normalize=True)
    assert 0.33 <= (mix["occasions"] >= 2).mean() <= 0.50
    assert 0.08 <= share["loyal"] <= 0.23 and share["dormant"] + share["lost"] >= 0.5
    assert mix["churn_risk"].sum() >= 0.02 * len(mix)
    assert 5 * companies <= len(demo.orders) <= 10 * companies  # 3,000: 15k–30k orders


def test_every_pattern_is_present(shop):
    shares = Counter(company.pattern for company in shop.companies)
    assert set(shares) == set(PATTERNS)
    assert all(count >= 0.03 * len(shop.companies) for count in shares.values())


def test_observed_gaps_follow_the_true_rhythm(shop, by_company, truth):
    ratios = defaultdict(list)
    for key, orders in by_company.items():
        company = truth[key]
        if company.pattern == "one_off" or len(orders) < 6:
            continue
        ratios[company.pattern].append(
            statistics.median(gaps_in_days(o.created_at for o in orders)) / company.true_interval_days
        )
    everyone = [ratio for values in ratios.values() for ratio in values]
    assert len(everyone) > 250  # companies with ≥ 6 orders in a 1,500-company shop
    assert 0.6 <= statistics.median(everyone) <= 1.6
    assert sum(1 for ratio in everyone if 1 / 3 <= ratio <= 3) >= 0.95 * len(everyone)
    assert 0.75 <= statistics.median(ratios["steady"]) <= 1.25
    intervals = [c.true_interval_days for c in shop.companies]
    assert min(intervals) >= 7 and max(intervals) <= 120 and 15 <= statistics.median(intervals) <= 40


def test_regular_skus_come_back_at_their_own_interval(by_company, truth):
    ratios, from_basket, lines = [], 0, 0
    for key, orders in by_company.items():
        company = truth[key]
        regular = dict(company.regular_skus)
        assert 2 <= len(regular) <= 8
        for order in orders:
            lines += len(order.lines)
            from_basket += sum(1 for line in order.lines if line.sku in regular)
        if len(orders) < 10:
            continue
        for sku, interval in regular.items():
            gaps = gaps_in_days(o.created_at for o in orders if any(line.sku == sku for line in o.lines))
            if len(gaps) >= 3:
                ratios.append(statistics.median(gaps) / interval)
                assert interval >= company.true_interval_days * 0.99
    assert from_basket >= 0.75 * lines  # mostly the usual products, some others
    assert from_basket < lines
    assert 0.6 <= statistics.median(ratios) <= 1.6


def test_churned_companies_stop_and_prospects_never_buy(shop, by_company):
    churned = [c for c in shop.companies if c.pattern == "churning"]
    assert churned and all(c.churn_at is not None for c in churned)
    for company in churned:
        orders = by_company[company.key]
        assert orders and all(o.created_at < company.churn_at for o in orders)
        assert company.churn_at <= END_AT - timedelta(days=30)
    assert all(c.churn_at is None for c in shop.companies if c.pattern != "churning")
    prospects = [c for c in shop.companies if c.pattern == "prospect"]
    with_contacts = {contact.company_key for contact in shop.contacts}
    assert prospects
    for company in prospects:
        assert company.key not in by_company and company.first_order_at is None
        assert company.key in with_contacts


def test_new_companies_started_in_the_last_year_and_first_order_is_true(shop, by_company):
    for company in shop.companies:
        if company.pattern == "prospect":
            continue
        assert company.first_order_at == by_company[company.key][0].created_at
        if company.pattern == "new":
            assert company.first_order_at >= END_AT - timedelta(days=366)


def test_seasonal_companies_buy_more_in_their_peak_months(shop, by_company):
    in_peak = total = 0
    for company in shop.companies:
        if company.pattern != "seasonal":
            continue
        assert company.peak_months and set(company.peak_months) <= {3, 9, 12}
        months = [o.created_at.astimezone(JST).month for o in by_company[company.key]]
        in_peak += sum(1 for month in months if month in company.peak_months)
        total += len(months)
    peak_months_share = in_peak / total
    assert peak_months_share > 0.3  # 1–2 months of 12 would be 8–17 % without a season


def test_growing_companies_speed_up(shop, by_company):
    faster = slower = 0
    for company in shop.companies:
        orders = by_company.get(company.key, [])
        if company.pattern != "growing" or len(orders) < 10:
            continue
        gaps = gaps_in_days(o.created_at for o in orders)
        half = len(gaps) // 2
        if statistics.mean(gaps[half:]) < statistics.mean(gaps[:half]):
            faster += 1
        else:
            slower += 1
    assert faster > 3 * slower


# --------------------------------------------------------------------------- names, contacts


def test_every_spelling_of_a_company_normalises_to_one_key_and_companies_stay_apart(shop, by_company):
    seen = {}
    written_per_company = defaultdict(set)
    for order in shop.orders:
        written_per_company[order.company_key].add(order.company_name)
    for contact in shop.contacts:
        written_per_company[contact.company_key].add(contact.company_name)
    for company in shop.companies:
        spellings = set(company.name_variants) | written_per_company[company.key]
        assert spellings <= set(company.name_variants)  # nothing written that the truth does not list
        normalised = {normalise_company_name(name) for name in spellings}
        assert len(normalised) == 1, spellings
        assert normalised.pop() not in seen
        seen[normalise_company_name(company.display_name)] = company.key
    assert len(seen) == len(shop.companies) == len({c.key for c in shop.companies})
    repeat_buyers = [orders for orders in by_company.values() if len(orders) > 1]
    several = sum(1 for orders in repeat_buyers if len({o.company_name for o in orders}) > 1)
    assert several >= 0.25 * len(repeat_buyers)  # a sizeable share is written more than one way


def test_names_come_in_japanese_english_and_full_or_half_width_forms(shop):
    variants = [name for company in shop.companies for name in company.name_variants]
    assert any(name.startswith("株式会社") for name in variants)
    assert any(name.startswith(("(株)", "（株）", "㈱")) for name in variants)
    assert any(name.endswith(("株式会社", "(株)")) and name != "株式会社" for name in variants)
    assert any(re.search(r"Co\., ?Ltd\.?$", name) for name in variants)
    assert any(name.endswith("CO.,LTD") for name in variants)
    full_width = [n for n in variants if re.search("[Ａ-Ｚ]", n)]
    half_width_kana = [n for n in variants if re.search("[ｦ-ﾟ]", n)]
    assert full_width and half_width_kana
    assert all(unicodedata.normalize("NFKC", n) != n for n in full_width + half_width_kana)
    for company in shop.companies:  # a full-width spelling sits next to the ordinary one
        if any(re.search("[Ａ-Ｚｦ-ﾟ]", n) for n in company.name_variants):
            assert unicodedata.normalize("NFKC", company.key) == company.key


def test_contacts_are_buyers_with_company_mail_domains(shop, truth, by_company):
    per_company = Counter(contact.company_key for contact in shop.contacts)
    assert set(per_company) == set(truth)
    assert min(per_company.values()) >= 1 and max(per_company.values()) <= 5
    emails = [contact.email for contact in shop.contacts]
    assert len(set(emails)) == len(emails)
    user_ids = [c.user_id for c in shop.contacts if c.user_id]
    assert len(set(user_ids)) == len(user_ids)
    assert all(re.fullmatch(r"user-\d{6,}", user_id) for user_id in user_ids)
    for contact in shop.contacts:
        company = truth[contact.company_key]
        assert contact.email.endswith("@" + company.email_domain)
        assert re.fullmatch(r"[a-z]+\.[a-z]+\d*@[a-z0-9-]+\.example", contact.email)
        assert contact.language_code in ("ja", "en")
        assert contact.registered_at.tzinfo is not None
    languages = Counter(contact.language_code for contact in shop.contacts)
    assert languages["ja"] > 0.75 * len(shop.contacts) and languages["en"] > 0
    domains = [company.email_domain for company in shop.companies]
    assert len(set(domains)) == len(domains)
    contact_of = {contact.email: contact for contact in shop.contacts}
    guests = 0
    for order in shop.orders:
        contact = contact_of[order.email]
        assert (contact.company_key, contact.user_id, contact.language_code) == (
            order.company_key, order.user_id, order.language_code)
        assert contact.registered_at <= order.created_at  # nobody orders before signing up
        guests += order.user_id is None
    assert 0.05 <= guests / len(shop.orders) <= 0.16  # ~10 % guest orders


# --------------------------------------------------------------------------- money, statuses, dates


def test_money_adds_up(shop):
    for order in shop.orders:
        assert order.lines
        assert order.total_gross == sum((line.total for line in order.lines), Decimal(0))
        assert order.total_net == (order.total_gross / Decimal("1.1")).quantize(Decimal(1), "ROUND_HALF_UP")
        assert Decimal(0) <= order.refunded_amount <= order.total_gross
        for line in order.lines:
            assert line.quantity >= 1 and line.total == line.unit_price * line.quantity
            assert line.unit_price > 0 and line.unit_price == line.unit_price.to_integral_value()
        if order.status == "returned":
            assert order.refunded_amount == order.total_gross
        elif order.status == "partially_returned":
            assert 0 < order.refunded_amount < order.total_gross
        else:
            assert order.refunded_amount == 0
        assert (order.currency, order.channel, order.billing_country) == ("JPY", "default-channel", "JP")


def test_statuses_are_saleors_and_in_realistic_shares(shop):
    statuses = Counter(order.status for order in shop.orders)
    assert set(statuses) <= set(ORDER_STATUSES)
    total = len(shop.orders)
    assert 0.01 <= statuses["canceled"] / total <= 0.035
    assert 0.02 <= (statuses["returned"] + statuses["partially_returned"]) / total <= 0.045
    assert statuses["returned"] and statuses["partially_returned"]
    assert statuses["fulfilled"] > 0.9 * total
    still_open = ("unconfirmed", "unfulfilled", "partially_fulfilled")
    open_orders = [o for o in shop.orders if o.status in still_open]
    assert open_orders and all(o.created_at >= END_AT - timedelta(days=4) for o in open_orders)


def test_orders_are_sorted_numbered_and_dated_within_range(shop):
    assert [o.created_at for o in shop.orders] == sorted(o.created_at for o in shop.orders)
    numbers = range(1, len(shop.orders) + 1)
    assert [o.external_id for o in shop.orders] == [f"demo-order-{i:07d}" for i in numbers]
    for order in shop.orders:
        assert order.created_at.utcoffset() == timedelta(0)
        assert START_AT <= order.created_at < END_AT
    local_hours = Counter(o.created_at.astimezone(JST).hour for o in shop.orders)
    assert sum(local_hours[h] for h in range(8, 19)) > 0.85 * len(shop.orders)  # Tokyo office hours
    weekend = sum(1 for o in shop.orders if o.created_at.astimezone(JST).weekday() >= 5)
    assert weekend < 0.1 * len(shop.orders)  # B2B: weekdays mostly
    tokens = [o.checkout_token for o in shop.orders if o.checkout_token]
    assert len(set(tokens)) == len(tokens) > 0.8 * len(shop.orders)
    assert any(o.checkout_token is None for o in shop.orders)  # staff-keyed orders


def test_catalogue_has_consumables_supplies_and_equipment(shop):
    skus = [p.sku for p in shop.products]
    assert 180 <= len(skus) <= 220 and len(set(skus)) == len(skus)
    categories = Counter(p.category for p in shop.products)
    assert set(categories) == {"consumable", "supply", "equipment"}
    by_category = defaultdict(list)
    for product in shop.products:
        assert product.unit_price > 0 and product.unit_price == product.unit_price.to_integral_value()
        by_category[product.category].append(product.replenishment_days)
    assert statistics.median(by_category["consumable"]) < statistics.median(by_category["supply"])
    assert statistics.median(by_category["supply"]) < statistics.median(by_category["equipment"])
    known = set(skus)
    assert all(line.sku in known for order in shop.orders for line in order.lines)
    equipment = {p.sku for p in shop.products if p.category == "equipment"}
    bought = Counter(line.sku in equipment for order in shop.orders for line in order.lines)
    assert 0 < bought[True] < 0.05 * (bought[True] + bought[False])  # durable goods: rare


def test_abandoned_checkouts_are_recent_open_and_consistent(shop):
    assert 5 <= len(shop.checkouts) <= 50
    emails = {contact.email for contact in shop.contacts}
    tokens = {order.checkout_token for order in shop.orders}
    for checkout in shop.checkouts:
        assert END_AT - timedelta(days=7) <= checkout.last_change < END_AT
        assert checkout.email in emails and checkout.token not in tokens
        assert checkout.lines
        assert checkout.total_gross == sum(Decimal(line["amount"]) for line in checkout.lines)
        for line in checkout.lines:
            assert Decimal(line["amount"]) == Decimal(line["unit_price"]) * line["quantity"]
    assert len({c.token for c in shop.checkouts}) == len(shop.checkouts)


def test_other_end_channel_and_currency_are_honoured():
    shop = generate_shop(n_companies=40, years=1, seed=1, end=date(2025, 3, 1), channel="b2b", currency="USD")
    assert shop.orders
    assert all(o.channel == "b2b" and o.currency == "USD" for o in shop.orders)
    start, end = datetime(2024, 3, 1, tzinfo=JST), datetime(2025, 3, 1, tzinfo=JST)
    assert all(start <= o.created_at < end for o in shop.orders)
    assert all(c.channel == "b2b" for c in shop.checkouts)
