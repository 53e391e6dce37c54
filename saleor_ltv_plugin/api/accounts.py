"""Accounts and their metrics: a filtered, sorted, cursor-paged list, and one account in full."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Status, Query, Router

from ..auth import Scope
from ..models import Account, AccountContact, AccountSkuRhythm, OrderFact
from ..queries.accounts import clean_filter, clean_sort, filter_accounts
from ..queries.pagination import paginate
from .errors import NotFound
from .schemas import AccountDetailOut, AccountFilterQuery, AccountPageOut, ErrorOut, PageQuery, filter_spec
from .security import need

router = Router(tags=["accounts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def account_out(account: Account) -> dict:
    metrics = getattr(account, "metrics", None)
    return {
        "id": account.pk, "name": account.display_name or account.key, "channel": account.channel,
        "currency": account.currency, "key_kind": account.key_kind, "erased": account.erased,
        "acquisition": acquisition_out(account),
        "metrics": None if metrics is None else metrics,
    }


def acquisition_out(account: Account) -> dict:
    return {"source": account.acquisition_source, "medium": account.acquisition_medium,
            "campaign": account.acquisition_campaign, "voucher_code": account.acquisition_voucher,
            "sales_source": account.acquisition_sales_source, "acquired_at": account.acquired_at}


def order_out(order: OrderFact) -> dict:
    return {**{name: getattr(order, name) for name in (
        "source", "external_id", "number", "created_at", "status", "total_gross", "amount", "counts_as_purchase")},
        "shipments": [{"ref": s.shipment_ref, "shipped_at": s.shipped_at, "tracking_number": s.tracking_number,
                       "carrier": s.carrier} for s in order.shipments.all()]}


@router.get("accounts", response={200: AccountPageOut, **ERRORS}, summary="List scored accounts")
def list_accounts(request: HttpRequest, filters: Query[AccountFilterQuery], page: Query[PageQuery]):
    """Filters combine with AND; ranges are inclusive (`<metric>_gte`, `<metric>_lte`). Sorted
    by `sort_by` (nulls last, ties by account id); pass `page_info.end_cursor` as `after`."""
    need(request, Scope.READ)
    spec = clean_filter(filter_spec(filters))
    keys = clean_sort(page.sort_by, page.direction)
    result = paginate(filter_accounts(spec).select_related("account"), keys, first=page.first, after=page.after,
                      with_count=True)
    return Status(200, {
        "items": [account_out(m.account) for m in result.rows],
        "page_info": {"has_next_page": result.has_next_page, "end_cursor": result.end_cursor},
        "total_count": result.total_count(),
    })


@router.get("accounts/{account_id}", response={200: AccountDetailOut, **ERRORS}, summary="One account in full")
def get_account(request: HttpRequest, account_id: int):
    """Metrics, contacts (erased people left out), per-SKU reorder dates and the last 50 orders."""
    need(request, Scope.READ)
    account = Account.objects.select_related("metrics").filter(pk=account_id).first()
    if account is None:
        raise NotFound("account_id", f"no account with id {account_id}")
    contacts = [link.contact for link in AccountContact.objects.filter(
        account=account, contact__erased_at__isnull=True).select_related("contact").order_by("-last_seen_at")[:100]]
    return Status(200, {
        **account_out(account),
        "contacts": contacts,
        "sku_rhythms": list(AccountSkuRhythm.objects.filter(account=account).order_by("next_reorder_on", "sku")[:500]),
        "orders": [order_out(order) for order in OrderFact.objects.filter(account=account)
                   .prefetch_related("shipments").order_by("-created_at", "-id")[:50]],
    })
