"""Per-request batch loaders (promise DataLoader, as Saleor does): one query per nested
field for a whole page of accounts instead of one per account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber
from promise import Promise
from promise.dataloader import DataLoader

from ..models import AccountContact, AccountSkuRhythm, CatalogueProduct, OrderFact, OrderLineFact, ShipmentFact


def loader(info, cls) -> DataLoader:
    store = info.context.__dict__.setdefault("_ltv_loaders", {})
    if cls not in store:
        store[cls] = cls()
    return store[cls]


def _top_per_account(queryset, keys, order_by):
    """Rows per (account_id, limit, *params) key, at most `limit` each, via one window query
    per distinct parameter set."""
    by_params: dict[tuple, list[int]] = defaultdict(list)
    for key in keys:
        by_params[key[1:]].append(key[0])
    found: dict[tuple, list] = defaultdict(list)
    for params, account_ids in by_params.items():
        limit, extra = params[0], params[1:]
        qs = queryset(*extra).filter(account_id__in=account_ids).annotate(
            _rank=Window(RowNumber(), partition_by=[F("account_id")], order_by=order_by)
        ).filter(_rank__lte=limit)
        for row in qs:
            found[(row.account_id, *params)].append(row)
    return [found.get(key, []) for key in keys]


class ContactsByAccount(DataLoader):
    def batch_load_fn(self, account_ids):
        by_account = defaultdict(list)
        links = (AccountContact.objects.filter(account_id__in=account_ids, contact__erased_at__isnull=True)
                 .select_related("contact").order_by("account_id", "-last_seen_at"))
        for link in links:
            link.contact.ltv_link = link  # its membership in this account
            by_account[link.account_id].append(link.contact)
        return Promise.resolve([by_account.get(k, []) for k in account_ids])


class SkuRhythmsByAccount(DataLoader):
    """Key: (account_id, limit, due_by or None); soonest reorder first."""

    def batch_load_fn(self, keys):
        def queryset(due_by: dt.date | None):
            qs = AccountSkuRhythm.objects.all()
            return qs if due_by is None else qs.filter(next_reorder_on__lte=due_by)

        return Promise.resolve(
            _top_per_account(queryset, keys, [F("next_reorder_on").asc(nulls_last=True), F("sku").asc()])
        )


class OrdersByAccount(DataLoader):
    """Key: (account_id, limit); newest first."""

    def batch_load_fn(self, keys):
        return Promise.resolve(_top_per_account(lambda: OrderFact.objects.all(), keys,
                                                [F("created_at").desc(), F("id").desc()]))


class ProductNameBySku(DataLoader):
    def batch_load_fn(self, skus):
        names = dict(
            OrderLineFact.objects.filter(sku__in=skus).exclude(product_name="")
            .values("sku").annotate(name=Max("product_name")).values_list("sku", "name")
        )
        missing = [s for s in skus if s not in names]
        if missing:  # a SKU no order line named: the shop's catalogue may
            names.update(CatalogueProduct.objects.filter(sku__in=missing).values_list("sku", "name"))
        return Promise.resolve([names.get(s, "") for s in skus])


def _by_order(model, order_ids, *order_by):
    by_order = defaultdict(list)
    for row in model.objects.filter(Q(order_id__in=order_ids)).order_by("order_id", *order_by):
        by_order[row.order_id].append(row)
    return Promise.resolve([by_order.get(k, []) for k in order_ids])


class LinesByOrder(DataLoader):
    def batch_load_fn(self, order_ids):
        return _by_order(OrderLineFact, order_ids, "id")


class ShipmentsByOrder(DataLoader):
    def batch_load_fn(self, order_ids):
        return _by_order(ShipmentFact, order_ids, "shipped_at", "id")
