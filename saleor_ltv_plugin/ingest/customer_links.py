"""Link mall and ERP buyers to the shop's accounts.

Mall buyers' e-mails are masked, so they are keyed by the mall's customer id (Contact.external_key)
and land on an account of their own. A shop that knows who they buy for links them: the buyer's
orders move to that account now, and orders imported later follow (the key rule in
ingest/orders.py:account_key consults the link first). Unlinking (a wrong link, a buyer who changed
company) sends the orders back where the rule puts them without the link. All or nothing; the
accounts touched are re-scored once, after the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..models import Account, AccountKeyKind, Contact, OrderFact
from .account_keys import normalise_company_name
from .rekey import move_orders_of


MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class LinkRequest:
    row: int  # the 1-based position in the batch, or the line in the file
    customer_id: str  # the buyer's external key, namespaced: rakuten:…, erp:…
    account_id: int | None = None
    company_name: str = ""


@dataclass(frozen=True)
class LinkProblem:
    row: int
    field: str
    en: str
    ja: str
    code: str = "invalid"

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.en, "message_ja": self.ja}


@dataclass(frozen=True)
class LinkResult:
    linked: int  # buyers whose link this call set or changed
    unchanged: int  # already linked there
    orders_moved: int
    accounts_rescored: int


def resolve(requests: Sequence[LinkRequest]) -> tuple[list[tuple[Contact, Account]], list[LinkProblem]]:
    """(buyer, account) per request, or the problems naming each bad request's field and reason."""
    contacts = {c.external_key: c for c in Contact.objects.filter(
        saleor_user_id__isnull=True, external_key__in={r.customer_id for r in requests if r.customer_id})}
    by_id = Account.objects.in_bulk({r.account_id for r in requests if r.account_id is not None
                                     and 0 < r.account_id <= MAX_ID})  # larger: no row, and no DB overflow
    companies: dict[str, Account] = {}
    names = {normalise_company_name(r.company_name) for r in requests if r.company_name} - {""}
    for account in Account.objects.filter(key_kind=AccountKeyKind.COMPANY, key__in=names).order_by("pk"):
        companies.setdefault(account.key, account)
    pairs, problems, targets = [], [], {}
    for r in requests:
        problem = _problem(r, contacts, by_id, companies, targets)
        if problem:
            problems.append(problem)
        else:
            contact = contacts[r.customer_id]
            account = by_id[r.account_id] if r.account_id is not None else companies[
                normalise_company_name(r.company_name)]
            targets[r.customer_id] = (account.key_kind, account.key)
            pairs.append((contact, account))
    return pairs, problems


def _problem(r: LinkRequest, contacts, by_id, companies, targets) -> LinkProblem | None:
    def bad(field: str, en: str, ja: str) -> LinkProblem:
        return LinkProblem(r.row, field, en, ja)

    contact = contacts.get(r.customer_id)
    problem = _buyer_problem(r.row, r.customer_id, contact)
    if problem:
        return problem
    if r.account_id is not None and r.company_name:
        return bad("account_id", "give account_id or company_name, not both",
                   "アカウントID: アカウントIDか会社名のどちらか一方を指定してください")
    if r.account_id is None and not r.company_name:
        return bad("company_name", "required: the company (or account_id) to link the customer to",
                   "会社名: 必須です(またはアカウントIDを指定してください)")
    if r.account_id is not None:
        account = by_id.get(r.account_id)
        if account is None:
            return bad("account_id", f"no account with id {r.account_id}", f"アカウントID: {r.account_id} のアカウントがありません")
    else:
        account = companies.get(normalise_company_name(r.company_name))
        if account is None:
            return bad("company_name", f"no company account named {r.company_name!r}",
                       f"会社名: 「{r.company_name}」の取引先(会社)アカウントがありません")
    field = "account_id" if r.account_id is not None else "company_name"
    if account.erased:
        return bad(field, "this account was erased", f"{_JA[field]}: このアカウントは削除済みです")
    if (account.key_kind, account.key) == (AccountKeyKind.EXTERNAL, contact.external_key):
        return bad(field, "this is the customer's own account", f"{_JA[field]}: この顧客自身のアカウントです")
    if targets.get(r.customer_id, (account.key_kind, account.key)) != (account.key_kind, account.key):
        return bad("customer_id", "the same customer is linked to two accounts in this batch",
                   "顧客ID: 同じ顧客を2つのアカウントに紐付けようとしています")
    return None


def _buyer_problem(row: int, customer_id: str, contact: Contact | None) -> LinkProblem | None:
    if not customer_id:
        return LinkProblem(row, "customer_id", "required: the mall's or ERP's customer id (rakuten:…)", "顧客ID: 必須です")
    if contact is None:
        return LinkProblem(row, "customer_id", f"no customer with the id {customer_id!r} (import their orders or "
                           "the customer list first)",
                           f"顧客ID: {customer_id} の顧客がいません(先に注文か顧客一覧を取り込んでください)", "not_found")
    if contact.erased_at is not None:
        return LinkProblem(row, "customer_id", "this customer was erased", "顧客ID: この顧客は削除済みです")
    return None


_JA = {"account_id": "アカウントID", "company_name": "会社名"}


def link_customers(pairs: Sequence[tuple[Contact, Account]]) -> LinkResult:
    """Store the links and move the buyers' orders, in one transaction; then re-score once."""
    with transaction.atomic():
        now, changed = timezone.now(), []
        for contact, account in pairs:
            wanted = (account.key_kind, account.key, account.display_name or account.key)
            if (contact.linked_account_kind, contact.linked_account_key, contact.linked_account_name) == wanted:
                continue
            contact.linked_account_kind, contact.linked_account_key, contact.linked_account_name = wanted
            contact.linked_at = now
            changed.append(contact)
        Contact.objects.bulk_update(changed, ["linked_account_kind", "linked_account_key", "linked_account_name",
                                              "linked_at"])
        contacts = {contact.pk: contact for contact, _ in pairs}
        moved, touched = move_orders_of(list(contacts.values()))
    rescored = _rescore(touched)
    return LinkResult(linked=len(changed), unchanged=len(contacts) - len(changed), orders_moved=moved,
                      accounts_rescored=rescored)


def _rescore(touched: set[int]) -> int:
    """Re-score the accounts a move touched that still exist (an emptied one is gone); how many."""
    rescored = set(Account.objects.filter(pk__in=touched).values_list("pk", flat=True))
    if rescored:
        signals.orders_changed.send(sender=OrderFact, account_ids=rescored)
    return len(rescored)


def linked_buyer(customer_id: str) -> tuple[Contact | None, LinkProblem | None]:
    """The buyer an unlink names, or why there is none (one not linked is no problem: nothing to do)."""
    contact = Contact.objects.filter(saleor_user_id__isnull=True, external_key=customer_id).first() \
        if customer_id else None
    problem = _buyer_problem(1, customer_id, contact)
    return (None, problem) if problem else (contact, None)


def unlink_customer(contact: Contact) -> LinkResult:
    """Drop the buyer's link and move their orders where the key rule alone puts them; then re-score."""
    if not contact.linked_account_kind:
        return LinkResult(linked=0, unchanged=1, orders_moved=0, accounts_rescored=0)
    with transaction.atomic():
        contact.linked_account_kind = contact.linked_account_key = contact.linked_account_name = ""
        contact.linked_at = None
        contact.save(update_fields=["linked_account_kind", "linked_account_key", "linked_account_name", "linked_at"])
        moved, touched = move_orders_of([contact])
    rescored = _rescore(touched)
    return LinkResult(linked=1, unchanged=0, orders_moved=moved, accounts_rescored=rescored)
