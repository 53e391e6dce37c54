"""identity.upsert_contacts merges 200+ plain buyers set-based (bulk_accounts' statements): the
same refs through it and through the ORM leave the same contacts and return the same keys."""

from datetime import date

import pytest
from saleor_ltv_plugin.ingest import identity
from saleor_ltv_plugin.ingest.facts import CustomerRef, PostalAddress
from saleor_ltv_plugin.models import Contact

pytestmark = pytest.mark.django_db
FIELDS = ("saleor_user_id", "external_key", "email", "first_name", "last_name", "company_name", "language_code",
          "phone", "line_user_id", "birthday", "address_postal_code", "address_line1", "address_city", "metadata",
          "company_confirmed", "marketing_consent")


def _ref(i: int, later: bool) -> CustomerRef:
    """Buyer i as a first batch knows them, or as a later one (more fields, some of them different)."""
    kind = i % 3  # a registered user, a mall buyer, a guest
    address = PostalAddress("100-0001", "JP", "東京都", "千代田区", f"丸の内{i}") if later and i % 5 == 0 else None
    return CustomerRef(
        user_id=str(7000 + i) if kind == 0 else None, external_key=f"rakuten:{i}" if kind == 1 else "",
        email=f"b{i}@x.example" if kind != 1 else "",
        first_name=(f"名{i}" if later else "") if i % 2 else f"最初{i}",  # filled when lacking, kept when set
        last_name=f"姓{i}", company_name=f"会社{i % 9}" if later else "",
        phone=f"+8131234{i:04d}" if later and i % 4 == 0 else "", address=address,
        birthday=date(1980, 1, 1 + i % 28) if later and i % 6 == 0 else None)


def _run() -> tuple[list[tuple], list]:
    keys = []
    for later in (False, True):
        found = identity.upsert_contacts(_ref(i, later) for i in range(260))
        keys.append(sorted((str(k), found[k].email, found[k].first_name) for k in found))
    rows = sorted((tuple(str(getattr(c, f)) for f in FIELDS) for c in Contact.objects.all()))
    return rows, keys


def test_the_set_based_merge_leaves_what_the_orm_leaves(monkeypatch):
    assert 260 >= identity.SET_BASED_MIN
    set_based = _run()
    Contact.objects.all().delete()
    monkeypatch.setattr(identity, "SET_BASED_MIN", 10**9)
    assert _run() == set_based
    assert len(set_based[0]) == 260 and any(row[7] for row in set_based[0])  # phones were filled in


def _prospects() -> tuple[list, set]:
    from saleor_ltv_plugin.ingest.prospects import link_prospects
    from saleor_ltv_plugin.models import Account, AccountContact

    identity.upsert_contacts(CustomerRef(user_id=str(8000 + i), email=f"p{i}@x.example", last_name=f"姓{i}",
                                         company_name=f"見込{i % 250}" if i % 3 else "") for i in range(330))
    linked = link_prospects()
    accounts = {a.pk: (a.channel, a.currency, a.key_kind, a.key, a.display_name) for a in Account.objects.all()}
    links = sorted((accounts[x.account_id], x.contact.saleor_user_id) for x in AccountContact.objects.all())
    return links, {accounts[pk] for pk in linked}


def test_prospects_get_the_same_accounts_set_based(monkeypatch):
    from saleor_ltv_plugin.models import Account

    set_based = _prospects()
    assert len(set_based[0]) == 330 and len(set_based[1]) >= identity.SET_BASED_MIN
    Contact.objects.all().delete()
    Account.objects.all().delete()
    monkeypatch.setattr(identity, "SET_BASED_MIN", 10**9)
    monkeypatch.setattr("saleor_ltv_plugin.ingest.prospects.SET_BASED_MIN", 10**9)
    assert _prospects() == set_based
