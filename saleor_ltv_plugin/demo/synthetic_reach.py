"""Phones, postal addresses and LINE links for the synthetic shop's buyers (pure, deterministic).

Drawn from a generator of its own (`seed` and a fixed stream id), after the shop itself, so the
companies, buyers and orders stay exactly what they were. One office per company: an address in
a real city with its postal-code area and its phone area code; each buyer a department, the
office's landline or a mobile (some typed in full width, as buyers do), the address with their
name on it — a few addresses lack a line (the DM page shows them with what is missing) — and a
few registered buyers follow the shop's LINE account. About 70 % of them gave a birthday (a
birthday flow has recipients every few days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

STREAM = 17  # the contact data's own random stream: np.random.default_rng([seed, STREAM])
# (prefecture, city, first 3 postal digits, phone area code, towns)
CITIES = (
    ("東京都", "千代田区", "101", "03", ("神田錦町", "内神田", "岩本町")),
    ("東京都", "港区", "105", "03", ("芝大門", "浜松町", "新橋")),
    ("東京都", "大田区", "144", "03", ("蒲田", "大森西", "羽田")),
    ("大阪府", "大阪市北区", "530", "06", ("梅田", "天神橋", "中之島")),
    ("大阪府", "東大阪市", "577", "06", ("高井田", "長田", "川俣")),
    ("神奈川県", "横浜市港北区", "222", "045", ("新横浜", "菊名", "大倉山")),
    ("愛知県", "名古屋市中区", "460", "052", ("栄", "錦", "丸の内")),
    ("北海道", "札幌市中央区", "060", "011", ("北一条西", "南二条東", "大通西")),
    ("宮城県", "仙台市青葉区", "980", "022", ("一番町", "本町", "国分町")),
    ("福岡県", "福岡市博多区", "812", "092", ("博多駅前", "中洲", "祇園町")),
    ("京都府", "京都市下京区", "600", "075", ("四条通", "烏丸通", "七条")),
    ("兵庫県", "神戸市中央区", "650", "078", ("三宮町", "元町通", "栄町通")),
    ("広島県", "広島市中区", "730", "082", ("紙屋町", "八丁堀", "大手町")),
    ("新潟県", "新潟市中央区", "950", "025", ("万代", "古町通", "東大通")),
    ("静岡県", "浜松市中央区", "430", "053", ("砂山町", "鍛冶町", "板屋町")),
    ("石川県", "金沢市", "920", "076", ("香林坊", "片町", "広岡")),
)
DEPARTMENTS = ("購買部", "総務部", "製造部", "営業部", "管理部", "経理部", "施設管理課", "")
BUILDINGS = ("ビル", "センタービル", "第二ビル", "会館", "ビルディング")
MOBILE_PREFIXES = ("090", "080", "070")
MOBILE_SHARE, FULL_WIDTH_SHARE, INCOMPLETE_SHARE, LINE_SHARE = 0.35, 0.1, 0.04, 0.015
BIRTHDAY_SHARE, BORN_FROM, BORN_UNTIL = 0.7, 1955, 2001  # years of birth: [from, until)
_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@dataclass(frozen=True, slots=True)
class ContactReach:
    """One buyer's phone as typed (the loader normalises it), address lines, LINE user id and birthday."""

    phone: str
    postal_code: str
    prefecture: str
    city: str
    line1: str
    line2: str
    company: str
    department: str
    person: str
    line_user_id: str = ""
    birthday: dt.date | None = None


def _landline(area: str, first: int, rest: int) -> str:
    """A Japanese landline: 10 digits with the trunk 0; the subscriber number starts with 2–9
    (0 and 1 lead to other services: 060…, 0120…)."""
    local = f"{first}{rest:08d}"[:10 - len(area)]
    exchange = 4 if len(area) == 2 else 3
    return f"{area}-{local[:exchange]}-{local[exchange:]}"


def reach(companies, contacts, seed: int) -> dict[str, ContactReach]:
    """email → the buyer's contact data, for every synthetic buyer (drawn in arrays: ~0.1 s for 3,000 companies)."""
    rng = np.random.default_rng([seed, STREAM])
    n, m = len(companies), len(contacts)
    city, town, lots, floor = (rng.integers(0, len(CITIES), n), rng.integers(0, 3, n), rng.integers(1, 10, (n, 3)),
                               rng.integers(1, 12, n))
    building, has_building, postal = rng.integers(0, len(BUILDINGS), n), rng.random(n) < 0.6, rng.integers(0, 10000, n)
    first, rest = rng.integers(2, 10, n), rng.integers(0, 10**8, n)
    offices = {}
    for i, company in enumerate(companies):
        prefecture, city_name, postal3, area, towns = CITIES[city[i]]
        town_name = towns[town[i]]
        line2 = f"{town_name}{BUILDINGS[building[i]]}{floor[i]}階" if has_building[i] else ""
        offices[company.key] = (f"{postal3}-{postal[i]:04d}", prefecture, city_name,
                                f"{town_name}{lots[i, 0]}丁目{lots[i, 1]}-{lots[i, 2]}", line2, company.display_name,
                                _landline(area, int(first[i]), int(rest[i])))
    mobile, prefix, number = rng.random(m) < MOBILE_SHARE, rng.integers(0, 3, m), rng.integers(0, 10**8, m)
    full_width, incomplete, drop_city = rng.random(m) < FULL_WIDTH_SHARE, rng.random(m) < INCOMPLETE_SHARE, rng.random(m) < 0.5
    linked, line_ids, department = rng.random(m) < LINE_SHARE, rng.integers(0, 2**63, (m, 2)), rng.integers(0, len(DEPARTMENTS), m)
    # drawn after the rest, so phones, addresses and LINE links stay what they were before birthdays
    born, born_year, born_day = rng.random(m) < BIRTHDAY_SHARE, rng.integers(BORN_FROM, BORN_UNTIL, m), rng.integers(0, 365, m)
    out = {}
    for j, contact in enumerate(contacts):
        postal_code, prefecture, city_name, line1, line2, company, phone = offices[contact.company_key]
        if mobile[j]:
            phone = f"{MOBILE_PREFIXES[prefix[j]]}-{number[j] // 10**4:04d}-{number[j] % 10**4:04d}"
        if full_width[j]:
            phone = phone.translate(_FULL_WIDTH)
        if incomplete[j]:  # typed without its city, or without the street
            city_name, line1 = ("", line1) if drop_city[j] else (city_name, "")
        english = contact.language_code == "en"
        person = f"{contact.first_name} {contact.last_name}" if english else f"{contact.last_name} {contact.first_name}"
        line_id = f"U{line_ids[j, 0]:016x}{line_ids[j, 1]:016x}" if contact.user_id and linked[j] else ""
        birthday = dt.date(int(born_year[j]), 1, 1) + dt.timedelta(days=int(born_day[j])) if born[j] else None
        out[contact.email] = ContactReach(phone, postal_code, prefecture, city_name, line1, line2, company,
                                          DEPARTMENTS[department[j]], person.strip(), line_id, birthday)
    return out
