"""Which shared accounts a buyer may see on the storefront (issue 15 #7).

The company key groups orders for the shop's analysis; anyone can type a company's name on a
billing address, so the key alone proves nobody belongs to the company. Staff views are not
filtered here: they keep grouping by company.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import conf
from ..models import AccountContact, AccountKeyKind, OrderFact

# Grouping keys a buyer can choose themselves: the billing company, and the user's public metadata.
SHARED_KEY_KINDS = frozenset({AccountKeyKind.COMPANY, AccountKeyKind.METADATA})
# Anyone can get an address here: a shared domain proves nothing about a company (rule email_domain).
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.co.jp", "yahoo.com", "ymail.com", "outlook.com", "outlook.jp",
    "hotmail.com", "hotmail.co.jp", "live.com", "live.jp", "msn.com", "icloud.com", "me.com", "mac.com",
    "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net", "mail.com", "yandex.com", "zoho.com",
    "qq.com", "163.com", "naver.com", "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp",
    "i.softbank.jp", "ymobile.ne.jp", "rakuten.jp", "nifty.com", "biglobe.ne.jp", "ocn.ne.jp",
    "so-net.ne.jp", "plala.or.jp", "excite.co.jp",
})


def email_domain(email: str) -> str:
    local, at, domain = (email or "").strip().lower().rpartition("@")
    return domain if at and local and domain else ""


def is_free_mail(domain: str) -> bool:
    return any(domain == free or domain.endswith("." + free) for free in FREE_MAIL_DOMAINS)


def visible_account_ids(contact_ids: Iterable[int], account_ids: Iterable[int]) -> list[int]:
    """Of `account_ids`, those the buyer behind `contact_ids` may see as theirs."""
    links = (AccountContact.objects.filter(contact_id__in=list(contact_ids), account_id__in=list(account_ids))
             .select_related("account", "contact"))
    return sorted({link.account_id for link in links if may_see(link)})


def may_see(link: AccountContact) -> bool:
    if link.account.key_kind not in SHARED_KEY_KINDS:
        return True  # a person's own account
    rule = conf.channel_settings(link.account.channel).company_membership
    if rule == "open" or link.confirmed_at is not None:
        return True
    if rule == "metadata" and link.contact.company_confirmed:
        return True
    if rule == "email_domain" and _domain_confirmed(link):
        return True
    # Unconfirmed: the account is still theirs alone when every order in it is their own.
    return not OrderFact.objects.filter(account_id=link.account_id).exclude(contact_id=link.contact_id).exists()


def _domain_confirmed(link: AccountContact) -> bool:
    domain = email_domain(link.contact.email)
    if not domain or is_free_mail(domain):
        return False
    confirmed = (AccountContact.objects.filter(account_id=link.account_id, confirmed_at__isnull=False,
                                               contact__erased_at__isnull=True)
                 .exclude(pk=link.pk).values_list("contact__email", flat=True))
    return any(email_domain(email) == domain for email in confirmed)
