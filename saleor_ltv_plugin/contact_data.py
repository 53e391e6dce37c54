"""Phone numbers, postal codes, LINE user ids and birthdays as every source hands them in → one form.

Checked where values come in (REST ingest, Saleor, metadata): a bad value is refused with
the reason (REST names the field; Saleor's values are dropped, never a failed order).
Numbers without a country code are read as Japanese: 03-1234-5678, ０９０－１２３４－５６７８,
(03)1234-5678 and +81 (0)3-1234-5678 all become +81312345678 (ITU-T E.164).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MAX_E164_DIGITS = 15  # E.164 §6.1: country code + national number
# Dashes people type between digit groups; NFKC leaves these (and the long-vowel mark ー) as they are.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー･・.()（）]")
# Japanese national significant numbers of 10 digits (after the trunk 0): mobiles, IP phones,
# M2M, and 0800 free dial; every other number (landlines, 0120, 0570) has 9.
_JP_TEN_DIGITS = ("20", "50", "60", "70", "80", "90", "800")
_LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


class ContactDataError(ValueError):
    """The reason, in English and Japanese (it reaches API clients and the Dashboard as it is)."""


def normalise_phone(value: str) -> str:
    """E.164 ("+81312345678") or "" for an empty value; raises ContactDataError for what is not a number."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return ""
    text = _SEPARATORS.sub("", text.replace("(0)", "") if "+" in text else text)
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):  # international prefix (most of the world)
        digits = text[2:]
    elif text.startswith("010"):  # Japan's international prefix
        digits = text[3:]
    elif text.startswith("0"):
        digits = "81" + text[1:]
    else:
        raise ContactDataError("must start with 0 (a Japanese number) or + and a country code "
                               "(0から始まる国内番号か、+と国番号から始めてください)")
    if not digits.isdigit():
        raise ContactDataError("may hold only digits, spaces, hyphens and brackets "
                               "(数字・空白・ハイフン・括弧のみ使えます)")
    if digits.startswith("81"):
        national = digits[2:]
        expected = 10 if national.startswith(_JP_TEN_DIGITS) else 9
        if national.startswith("0") or len(national) != expected:
            raise ContactDataError(f"is not a Japanese phone number: {expected + 1} digits with the leading 0 expected "
                                   f"(日本の電話番号は先頭の0を含めて{expected + 1}桁です)")
    elif not 8 <= len(digits) <= MAX_E164_DIGITS or digits.startswith("0"):
        raise ContactDataError(f"must have 8 to {MAX_E164_DIGITS} digits with the country code "
                               f"(国番号を含めて8〜{MAX_E164_DIGITS}桁にしてください)")
    return "+" + digits


def normalise_postal_code(value: str, country: str = "JP") -> str:
    """Japan: "1000001", "〒100-0001", "１００－０００１" → "100-0001". Elsewhere: trimmed, upper case."""
    text = unicodedata.normalize("NFKC", value or "").strip().lstrip("〒").strip()
    if not text:
        return ""
    if (country or "JP").upper() == "JP":
        digits = _SEPARATORS.sub("", text)
        if not (digits.isdigit() and len(digits) == 7):
            raise ContactDataError("must be a Japanese postal code of 7 digits, e.g. 100-0001 "
                                   "(郵便番号は7桁の数字で入力してください。例：100-0001)")
        return f"{digits[:3]}-{digits[3:]}"
    if len(text) > 16:
        raise ContactDataError("must be at most 16 characters (16文字以内にしてください)")
    return text.upper()


def normalise_line_user_id(value: str) -> str:
    """A Messaging API user id: "U" and 32 lower-case hex digits (LINE's documented form)."""
    text = (value or "").strip()
    if text and not _LINE_USER_ID.match(text):
        raise ContactDataError("must be a LINE user id: U followed by 32 hex digits "
                               "(LINEユーザーIDはUと32桁の16進数です)")
    return text


def parse_birthday(value: str | date | None, today: date | None = None) -> date | None:
    """ISO 8601 (1980-04-01) or 1980/04/01, full-width digits too; not in the future, not before 1900."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        day = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-")
        try:
            day = date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        except ValueError:
            raise ContactDataError("must be a date such as 1980-04-01 (1980-04-01の形式で入力してください)") from None
    if not date(1900, 1, 1) <= day <= (today or date.today()):
        raise ContactDataError("must lie between 1900-01-01 and today (1900年1月1日から今日までの日付にしてください)")
    return day


# What a 宛名 label cannot be printed without: 〒, 都道府県 (Japan), 市区町村, 番地, and someone to address.
POSTAL_FIELDS = ("postal_code", "prefecture", "city", "line1", "addressee")


def missing_postal_fields(contact) -> list[str]:
    """The parts of a contact's postal address a letter cannot go without ("addressee": neither a
    person nor a company to write on it); [] when it is complete."""
    japan = (contact.address_country or "JP").upper() == "JP"
    present = {"postal_code": contact.address_postal_code, "prefecture": contact.address_prefecture if japan else "-",
               "city": contact.address_city, "line1": contact.address_line1,
               "addressee": contact.address_person or contact.address_company or contact.company_name
               or contact.last_name}
    return [name for name in POSTAL_FIELDS if not str(present[name] or "").strip()]
