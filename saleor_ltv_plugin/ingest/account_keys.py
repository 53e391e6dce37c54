"""Which account an order belongs to: company name normalisation and the key rule.

The same company is written many ways on billing addresses — 株式会社山田製作所,
(株)山田製作所, 山田製作所 株式会社, ＹＡＭＡＤＡ, "Yamada Co., Ltd." — and must
land on one account. Normalisation: NFKC (full/half-width forms, ㈱ → (株)),
case-folding, removing legal-form words, then removing spaces and punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Japanese legal forms, after NFKC (so ㈱ is already "(株)"); longest first.
_JA_LEGAL_FORMS = (
    "特定非営利活動法人", "一般社団法人", "公益社団法人", "一般財団法人", "公益財団法人",
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "医療法人", "社会福祉法人",
    "学校法人", "(株)", "(有)", "(同)", "(資)", "(名)", "(医)", "(社)", "(財)",
)
_EN_LEGAL_FORM = re.compile(
    r"(?:^|[\s,.])(?:co\.?,?\s*ltd|company\s+limited|co|ltd|limited|inc|incorporated|corp"
    r"|corporation|llc|l\.l\.c|plc|gmbh|k\.?\s?k|y\.?\s?k)\.?\s*$"
)
_EN_LEGAL_PREFIX = re.compile(r"^(?:the)\s+")
_PUNCTUATION_AND_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_company_name(name: str | None) -> str:
    """Return the comparison key of a company name ('' when nothing is left)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    for form in _JA_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = _EN_LEGAL_PREFIX.sub("", text.strip())
    previous = None
    while previous != text:  # "Foo Co., Ltd. Inc." style stacks
        previous = text
        text = _EN_LEGAL_FORM.sub("", text).strip(" ,.")
    return _PUNCTUATION_AND_SPACE.sub("", text)


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


@dataclass(frozen=True)
class AccountKey:
    kind: str  # AccountKeyKind value
    key: str
    display_name: str


def resolve_account_key(
    rule: str,
    *,
    company_name: str | None,
    metadata_value: str | None,
    user_id: str | None,
    email: str | None,
    external_key: str = "",
    person_name: str = "",
) -> AccountKey | None:
    """Apply the channel's key rule; fall back to user, then a mall's customer id, then e-mail (guests).

    Returns None when the order names nobody at all (no user, no e-mail):
    such an order cannot be attributed and is kept out of account metrics.
    """
    if rule == "company":
        key = normalise_company_name(company_name)
        if key:
            return AccountKey("company", key, (company_name or "").strip())
    elif rule == "metadata":
        value = (metadata_value or "").strip()
        if value:
            return AccountKey("metadata", value.casefold(), value)
    if user_id:
        return AccountKey("user", str(user_id), normalise_email(email) or str(user_id))
    if external_key:
        return AccountKey("external", external_key, person_name.strip() or external_key)
    mail = normalise_email(email)
    if mail:
        return AccountKey("email", mail, mail)
    return None
