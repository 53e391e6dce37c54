"""A print job as the rows a Japanese mailing house (宛名印字・封入代行) takes: the address columns
in the order their order forms list them, then the letter's merge fields, one row per letter.

Plain values; the REST layer neutralises formulas and encodes (UTF-8 with BOM or Shift_JIS).
"""

from __future__ import annotations

ADDRESS_HEADER = ("郵便番号", "住所1", "住所2", "住所3", "会社名", "部署", "氏名", "敬称")
MERGE_HEADER = ("件名", "宛名", "最終注文日", "クーポンコード", "差出人", "本文")
HEADER = (*ADDRESS_HEADER, *MERGE_HEADER, "管理番号")


def honorific(address: dict) -> str:
    """様 for a person; 御中 for a company or department written without one (business etiquette)."""
    return "様" if address.get("person") else "御中"


def address_lines(address: dict) -> tuple[str, str, str]:
    """住所1: 都道府県 + 市区町村; 住所2: 町名・番地; 住所3: 建物名・階."""
    return (f"{address.get('prefecture', '')}{address.get('city', '')}", address.get("line1", ""),
            address.get("line2", ""))


def row(item) -> list[str]:
    a, letter = item.address, item.letter
    merge = letter.get("merge", {})
    return [a.get("postal_code", ""), *address_lines(a), a.get("company", ""), a.get("department", ""),
            a.get("person", ""), honorific(a), letter.get("title", ""), merge.get("name", ""),
            merge.get("last_order_date", ""), merge.get("coupon", ""), merge.get("shop_name", ""),
            "\n".join(letter.get("lines", [])), f"{item.job_id}-{item.pk}"]


def rows(items) -> list[list[str]]:
    return [list(HEADER), *(row(item) for item in items)]
