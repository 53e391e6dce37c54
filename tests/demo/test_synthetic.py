"""The synthetic shop is deterministic, realistic in shape, and keeps its truth."""

import hashlib
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest

from saleor_ltv_plugin.demo.synthetic import generate_shop
from saleor_ltv_plugin.ingest.account_keys import normalise_company_name


@pytest.fixture(scope="module")
def shop():
    return generate_shop(n_companies=1500, seed=7)


def fingerprint(shop) -> str:
    digest = hashlib.sha256()
    for order in shop.orders:
        digest.update(repr((order.external_id, order.created_at, order.total_gross, order.company_name,
                            order.email, order.status, order.refunded_amount, order.lines)).encode())
    return digest.hexdigest()


def test_same_seed_same_shop_other_seed_other_shop(shop):
    assert fingerprint(generate_shop(n_companies=1500, seed=7)) == fingerprint(shop)
    assert fingerprint(generate_shop(n_companies=1500, seed=8)) != fingerprint(shop)


def orders_by_company(shop):
    grouped = defaultdict(list)
    for order in shop.orders:
        grouped[order.company_key].append(order)
    return grouped


def test_about_a_quarter_of_buying_companies_ordered_once(shop):
    counts = [len(orders) for orders in orders_by_company(shop).values()]
    share = sum(1 for c in counts if c == 1) / len(counts)
    assert 0.18 <= share <= 0.40
    assert max(counts) >= 20  # and some companies buy often


def test_observed_gaps_follow_the_true_rhythm(shop):
    truth = {c.key: c for c in shop.companies}
    ratios = []
    for key, orders in orders_by_company(shop).items():
        company = truth[key]
        if company.pattern not in ("steady", "churning", "new") or len(orders) < 6:
            continue
        days = sorted({o.created_at.date() for o in orders})
        gaps = [(b - a).days for a, b in zip(days, days[1:])]
        ratios.append(statistics.median(gaps) / company.true_interval_days)
    assert len(ratios) > 100
    assert 0.7 <= statistics.median(ratios) <= 1.3


def test_churned_companies_stop_and_prospects_never_buy(shop):
    grouped = orders_by_company(shop)
    churned = [c for c in shop.companies if c.churn_at]
    assert churned
    for company in churned:
        assert all(o.created_at <= company.churn_at for o in grouped[company.key])
    prospects = [c for c in shop.companies if c.pattern == "prospect"]
    assert prospects and not any(grouped.get(c.key) for c in prospects)


def test_every_spelling_of_a_company_normalises_to_one_key_and_companies_stay_apart(shop):
    keys = {}
    for company in shop.companies:
        normalised = {normalise_company_name(name) for name in company.name_variants}
        assert len(normalised) == 1, company.name_variants
        keys[normalised.pop()] = company.key
    assert len(keys) == len(shop.companies)
    assert sum(1 for c in shop.companies if len(c.name_variants) > 1) > len(shop.companies) / 3


def test_money_adds_up(shop):
    for order in shop.orders:
        assert order.total_gross == sum((line.total for line in order.lines), Decimal(0))
        assert 0 <= order.refunded_amount <= order.total_gross
        assert all(line.total == line.unit_price * line.quantity and line.quantity >= 1 for line in order.lines)
    assert shop.orders == sorted(shop.orders, key=lambda o: o.created_at)
    statuses = {o.status for o in shop.orders}
    assert {"fulfilled", "canceled", "returned"} <= statuses
