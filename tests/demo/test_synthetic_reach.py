"""The demo buyers' phones, addresses and LINE links: deterministic from the seed, drawn apart from
the shop (its orders do not move), every phone a valid Japanese number once normalised, the
address's 〒 in its city's postal area, a few addresses incomplete and a few buyers on LINE."""

from __future__ import annotations

import dataclasses

from saleor_ltv_plugin.contact_data import missing_postal_fields, normalise_line_user_id, normalise_phone
from saleor_ltv_plugin.demo import synthetic
from saleor_ltv_plugin.demo.synthetic_reach import CITIES, reach


def test_reach_is_deterministic_apart_from_the_shop_and_valid(monkeypatch):
    shop = synthetic.generate_shop(n_companies=400)
    assert reach(shop.companies, shop.contacts, seed=42) == shop.reach
    assert set(shop.reach) == {c.email for c in shop.contacts}
    assert reach(shop.companies, shop.contacts, seed=7) != shop.reach  # another seed, other data
    monkeypatch.setattr(synthetic, "reach", lambda *args: {})
    without = synthetic.generate_shop(n_companies=400)  # the shop as it was before buyers had contact data
    assert [dataclasses.astuple(o) for o in shop.orders] == [dataclasses.astuple(o) for o in without.orders]
    postal_area = {(p, c): code for p, c, code, _, _ in CITIES}
    incomplete = 0
    for contact in shop.contacts:
        r = shop.reach[contact.email]
        assert normalise_phone(r.phone).startswith("+81")  # 03-…, 090-…, full width: all read as Japanese
        assert normalise_line_user_id(r.line_user_id) == r.line_user_id
        assert not r.line_user_id or contact.user_id  # only registered buyers follow the account
        if r.city:
            assert r.postal_code.startswith(postal_area[(r.prefecture, r.city)] + "-")
        address = type("A", (), {"address_country": "JP", "address_postal_code": r.postal_code,
                                 "address_prefecture": r.prefecture, "address_city": r.city,
                                 "address_line1": r.line1, "address_person": r.person, "address_company": r.company,
                                 "company_name": "", "last_name": ""})
        incomplete += bool(missing_postal_fields(address))
    share = incomplete / len(shop.contacts)
    linked = sum(bool(r.line_user_id) for r in shop.reach.values()) / len(shop.contacts)
    assert 0.02 < share < 0.07 and 0.005 < linked < 0.03, (share, linked)


def test_about_70_percent_of_the_buyers_gave_a_birthday_spread_over_the_year():
    shop = synthetic.generate_shop(n_companies=400)
    birthdays = [r.birthday for r in shop.reach.values() if r.birthday]
    share = len(birthdays) / len(shop.reach)
    assert 0.65 < share < 0.75, share
    assert all(1955 <= b.year <= 2000 for b in birthdays)
    months = {b.month for b in birthdays}
    assert months == set(range(1, 13))  # a birthday flow has recipients in every month
