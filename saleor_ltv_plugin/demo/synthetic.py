"""A deterministic synthetic B2B shop: companies with known buying rhythms.

Pure Python + numpy (no Django), so the engine's benchmarks can use the same shop and
check predictions against the truth kept on each company (`true_interval_days`,
`churn_at`, regular SKUs with their replenishment intervals). Same seed → same shop.

Patterns (shares of companies): one-off 25 % (exactly one order, as in real shops),
steady 18 %, growing 14 %, seasonal 14 %, churning 15 %, new 9 % (first order in the
last year), prospect 5 % (registered, never bought). Gaps between orders are gamma
distributed around the company's rhythm (CV 0.5).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import numpy as np

JST = timezone(timedelta(hours=9))
PATTERNS = ("one_off", "steady", "growing", "seasonal", "churning", "new", "prospect")
PATTERN_SHARES = (0.25, 0.18, 0.14, 0.14, 0.15, 0.09, 0.05)
_ROOTS = (
    "山田 佐藤 鈴木 高橋 田中 伊藤 渡辺 中村 小林 加藤 吉田 山本 松本 井上 木村 林 清水 山口 阿部 池田 "
    "橋本 石川 前田 藤田 小川 岡田 後藤 長谷川 村上 近藤 坂本 遠藤 青木 藤井 西村 福田 太田 三浦 藤原 岡本 "
    "松田 中川 中野 原田 小野 竹内 金子 和田 中山 石田 上田 森田 原 柴田 酒井 工藤 横山 宮崎 宮本 内田"
).split()
_MIDDLES = "中央 東 西 北 南 新 大 日本 関東 関西 湘南 北陸 九州 東海 信越 第一 協和 共栄 富士 旭".split()
_TRADES = "製作所 商事 工業 電機 建設 物産 印刷 食品 精機 化学".split()
_ROMAJI = {"山田": "Yamada", "佐藤": "Sato", "鈴木": "Suzuki", "高橋": "Takahashi", "田中": "Tanaka",
           "伊藤": "Ito", "渡辺": "Watanabe", "中村": "Nakamura", "小林": "Kobayashi", "加藤": "Kato"}
_TRADES_EN = {"製作所": "Works", "商事": "Trading", "工業": "Industries", "電機": "Electric",
              "建設": "Construction", "物産": "Bussan", "印刷": "Printing", "食品": "Foods",
              "精機": "Seiki", "化学": "Chemical"}
_JA_FORMS = ("株式会社{}", "(株){}", "{} 株式会社", "㈱{}", "（株）{}", "株式会社 {}")
_EN_FORMS = ("{} Co., Ltd.", "{} CO.,LTD", "{} Inc.", "{} Co.,Ltd")
_GIVEN = "taro hanako jiro yuki kenta aya daisuke emi shota mai takeshi nao ryo sakura".split()
_CATEGORIES = (  # (name, share of catalogue, replenishment days range, unit price range JPY)
    ("consumable", 0.5, (10, 45), (300, 6000)),
    ("supply", 0.35, (45, 150), (2000, 30000)),
    ("equipment", 0.15, (180, 720), (30000, 400000)),
)


@dataclass(frozen=True, slots=True)
class SyntheticProduct:
    sku: str
    product_id: str
    variant_id: str
    name: str
    category: str
    unit_price: Decimal
    replenishment_days: float


@dataclass(frozen=True, slots=True)
class SyntheticCompany:
    key: str  # the truth: one key per company, whatever way its name is written
    display_name: str
    pattern: str
    true_interval_days: float
    first_order_at: datetime | None
    churn_at: datetime | None
    regular_skus: tuple[tuple[str, float], ...]  # (sku, true replenishment interval in days)
    name_variants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SyntheticContact:
    company_key: str
    user_id: str | None
    email: str
    first_name: str
    last_name: str
    company_name: str  # as this buyer writes it
    language_code: str
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class SyntheticOrderLine:
    sku: str
    product_id: str
    product_name: str
    variant_id: str
    quantity: int
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class SyntheticOrder:
    external_id: str
    channel: str
    currency: str
    created_at: datetime
    status: str
    user_id: str | None
    email: str
    company_name: str
    company_key: str
    billing_country: str
    language_code: str
    lines: tuple[SyntheticOrderLine, ...]
    total_gross: Decimal
    total_net: Decimal
    refunded_amount: Decimal
    checkout_token: str | None


@dataclass(frozen=True, slots=True)
class SyntheticCheckout:
    token: str
    channel: str
    currency: str
    email: str
    user_id: str | None
    company_name: str
    last_change: datetime
    lines: tuple[dict, ...]
    total_gross: Decimal


@dataclass(frozen=True, slots=True)
class SyntheticShop:
    companies: list[SyntheticCompany]
    contacts: list[SyntheticContact]
    orders: list[SyntheticOrder]
    checkouts: list[SyntheticCheckout]
    products: list[SyntheticProduct]


def _catalogue(rng: np.random.Generator, size: int = 200) -> list[SyntheticProduct]:
    products = []
    for name, share, (low_days, high_days), (low_price, high_price) in _CATEGORIES:
        for _ in range(int(round(size * share))):
            index = len(products) + 1
            price = int(np.exp(rng.uniform(np.log(low_price), np.log(high_price))) // 10 * 10)
            products.append(SyntheticProduct(
                sku=f"{name[:3].upper()}-{index:04d}", product_id=f"prod-{index:04d}",
                variant_id=f"var-{index:04d}", name=f"{name.title()} item {index}", category=name,
                unit_price=Decimal(max(price, 100)),
                replenishment_days=float(rng.uniform(low_days, high_days)),
            ))
    return products


def _company_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """(Japanese base name, English base name or '') for n distinct companies."""
    combos = len(_ROOTS) * len(_MIDDLES) * len(_TRADES)
    picks = rng.permutation(combos)[: min(n, combos)]
    names = []
    for i in range(n):
        code = int(picks[i % len(picks)])
        root, rest = divmod(code, len(_MIDDLES) * len(_TRADES))
        middle, trade = divmod(rest, len(_TRADES))
        suffix = "" if i < combos else str(i // combos + 1)  # beyond the combinations: numbered
        ja = f"{_ROOTS[root]}{_MIDDLES[middle]}{_TRADES[trade]}{suffix}"
        romaji = _ROMAJI.get(_ROOTS[root])
        en = f"{romaji} {_TRADES_EN[_TRADES[trade]]} {middle + 1}{suffix}" if romaji and middle < 3 else ""
        names.append((ja, en))
    return names


def _name_variants(rng, ja: str, en: str) -> tuple[str, ...]:
    if en:
        forms = rng.choice(len(_EN_FORMS), size=int(rng.integers(1, 4)), replace=False)
        return tuple(_EN_FORMS[i].format(en if i != 1 else en.upper()) for i in forms)
    forms = rng.choice(len(_JA_FORMS), size=int(rng.integers(1, 4)), replace=False)
    written = [_JA_FORMS[i].format(ja) for i in forms]
    if rng.random() < 0.1:  # some buyers type full-width digits and spaces
        written.append(_JA_FORMS[0].format(ja).translate(str.maketrans("0123456789 ", "０１２３４５６７８９　")))
    return tuple(written)


def _business_time(rng, day: date) -> datetime:
    local = datetime.combine(day, time(int(rng.integers(9, 18)), int(rng.integers(0, 60))), JST)
    return local.astimezone(timezone.utc)


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), JST).astimezone(timezone.utc)


def _purchase_days(rng, pattern: str, interval: float, first: date, end: date, churn: date | None) -> list[date]:
    if pattern == "one_off":
        return [first]
    days, current = [first], first
    span = max((end - first).days, 1)
    while True:
        progress = (current - first).days / span
        mean = interval * (1.5 - 0.8 * progress) if pattern == "growing" else interval
        current = current + timedelta(days=max(1, int(round(rng.gamma(4.0, mean / 4.0)))))
        if current > end or (churn is not None and current > churn):
            return days
        if pattern == "seasonal" and current.month not in (3, 9, 12) and rng.random() < 0.45:
            continue  # quieter outside the fiscal-year-end and year-end peaks
        days.append(current)


def _lines(rng, basket, products_by_sku, interval, catalogue, size) -> tuple[SyntheticOrderLine, ...]:
    chosen = [sku for sku, every in basket if rng.random() < min(1.0, 1.3 * interval / every)]
    if rng.random() < 0.12 or not chosen:
        chosen.append(catalogue[int(rng.integers(len(catalogue)))].sku)
    lines = []
    for sku in dict.fromkeys(chosen):
        product = products_by_sku[sku]
        quantity = int(1 + rng.poisson(size if product.category != "equipment" else 0.2))
        lines.append(SyntheticOrderLine(
            sku=sku, product_id=product.product_id, product_name=product.name, variant_id=product.variant_id,
            quantity=quantity, unit_price=product.unit_price, total=product.unit_price * quantity,
        ))
    return tuple(lines)


def generate_shop(
    n_companies: int = 3000, years: int = 3, seed: int = 42, end: date = date(2026, 11, 1),
    channel: str = "default-channel", currency: str = "JPY",
) -> SyntheticShop:
    """Generate the shop; orders sorted by created_at. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    catalogue = _catalogue(rng)
    by_sku = {p.sku: p for p in catalogue}
    regular_pool = [p for p in catalogue if p.category != "equipment"]
    start = end - timedelta(days=365 * years)
    patterns = rng.choice(len(PATTERNS), size=n_companies, p=PATTERN_SHARES)
    companies, contacts, raw_orders = [], [], []
    user_counter = 0
    for index, ((ja, en), pattern_index) in enumerate(zip(_company_names(rng, n_companies), patterns)):
        pattern = PATTERNS[pattern_index]
        interval = float(np.clip(rng.lognormal(np.log(30), 0.6), 7, 120))
        basket_size = int(rng.integers(2, 9))
        basket = tuple(
            (regular_pool[i].sku, regular_pool[i].replenishment_days)
            for i in rng.choice(len(regular_pool), size=basket_size, replace=False)
        )
        variants = _name_variants(rng, ja, en)
        first = start + timedelta(days=int(rng.integers(0, max((end - start).days - 30, 1))))
        if pattern == "new":
            first = end - timedelta(days=int(rng.integers(1, 365)))
        churn = None
        if pattern == "churning":
            earliest = first + timedelta(days=int(3 * interval))
            latest = end - timedelta(days=60)
            churn = earliest + timedelta(days=int(rng.integers(0, max((latest - earliest).days, 1))))
        slug = f"c{index:06d}"
        domain = f"{slug}.example"
        company_contacts = []
        for c in range(int(rng.integers(1, 6))):
            given = _GIVEN[int(rng.integers(len(_GIVEN)))]
            guest = rng.random() < 0.1
            if not guest:
                user_counter += 1
            company_contacts.append(SyntheticContact(
                company_key=ja, user_id=None if guest else f"user-{user_counter:06d}",
                email=f"{given}.{c}@{domain}", first_name=given.title(), last_name=(en.split()[0] if en else ja[:2]),
                company_name=variants[c % len(variants)], language_code="en" if en or rng.random() < 0.05 else "ja",
                registered_at=_business_time(rng, first - timedelta(days=int(rng.integers(0, 60)))),
            ))
        contacts.extend(company_contacts)
        first_at = None if pattern == "prospect" else _business_time(rng, first)
        companies.append(SyntheticCompany(
            key=ja, display_name=variants[0], pattern=pattern, true_interval_days=interval,
            first_order_at=first_at, churn_at=_end_of_day(churn) if churn else None,
            regular_skus=basket, name_variants=variants,
        ))
        if pattern == "prospect":
            continue
        size = float(rng.uniform(0.5, 12))
        for day in _purchase_days(rng, pattern, interval, first, end, churn):
            buyer = company_contacts[int(rng.integers(len(company_contacts)))]
            raw_orders.append((_business_time(rng, day), buyer, ja, _lines(rng, basket, by_sku, interval, catalogue, size)))
    raw_orders.sort(key=lambda item: item[0])
    orders = [_order(rng, number, *item, end=end, channel=channel, currency=currency)
              for number, item in enumerate(raw_orders, start=1)]
    checkouts = _abandoned_checkouts(rng, contacts, catalogue, end, channel, currency, count=max(5, n_companies // 100))
    return SyntheticShop(companies=companies, contacts=contacts, orders=orders, checkouts=checkouts, products=catalogue)


def _order(rng, number, created_at, buyer, company_key, lines, *, end, channel, currency) -> SyntheticOrder:
    gross = sum((line.total for line in lines), Decimal(0))
    roll = rng.random()
    status = "fulfilled" if created_at.date() < end - timedelta(days=5) else "unfulfilled"
    refunded = Decimal(0)
    if roll < 0.02:
        status = "canceled"
    elif roll < 0.035:
        status, refunded = "returned", gross
    elif roll < 0.05:
        refunded = (gross * Decimal(str(round(rng.uniform(0.1, 0.6), 2)))).quantize(Decimal(1))
    token = str(uuid.UUID(bytes=rng.bytes(16), version=4))
    return SyntheticOrder(
        external_id=f"demo-order-{number:07d}", channel=channel, currency=currency, created_at=created_at,
        status=status, user_id=buyer.user_id, email=buyer.email, company_name=buyer.company_name,
        company_key=company_key, billing_country="JP", language_code=buyer.language_code, lines=lines,
        total_gross=gross, total_net=(gross / Decimal("1.1")).quantize(Decimal(1)), refunded_amount=refunded,
        checkout_token=token,
    )


def _abandoned_checkouts(rng, contacts, catalogue, end, channel, currency, count) -> list[SyntheticCheckout]:
    checkouts = []
    for _ in range(count):
        buyer = contacts[int(rng.integers(len(contacts)))]
        items = [catalogue[int(i)] for i in rng.choice(len(catalogue), size=int(rng.integers(1, 4)), replace=False)]
        lines = tuple({"sku": p.sku, "product_name": p.name, "variant_id": p.variant_id, "product_id": p.product_id,
                       "quantity": 1, "amount": str(p.unit_price)} for p in items)
        checkouts.append(SyntheticCheckout(
            token=str(uuid.UUID(bytes=rng.bytes(16), version=4)), channel=channel, currency=currency,
            email=buyer.email, user_id=buyer.user_id, company_name=buyer.company_name,
            last_change=_business_time(rng, end - timedelta(days=int(rng.integers(0, 7)))),
            lines=lines, total_gross=sum((p.unit_price for p in items), Decimal(0)),
        ))
    return checkouts
