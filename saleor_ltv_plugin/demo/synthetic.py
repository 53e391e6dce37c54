"""A deterministic synthetic B2B shop: companies with known buying rhythms.

Pure Python + numpy (no Django, no Saleor), so the engine's benchmarks and the
standalone demo use the same shop and can check predictions against the truth kept
on each company (`true_interval_days`, `churn_at`, regular SKUs with their
replenishment intervals, the canonical company `key`). Same arguments → same shop.

The model, per company:

- a pattern (shares of companies): one_off 53 % (exactly one order; first orders
  twice as frequent at the end as at the start: the shop grows), churning 19 %,
  new 13 % (first order in the last year), steady 4 %, growing 3 %, seasonal 3 %,
  prospect 5 % (registered contacts, never bought). As of `end` about 40 % of the
  buying companies have a second purchase (B2C shops: 15–18 %, seed 003; B2B
  re-orders supplies), ~15–20 % are loyal, ~20 % dormant, ~40–45 % lost, and ~4 %
  are active but half a cycle overdue (mostly churning ones): a shop that leaks;
- a rhythm `true_interval_days` (log-normal, median 30 days, clipped to 7–120):
  orders form a gamma renewal process (shape 2–6, i.e. CV 0.4–0.7) in
  "operational time" whose rate is 1/interval, modulated by the pattern —
  seasonal: peaks in the company's peak months (March / September / December),
  the interval being the average over a year; growing: the rate rises from 45 %
  to 100 % of 1/interval, so the interval is the rhythm reached at `end`; new:
  the rate rises from 35 % to 100 % over the first 180 days (trial orders first);
  churning: a life of 1.5 + Exp(5) cycles (short lives most common, seed 001's
  3回目の離脱), 30 % of them stopping 30–120 days before `end`, steady, slowing
  down over the last 120 days, nothing after `churn_at`;
- a basket of 2–8 regular SKUs, each bought every k-th order (k ≥ 1 from the
  product's replenishment cycle), so its true replenishment interval is
  k × `true_interval_days`; plus occasional other products (durable equipment
  only this way);
- 1–5 buyers (contacts), ~10 % of them guests (no user id), each writing the
  company's name their own way (株式会社山田製作所 / (株)山田製作所 /
  山田製作所 株式会社 / ＡＢＣ商事 / YAMADA WORKS CO.,LTD …).

Orders are on weekdays mostly, in Tokyo business hours, stored in UTC; ~2 %
cancelled, ~1 % fully and ~2 % partly returned; the newest ones not yet fulfilled.
"""

from __future__ import annotations

import gc
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import numpy as np

from .synthetic_data import (
    CATALOGUE, EN_FORMS, GIVEN_NAMES, KANA_ROOTS, LEGAL_FORM_SHARES, LEGAL_FORMS, MODIFIERS, ROOTS,
    SURNAMES, TRADES,
)
from .synthetic_reach import ContactReach, reach

JST = timezone(timedelta(hours=9))  # Japan has no daylight saving time
PATTERNS = ("one_off", "steady", "growing", "seasonal", "churning", "new", "prospect")
PATTERN_SHARES = (0.53, 0.04, 0.03, 0.03, 0.19, 0.13, 0.05)
CHURN_CYCLES = 5.0  # mean cycles a churning company lives beyond its first 1.5
RECENT_CHURN = 0.3  # share of churning companies that stopped 30–150 days before the end
MEDIAN_INTERVAL_DAYS = 30.0  # B2B supplies: about monthly
ORDER_STATUSES = (  # Saleor's OrderStatus values used here
    "unconfirmed", "unfulfilled", "partially_fulfilled", "fulfilled", "canceled", "returned",
    "partially_returned",
)
TAX_RATE = Decimal("0.10")  # prices are tax-inclusive; total_net = gross / 1.10 rounded to yen

_ZERO = Decimal(0)
_DAY = 86400


# --------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class SyntheticProduct:
    sku: str
    product_id: str  # Saleor-style primary keys as strings
    variant_id: str
    name: str  # product name (what an order line calls product_name)
    variant_name: str
    category: str  # consumable | supply | equipment
    unit_price: Decimal  # JPY, tax-inclusive list price
    replenishment_days: float  # typical days a unit lasts a buyer


@dataclass(frozen=True, slots=True)
class SyntheticCompany:
    key: str  # the truth: one canonical key per company, however its name is written
    display_name: str  # the official written form
    pattern: str  # one of PATTERNS
    true_interval_days: float  # mean days between orders (see the module docstring per pattern)
    first_order_at: datetime | None  # None for prospects
    churn_at: datetime | None  # churning companies only: no order at or after it
    regular_skus: tuple[tuple[str, float], ...]  # (sku, true replenishment interval in days)
    name_variants: tuple[str, ...]  # every way the name is written on its orders/contacts
    email_domain: str
    gap_shape: float  # gamma shape of the gaps (CV = 1/sqrt(shape))
    peak_months: tuple[int, ...]  # seasonal companies only


@dataclass(frozen=True, slots=True)
class SyntheticContact:
    company_key: str
    user_id: str | None  # None: a guest buyer (orders without an account)
    email: str
    first_name: str
    last_name: str
    company_name: str  # as this buyer usually writes it
    language_code: str  # "ja" | "en"
    registered_at: datetime  # account creation (guests: first seen)


@dataclass(frozen=True, slots=True)
class SyntheticOrderLine:
    sku: str
    product_id: str
    product_name: str
    variant_id: str
    quantity: int
    unit_price: Decimal  # JPY, tax-inclusive, after the company's discount
    total: Decimal  # unit_price × quantity


@dataclass(frozen=True, slots=True)
class SyntheticOrder:
    external_id: str  # "demo-order-0000001", numbered in created_at order
    channel: str
    currency: str
    created_at: datetime  # aware, UTC
    status: str  # one of ORDER_STATUSES
    user_id: str | None
    email: str
    company_name: str  # as written on this order's billing address
    company_key: str  # the truth (SyntheticCompany.key); not something Saleor knows
    billing_country: str
    language_code: str
    lines: tuple[SyntheticOrderLine, ...]
    total_gross: Decimal  # sum of line totals
    total_net: Decimal  # total_gross / 1.10, rounded to yen
    refunded_amount: Decimal  # 0 ≤ refunded ≤ gross
    checkout_token: str | None  # None: placed by staff (phone / FAX), no checkout


@dataclass(frozen=True, slots=True)
class SyntheticCheckout:
    token: str  # uuid4
    channel: str
    currency: str
    email: str
    user_id: str | None
    company_name: str
    last_change: datetime  # aware, UTC, within the 7 days before `end`
    lines: tuple[dict, ...]  # {sku, product_id, variant_id, product_name, quantity, unit_price, amount}
    total_gross: Decimal


@dataclass(frozen=True, slots=True)
class SyntheticShop:
    companies: list[SyntheticCompany]
    contacts: list[SyntheticContact]
    orders: list[SyntheticOrder]  # sorted by created_at
    checkouts: list[SyntheticCheckout]
    products: list[SyntheticProduct]
    reach: dict[str, ContactReach] = field(default_factory=dict)  # e-mail → phone, address, LINE id


# --------------------------------------------------------------------------- catalogue


def _catalogue(rng: np.random.Generator) -> list[SyntheticProduct]:
    """~200 SKUs: consumables and supplies as a single pack and a case of 5, equipment."""
    products = []
    product_id = 100
    for category, name, options, (low, high), (short, long) in CATALOGUE:
        product_id += 1
        for option in options:
            price = int(np.exp(rng.uniform(np.log(low), np.log(high))) // 10 * 10)
            days = float(rng.uniform(short, long))
            packs = [("", price, days)]
            if category != "equipment":
                packs.append(("ケース(5個)", int(price * 5 * 0.95) // 10 * 10, days * 5))
            for pack, pack_price, pack_days in packs:
                index = len(products) + 1
                products.append(SyntheticProduct(
                    sku=f"{category[:3].upper()}-{index:04d}", product_id=str(product_id),
                    variant_id=str(1000 + index), name=name,
                    variant_name=f"{option} {pack}".strip(), category=category,
                    unit_price=Decimal(pack_price), replenishment_days=round(pack_days, 1),
                ))
    return products


# --------------------------------------------------------------------------- names

_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})
# full-width katakana → half-width (the reverse of what NFKC does)
_HALF_KANA = {unicodedata.normalize("NFKC", chr(code)): chr(code) for code in range(0xFF66, 0xFF9E)}


def _full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _half_width_kana(text: str) -> str:
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        half = _HALF_KANA.get(decomposed[0])
        if half is None:
            out.append(char)
            continue
        out.append(half + ("ﾞ" if "\u3099" in decomposed else "ﾟ" if "\u309a" in decomposed else ""))
    return "".join(out)


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class _Name:
    key: str
    official: str
    variants: tuple[str, ...]
    domain: str
    english: bool
    root_surname: str | None  # kanji, when the company is named after a family


def _company_names(rng: np.random.Generator, n: int) -> list[_Name]:
    """n companies with distinct keys and e-mail domains, each written 1–4 ways."""
    n_roots, n_mods, n_trades = len(ROOTS), len(MODIFIERS), len(TRADES)
    initials = rng.random(n) < 0.06  # "ABC商事"-style names
    # most names are plain (山田製作所), the rest carry a modifier (山田精密製作所); plain ones
    # are few (roots × trades), so large shops get relatively more modified names
    plain_space, modified_space = n_roots * n_trades, n_roots * (n_mods - 1) * n_trades
    wanted = int((~initials).sum())
    n_plain = min(int(0.45 * wanted), plain_space // 2)
    plain = rng.choice(plain_space, size=n_plain, replace=False)
    modified = rng.choice(modified_space, size=min(wanted - n_plain, modified_space), replace=False)
    root_of = np.concatenate([plain // n_trades, modified // ((n_mods - 1) * n_trades)])
    modifier_of = np.concatenate([np.zeros(n_plain, dtype=np.int64), 1 + modified // n_trades % (n_mods - 1)])
    trade_of = np.concatenate([plain % n_trades, modified % n_trades])
    codes = rng.permutation(root_of * (n_mods * n_trades) + modifier_of * n_trades + trade_of)
    combos = iter(codes.tolist())
    english = rng.random(n) < 0.08
    seen_keys: set[str] = set()
    seen_domains: set[str] = set()
    surnames = {kanji for kanji, _ in SURNAMES}
    names = []
    for i in range(n):
        code = None if initials[i] else next(combos, None)
        if code is None:  # initials, or the combinations ran out
            while True:
                letters = "".join(chr(65 + int(c)) for c in rng.integers(0, 26, size=int(rng.integers(2, 4))))
                trade = TRADES[int(rng.integers(n_trades))]
                base, domain = f"{letters}{trade[0]}", f"{letters.lower()}-{trade[1]}"
                en_base, root = "", None
                if _fold(base) not in seen_keys:
                    break
        else:
            code = int(code)
            r, rest = divmod(code, n_mods * n_trades)
            m, t = divmod(rest, n_trades)
            root, mod, trade = ROOTS[r], MODIFIERS[m], TRADES[t]
            base = f"{root[0]}{mod[0]}{trade[0]}"
            domain = "-".join(part for part in (root[1], mod[1], trade[1]) if part)
            en_base = " ".join(part for part in (root[2], mod[2], trade[2]) if part)
            root = root[0] if root[0] in surnames else None
        use_english = bool(english[i] and en_base and _fold(en_base) not in seen_keys)
        key = en_base if use_english else base
        while domain in seen_domains:  # only when the initials repeat a domain
            domain += "-jp"
        seen_keys.add(_fold(key))
        seen_domains.add(domain)
        official, variants = (_english_variants if use_english else _japanese_variants)(rng, key)
        names.append(_Name(key, official, variants, f"{domain}.example", use_english, root))
    return names


def _how_many_forms(rng) -> int:
    return int(rng.choice((1, 2, 3, 4), p=(0.35, 0.35, 0.2, 0.1)))


def _japanese_variants(rng, base: str) -> tuple[str, tuple[str, ...]]:
    form, abbreviations = LEGAL_FORMS[int(rng.choice(len(LEGAL_FORMS), p=LEGAL_FORM_SHARES))]
    prefix = rng.random() < 0.6  # 前株 vs 後株
    official = f"{form}{base}" if prefix else f"{base}{form}"
    candidates = [f"{a}{base}" if prefix else f"{base}{a}" for a in abbreviations]
    candidates += [f"{form} {base}", f"{form}\u3000{base}", f"{base} {form}", base]
    candidates.append(f"{base}（{abbreviations[0][1]}）")  # 山田製作所（株）
    if any("A" <= ch <= "Z" for ch in base):
        candidates += [official.replace(base, _full_width(base))] * 3  # ＡＢＣ商事 vs ABC商事
    if any(base.startswith(k) for k in KANA_ROOTS):
        candidates += [official.replace(base, _half_width_kana(base))] * 3  # ｻﾝﾗｲｽﾞ商事
    others = [candidates[int(i)] for i in rng.permutation(len(candidates))]
    return official, tuple(dict.fromkeys([official, *others[: _how_many_forms(rng) - 1]]))


def _english_variants(rng, base: str) -> tuple[str, tuple[str, ...]]:
    official = EN_FORMS[0].format(base)
    candidates = [f.format(base.upper() if "CO" in f else base) for f in EN_FORMS[1:]]
    candidates += [_full_width(base.upper()) + " CO.,LTD", base]
    others = [candidates[int(i)] for i in rng.permutation(len(candidates))]
    return official, tuple(dict.fromkeys([official, *others[: _how_many_forms(rng) - 1]]))


# --------------------------------------------------------------------------- rhythm


def _uuid4_strings(rng, n: int) -> list[str]:
    """n random (version 4) UUIDs as strings, drawn from rng."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        for h in (text[32 * i : 32 * i + 32] for i in range(n))
    ]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _order_days(rng, rate: np.ndarray, shape: float) -> np.ndarray:
    """Day offsets (0 = the first order) of a gamma renewal process with daily rate `rate`.

    Time rescaling: gaps of mean 1 in operational time Λ(t) = Σ rate, mapped back to days.
    """
    if len(rate) < 2:
        return np.zeros(1, dtype=np.int64)
    clock = np.cumsum(rate[1:])
    horizon = float(clock[-1])
    size = int(horizon * 1.3 + 3 * np.sqrt(horizon) + 8)
    arrivals = np.cumsum(rng.gamma(shape, 1.0 / shape, size=size))
    while arrivals[-1] < horizon:
        more = arrivals[-1] + np.cumsum(rng.gamma(shape, 1.0 / shape, size=size))
        arrivals = np.concatenate([arrivals, more])
    arrivals = arrivals[arrivals < horizon]
    return np.concatenate([[0], np.searchsorted(clock, arrivals) + 1]).astype(np.int64)


def _to_weekdays(rng, days: np.ndarray, weekday0: int, low: int, high: int) -> np.ndarray:
    """Move ~85 % of weekend orders to the Friday before or the Monday after (within [low, high])."""
    weekday = (days + weekday0) % 7
    weekend = (weekday >= 5) & (rng.random(len(days)) < 0.85)
    if not weekend.any():
        return days
    to_monday = days + (7 - weekday)
    to_friday = days - (weekday - 4)
    monday_first = rng.random(len(days)) < 0.6
    moved = np.where(monday_first, to_monday, to_friday)
    moved = np.where((moved > high) | (moved < low), np.where(monday_first, to_friday, to_monday), moved)
    ok = weekend & (moved >= low) & (moved <= high)
    return np.sort(np.where(ok, moved, days))


def _seconds_of_day(rng, n: int) -> np.ndarray:
    """Tokyo business hours (peaks mid-morning and mid-afternoon), a few evening orders."""
    hours = rng.choice(_HOURS, size=n, p=_HOUR_WEIGHTS)
    return hours * 3600 + rng.integers(0, 3600, size=n)


_HOURS = np.arange(7, 23)
_HOUR_WEIGHTS = np.array([1, 3, 8, 12, 12, 9, 5, 9, 11, 11, 9, 6, 3, 2, 2, 1], dtype=float)
_HOUR_WEIGHTS /= _HOUR_WEIGHTS.sum()


# --------------------------------------------------------------------------- generator


class _Builder:
    """Holds the shared state of one generate_shop call."""

    def __init__(self, rng, end: date, years: int, channel: str, currency: str):
        self.rng = rng
        self.end = end
        self.start = _years_before(end, years)
        self.n_days = (end - self.start).days  # orders fall on days [0, n_days) from start
        self.base_ts = datetime.combine(self.start, time(0), JST).timestamp()
        self.weekday0 = self.start.weekday()
        self.channel, self.currency = channel, currency
        self.products = _catalogue(rng)
        self.by_sku = {p.sku: p for p in self.products}
        self.regular_pool = np.array([i for i, p in enumerate(self.products) if p.category != "equipment"])
        regular_weights = np.array(
            [3.0 if self.products[i].category == "consumable" else 1.0 for i in self.regular_pool]
        )
        self.regular_weights = regular_weights / regular_weights.sum()
        share = {"consumable": 3.0, "supply": 2.0, "equipment": 0.6}
        extra_weights = np.array([share[p.category] for p in self.products])
        self.extra_weights = extra_weights / extra_weights.sum()
        months = np.array([(self.start + timedelta(days=d)).month for d in range(self.n_days)])
        self.month_of_day = months
        self.lines: dict[tuple[int, int, int], SyntheticOrderLine] = {}  # shared immutable lines
        self.user_counter = 0

    def at(self, day: int, seconds: int) -> datetime:
        return datetime.fromtimestamp(self.base_ts + day * _DAY + seconds, timezone.utc)

    def line(self, product_index: int, unit_price: int, quantity: int) -> SyntheticOrderLine:
        key = (product_index, unit_price, quantity)
        line = self.lines.get(key)
        if line is None:
            p = self.products[product_index]
            line = self.lines[key] = SyntheticOrderLine(
                sku=p.sku, product_id=p.product_id, product_name=p.name, variant_id=p.variant_id,
                quantity=quantity, unit_price=Decimal(unit_price), total=Decimal(unit_price * quantity),
            )
        return line


def generate_shop(
    n_companies: int = 3000,
    years: int = 3,
    seed: int = 42,
    end: date = date(2026, 11, 1),
    channel: str = "default-channel",
    currency: str = "JPY",
) -> SyntheticShop:
    """Generate the shop: orders on the days [end − years, end) (Tokyo dates), sorted by created_at.

    Deterministic for the same arguments. Cost is linear in n_companies (3,000
    companies × 3 years ≈ 17–20k orders in a few seconds, mostly per-company work; 100k
    companies ≈ 0.6M orders).
    """
    if n_companies < 1 or years < 1:
        raise ValueError("n_companies and years must be at least 1")
    # Millions of small acyclic objects: the cyclic garbage collector would only rescan
    # them again and again (~20 % of the time at 100k companies).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(n_companies, years, seed, end, channel, currency)
    finally:
        if collecting:
            gc.enable()


def _generate(n_companies: int, years: int, seed: int, end: date, channel: str, currency: str):
    rng = np.random.default_rng(seed)
    b = _Builder(rng, end, years, channel, currency)
    names = _company_names(rng, n_companies)
    patterns = rng.choice(len(PATTERNS), size=n_companies, p=PATTERN_SHARES)
    intervals = np.clip(rng.lognormal(np.log(MEDIAN_INTERVAL_DAYS), 0.75, size=n_companies), 7.0, 120.0)
    companies, contacts, pending = [], [], []
    for name, pattern_index, interval in zip(names, patterns, intervals):
        company, company_contacts, orders = _company(b, name, PATTERNS[pattern_index], float(interval))
        companies.append(company)
        contacts.extend(company_contacts)
        pending.extend(orders)
    pending.sort(key=lambda item: item[0])  # stable: ties keep company order
    orders = [
        SyntheticOrder(f"demo-order-{number:07d}", channel, currency, *item[1:])
        for number, item in enumerate(pending, start=1)
    ]
    checkouts = _abandoned_checkouts(b, companies, contacts, count=max(5, n_companies // 200))
    return SyntheticShop(
        companies=companies, contacts=contacts, orders=orders, checkouts=checkouts, products=b.products,
        reach=reach(companies, contacts, seed),
    )


def _first_day(rng, pattern: str, n_days: int, interval: float) -> int:
    last_year = max(0, n_days - 365)
    if pattern == "new":
        return int(rng.integers(last_year, n_days))
    if pattern == "one_off":  # the shop grows: twice as many first orders a day at the end as at the start
        return min(int((np.sqrt(1.0 + 3.0 * rng.random()) - 1.0) * n_days), n_days - 1)
    if pattern == "prospect":
        return int(rng.integers(0, n_days))
    if rng.random() < 0.35:  # customers since the shop opened
        return int(rng.integers(0, min(90, n_days)))
    return int(rng.integers(0, max(1, last_year)))


def _churn_days(rng, n_days: int, interval: float) -> tuple[int, int]:
    """First order day and churn day (≤ n_days − 30) of a churning company.

    Short lives are the most common (many companies leave after their 2nd or 3rd
    order, seed 001's 3回目の離脱): the life is 1.5 + Exp(mean CHURN_CYCLES) cycles.
    RECENT_CHURN of them stopped 30–150 days before the end: overdue, not yet lost,
    the accounts the churn-risk scenario can still win back.
    """
    life = max(int((1.5 + rng.exponential(CHURN_CYCLES)) * interval), 30)
    latest = n_days - 30
    if rng.random() < RECENT_CHURN:
        churn = int(rng.integers(max(1, n_days - 120), latest))
    else:
        low = min(life, latest - 1) + 1
        churn = int(rng.integers(low, max(low + 1, n_days - 120)))
    return max(0, churn - life), churn


def _company(b: _Builder, name: _Name, pattern: str, interval: float):
    rng, n_days = b.rng, b.n_days
    churn = None
    if pattern == "churning":
        first, churn = _churn_days(rng, n_days, interval)
    else:
        first = _first_day(rng, pattern, n_days, interval)
    last = n_days - 1 if churn is None else churn - 1
    shape = float(rng.uniform(2.0, 6.0))
    peaks: tuple[int, ...] = ()

    # the basket: regular SKUs bought every k-th order
    size = int(rng.integers(2, 9))
    basket = rng.choice(b.regular_pool, size=size, replace=False, p=b.regular_weights)
    usage = rng.lognormal(0.0, 0.35, size=size)  # this company's consumption speed
    lasts = np.array([b.products[i].replenishment_days for i in basket]) * usage  # days
    every = np.maximum(1, np.rint(lasts / interval)).astype(int)
    list_prices = np.array([int(b.products[i].unit_price) for i in basket], dtype=float)
    base_qty = np.clip(np.sqrt(12000.0 / list_prices), 1.0, 6.0) * rng.lognormal(0.0, 0.6, size=size)
    discount = float(rng.choice((0.0, 0.03, 0.05, 0.08, 0.10), p=(0.4, 0.2, 0.2, 0.1, 0.1)))
    prices = [int(round(int(b.products[i].unit_price) * (1 - discount))) for i in basket]
    extra_rate = float(rng.uniform(0.05, 0.3))

    contacts, buyer_start, weights = _contacts(b, name, pattern, first, last)
    key = name.key

    def truth(first_order_at: datetime | None) -> SyntheticCompany:
        return SyntheticCompany(
            key=key, display_name=name.official, pattern=pattern, true_interval_days=round(interval, 2),
            first_order_at=first_order_at, churn_at=None if churn is None else b.at(churn, 0),
            regular_skus=tuple(
                (b.products[i].sku, round(float(k * interval), 2)) for i, k in zip(basket, every)
            ),
            name_variants=name.variants, email_domain=name.domain, gap_shape=round(shape, 3),
            peak_months=peaks,
        )

    if pattern == "prospect":
        return truth(None), contacts, []

    # the rhythm
    if pattern == "one_off":
        days = _to_weekdays(rng, np.array([first]), b.weekday0, first, n_days - 1)  # not before signing up
    else:
        rate = np.full(last - first + 1, 1.0 / interval)
        if pattern == "seasonal":
            peaks = ((3,), (3, 9), (12,), (3, 12), (9, 12))[int(rng.integers(5))]
            lift = np.where(np.isin(b.month_of_day, peaks), 2.5, 0.7)
            rate = rate * (lift / lift[: min(365, n_days)].mean())[first : last + 1]  # a year's mean stays 1
        elif pattern == "growing":
            rate = rate * np.linspace(0.45, 1.0, len(rate))
        elif pattern == "new":  # trial orders first, the whole supply moves over within ~6 months
            rate = rate * np.minimum(1.0, np.linspace(0.35, 0.35 + 0.65 * len(rate) / 180, len(rate)))
        elif pattern == "churning":  # slowing down before stopping
            slow = np.arange(len(rate)) > len(rate) - 120
            rate[slow] *= np.linspace(1.0, 0.5, int(slow.sum()))
        days = first + _order_days(rng, rate, shape)
        days = _to_weekdays(rng, days, b.weekday0, first, last)
    n = len(days)
    seconds = _seconds_of_day(rng, n)
    in_time = np.lexsort((seconds, days))  # two orders on one day: keep them in time order
    days, seconds = days[in_time], seconds[in_time]
    company = truth(b.at(int(days[0]), int(seconds[0])))

    # who orders, how the name is written, what is bought
    eligible = buyer_start[None, :] <= days[:, None]
    eligible[:, 0] = True
    p = eligible * weights[None, :]
    cumulative = np.cumsum(p, axis=1) / p.sum(axis=1, keepdims=True)
    buyers = (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, len(contacts) - 1)
    odd_spelling = rng.random(n) < 0.08
    spelling = rng.integers(0, len(name.variants), size=n)
    phase = rng.integers(0, every)
    index = np.arange(n)[:, None]
    take = (index + phase[None, :]) % every[None, :] == 0
    noise = rng.random((n, size))
    take = (take & (noise > 0.07)) | (noise < 0.03)
    growth = np.linspace(0.6, 1.0, n) if pattern == "growing" else np.ones(n)
    quantity_mean = base_qty[None, :] * np.sqrt(every)[None, :] * growth[:, None]
    quantities = np.maximum(1, np.rint(rng.gamma(4.0, quantity_mean / 4.0))).astype(int)
    extra = rng.random(n) < extra_rate
    extra_products = rng.choice(len(b.products), size=n, p=b.extra_weights)
    extra_quantity = 1 + rng.poisson(1.0, size=n)
    fallback = rng.integers(0, size, size=n)
    status_roll = rng.random(n)
    return_roll = rng.random(n)
    staff_order = rng.random(n) < 0.12  # phone / FAX orders keyed in by staff: no checkout
    tokens = _uuid4_strings(rng, n)

    # Python lists from here on: indexing numpy scalars one by one is the slow part
    extra_products = np.where(extra & ~np.isin(extra_products, basket), extra_products, -1).tolist()
    extra_quantity, fallback = extra_quantity.tolist(), fallback.tolist()
    status_roll, return_roll = status_roll.tolist(), return_roll.tolist()
    basket_list, take_rows, quantity_rows = basket.tolist(), take.tolist(), quantities.tolist()
    stamps = (b.base_ts + days * _DAY + seconds).tolist()
    written_forms = [
        name.variants[v] if odd else None for v, odd in zip(spelling.tolist(), odd_spelling.tolist())
    ]
    orders = []
    for i, (day, row, quantity_row, buyer_index, stamp, staff) in enumerate(
        zip(days.tolist(), take_rows, quantity_rows, buyers.tolist(), stamps, staff_order.tolist())
    ):
        lines = [b.line(basket_list[j], prices[j], quantity_row[j]) for j, taken in enumerate(row) if taken]
        if not lines:
            j = fallback[i]
            lines.append(b.line(basket_list[j], prices[j], quantity_row[j]))
        product = extra_products[i]
        if product >= 0:
            qty = 1 if b.products[product].category == "equipment" else extra_quantity[i]
            price = int(round(int(b.products[product].unit_price) * (1 - discount)))
            lines.append(b.line(product, price, qty))
        gross = sum((line.total for line in lines), _ZERO)
        status, refunded = _status(b, day, gross, lines, status_roll[i], return_roll[i])
        buyer = contacts[buyer_index]
        orders.append((
            stamp, datetime.fromtimestamp(stamp, timezone.utc), status, buyer.user_id, buyer.email,
            written_forms[i] or buyer.company_name, key, "JP", buyer.language_code, tuple(lines), gross,
            Decimal((int(gross) * 10 + 5) // 11), refunded, None if staff else tokens[i],
        ))
    return company, contacts, orders


def _status(b: _Builder, day: int, gross, lines, roll: float, return_roll: float):
    """Saleor status and refunded amount: young orders are still open, ~2 % cancelled, ~3 % returned."""
    age = b.n_days - day  # 1 = placed on the day before `end`
    if roll < 0.02:
        return "canceled", _ZERO
    if age <= 1:
        return ("unconfirmed" if roll < 0.3 else "unfulfilled"), _ZERO
    if age <= 4:
        return ("unfulfilled" if roll < 0.5 else "partially_fulfilled" if roll < 0.65 else "fulfilled"), _ZERO
    if roll < 0.03:  # fully refunded
        return "returned", Decimal(gross)
    if roll < 0.05:  # one line partly or wholly sent back
        position, share = divmod(return_roll * len(lines), 1.0)
        line = lines[int(position)]
        refunded = line.unit_price * (1 + int(share * line.quantity))  # 1..quantity units back
        if refunded >= gross:
            return "returned", Decimal(gross)
        return "partially_returned", refunded
    return "fulfilled", _ZERO


def _contacts(b: _Builder, name: _Name, pattern: str, first: int, last: int):
    """1–5 buyers; the first from the start, later ones join over the company's life."""
    rng = b.rng
    count = int(rng.choice((1, 2, 3, 4, 5), p=(0.4, 0.25, 0.17, 0.1, 0.08)))
    span = max(last - first, 0)
    starts = np.concatenate([[first], first + rng.integers(0, span + 1, size=count - 1)]).astype(np.int64)
    weights = rng.dirichlet(np.full(count, 1.2)) if count > 1 else np.ones(1)
    weights[0] += 0.5  # the main buyer places most orders
    contacts, locals_seen = [], set()
    family_pick = rng.integers(0, len(SURNAMES), size=count)
    given_pick = rng.integers(0, len(GIVEN_NAMES), size=count)
    guests = rng.random(count) < 0.1
    english_buyer = rng.random(count) < (0.7 if name.english else 0.05)
    spelling = rng.integers(0, len(name.variants), size=count)
    official = rng.random(count) < 0.5
    lead = rng.integers(0, 45, size=count)
    seconds = _seconds_of_day(rng, count)
    for c in range(count):
        family = SURNAMES[int(family_pick[c])]
        if c == 0 and name.root_surname and rng.random() < 0.3:  # the family business
            family = next(s for s in SURNAMES if s[0] == name.root_surname)
        given = GIVEN_NAMES[int(given_pick[c])]
        local = f"{given[1]}.{family[1]}"
        while local in locals_seen:
            local += str(len(locals_seen))
        locals_seen.add(local)
        en = bool(english_buyer[c])
        user_id = None
        if not guests[c]:
            b.user_counter += 1
            user_id = f"user-{b.user_counter:06d}"
        contacts.append(SyntheticContact(
            company_key=name.key, user_id=user_id, email=f"{local}@{name.domain}",
            first_name=given[1].title() if en else given[0], last_name=family[1].title() if en else family[0],
            company_name=name.official if official[c] else name.variants[int(spelling[c])],
            language_code="en" if en else "ja",
            registered_at=b.at(int(starts[c]) - 1 - int(lead[c]), int(seconds[c])),  # may predate the window
        ))
    return contacts, starts, weights


def _abandoned_checkouts(b: _Builder, companies, contacts, count: int) -> list[SyntheticCheckout]:
    """Open checkouts idle for 0–7 days at `end`, by buyers of companies still buying."""
    rng = b.rng
    active = {c.key for c in companies if c.pattern in ("steady", "growing", "seasonal", "new", "prospect")}
    candidates = [c for c in contacts if c.company_key in active]
    if not candidates:
        candidates = contacts
    by_key = {c.key: c for c in companies}
    checkouts = []
    for pick in rng.choice(len(candidates), size=min(count, len(candidates)), replace=False):
        buyer = candidates[int(pick)]
        regular = [sku for sku, _ in by_key[buyer.company_key].regular_skus]
        picked = rng.choice(len(regular), size=min(len(regular), int(rng.integers(1, 4))), replace=False)
        skus = [regular[int(i)] for i in picked]
        lines = []
        for sku in skus:
            product = b.by_sku[sku]
            quantity = int(1 + rng.poisson(1.5))
            lines.append({
                "sku": sku, "product_id": product.product_id, "variant_id": product.variant_id,
                "product_name": product.name, "quantity": quantity, "unit_price": str(product.unit_price),
                "amount": str(product.unit_price * quantity),
            })
        idle = int(rng.integers(1800, 7 * _DAY))  # seconds before `end`
        last_change = datetime.fromtimestamp(b.base_ts + b.n_days * _DAY - idle, timezone.utc)
        checkouts.append(SyntheticCheckout(
            token=_uuid4_strings(rng, 1)[0], channel=b.channel, currency=b.currency,
            email=buyer.email, user_id=buyer.user_id, company_name=buyer.company_name,
            last_change=last_change, lines=tuple(lines),
            total_gross=sum((Decimal(line["amount"]) for line in lines), _ZERO),
        ))
    checkouts.sort(key=lambda c: c.last_change)
    return checkouts
