"""The filter language's validation: a raw filter (JSON) → its normalised form, or errors by path.

A filter is an object whose fields all hold (AND). Besides the metric fields of the account list
(`stages`, `r_score: {gte, lte}` …, as before groups existed: a stored flat filter keeps its
meaning), a node may hold purchase, browsing, account and contact conditions, and the groups
`all: [node, …]`, `any: [node, …]` and `not: node`. Errors name the node's path
(`filter.any[2].bought.sku`) in English and Japanese. The tree is bounded (depth, conditions,
list lengths) before anything reaches the database, so a hostile filter costs little.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.cpm import CELLS
from ..engine.lifecycle import STAGES
from ..engine.metric_columns import FIGURES
from ..engine.rfm import SEGMENTS
from ..models import ConsentState, SalesSource
from .errors import InputError
from .regions import REGIONS

NUMBER, DATE, INT = "number", "date", "int"
RANGE_KINDS = {"count": INT, "days": INT, "score": INT, "ratio": NUMBER, "money": NUMBER, "date": DATE}
# Every metric figure with an order is a range (`{gte, lte}`); the labels are CHOICES, churn_risk a flag.
RANGES = {column.name: (column.name, RANGE_KINDS[column.kind]) for column in FIGURES if column.kind in RANGE_KINDS}
CHOICES = {"stages": ("stage", STAGES), "cpm_cells": ("cpm_cell", CELLS), "rfm_segments": ("rfm_segment", SEGMENTS)}
TEXT = ("channel", "currency", "search", "sku", "acquisition_source")
# Lists of free values (an account has a contact, tag or order with one of them): field → longest value.
VALUE_LISTS = {"tags": 64, "languages": 35, "prefectures": 128}
# Lists of known names: field → allowed values.
NAME_LISTS = {"sales_sources": tuple(SalesSource.values), "regions": tuple(REGIONS)}
CONDITIONS = ("bought", "viewed", "consent", "stage_on")
GROUPS = ("all", "any", "not")
FLAT_FIELDS = frozenset({*TEXT, *CHOICES, *RANGES, "churn_risk"})  # what the REST list takes as plain parameters
FILTER_FIELDS = (*TEXT, *CHOICES, *RANGES, "churn_risk", *VALUE_LISTS, *NAME_LISTS, *CONDITIONS, *GROUPS)

MAX_TEXT = 255
MAX_INT = 2**31 - 1  # the integer columns' range; beyond it PostgreSQL would compare numerics
MAX_DEPTH = 6  # groups inside groups
MAX_NODES = 60  # groups and conditions in one filter
MAX_CHILDREN = 20  # nodes in one all / any group
MAX_VALUES = 200  # values in one list
MAX_DAYS = 36500
MAX_TIMES = 100_000
_MEDIUM = re.compile(r"^[a-z_]{1,16}$")

_KIND_TEXT = {DATE: ("an ISO date (YYYY-MM-DD)", "ISO 形式の日付（YYYY-MM-DD）"),
              INT: (f"a whole number of at most {MAX_INT}", f"{MAX_INT} 以下の整数"),
              NUMBER: ("a finite number", "有限の数値")}


def parse(kind: str, value: Any) -> Any:
    """A bound as Python: date, int or Decimal; ValueError (or kin) when it is none of them."""
    if kind == DATE:
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))
    if kind == INT:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        if not -MAX_INT <= int(value) <= MAX_INT:
            raise ValueError
        return int(value)
    if isinstance(value, bool):
        raise ValueError
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return number


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else str(value) if isinstance(value, Decimal) else value


class _Check:
    """Errors by path, in both languages, and the tree's budget."""

    def __init__(self):
        self.en: dict[str, str] = {}
        self.ja: dict[str, str] = {}
        self.nodes = 0

    def fail(self, path: str, en: str, ja: str) -> None:
        self.en.setdefault(path, en)
        self.ja.setdefault(path, ja)

    def spend(self, path: str) -> bool:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(path, f"a filter may hold at most {MAX_NODES} conditions and groups",
                      f"条件とグループは合わせて {MAX_NODES} 個までです")
            return False
        return True


def clean_filter(raw: Any) -> dict:
    """Validate a filter; returns its normalised JSON-safe form or raises InputError by path."""
    check = _Check()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        check.fail("filter", "must be an object", "オブジェクトで指定してください")
        clean: dict = {}
    else:
        clean = _node(raw, "filter", 0, check)
    if check.en:
        raise InputError(check.en, ja=check.ja)
    return clean


def merge_spec(fields: dict, extra: Any, path: str) -> dict:
    """An API's typed fields and the JSON part of the same filter (at `path`), as one node."""
    if not isinstance(extra, dict):
        raise InputError({path: "must be a JSON object"}, ja={path: "JSON オブジェクトで指定してください"})
    twice = sorted(set(fields) & set(extra))
    if twice:
        raise InputError({f"filter.{name}": f"given both as a field and in {path}" for name in twice},
                         ja={f"filter.{name}": f"項目と {path} の両方で指定されています" for name in twice})
    return {**fields, **extra}


def _node(raw: dict, path: str, depth: int, check: _Check) -> dict:
    if depth > MAX_DEPTH:
        check.fail(path, f"groups may nest at most {MAX_DEPTH} deep", f"グループの入れ子は {MAX_DEPTH} 段までです")
        return {}
    if not check.spend(path):
        return {}
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        at = f"{path}.{name}"
        if name not in FILTER_FIELDS:
            check.fail(at, "unknown filter", "不明な条件です")
        elif value is None or (_blank(value) and name in (*TEXT, *CHOICES, *VALUE_LISTS, *NAME_LISTS)):
            continue  # an empty field means no condition, as it always did
        elif name in GROUPS:
            groups = _group(name, value, at, depth, check)
            if groups is not None:
                clean[name] = groups
        elif check.spend(at):
            cleaned = _field(name, value, at, check)
            if cleaned is not None:
                clean[name] = cleaned
    return clean


def _blank(value: Any) -> bool:
    return value == [] or (isinstance(value, str) and not value.strip())


def _group(name: str, value: Any, path: str, depth: int, check: _Check):
    if name == "not":
        if not isinstance(value, dict):
            check.fail(path, "must be an object (one filter node)", "条件オブジェクトひとつで指定してください")
            return None
        return _node(value, path, depth + 1, check)
    if not isinstance(value, list) or not value:
        check.fail(path, "must be a non-empty list of filter nodes", "条件オブジェクトのリスト（1 件以上）で指定してください")
        return None
    if len(value) > MAX_CHILDREN:
        check.fail(path, f"a group may hold at most {MAX_CHILDREN} nodes", f"ひとつのグループに入る条件は {MAX_CHILDREN} 件までです")
        return None
    out = []
    for index, child in enumerate(value):
        at = f"{path}[{index}]"
        if not isinstance(child, dict):
            check.fail(at, "must be an object (one filter node)", "条件オブジェクトで指定してください")
            continue
        out.append(_node(child, at, depth + 1, check))
    return out


def _field(name: str, value: Any, path: str, check: _Check):
    if name in TEXT:
        return _text(value, path, check)
    if name in CHOICES:
        return _names(value, CHOICES[name][1], path, check)
    if name in NAME_LISTS:
        return _names(value, NAME_LISTS[name], path, check)
    if name in VALUE_LISTS:
        return _values(value, VALUE_LISTS[name], path, check)
    if name in RANGES:
        return _range(value, RANGES[name][1], path, check)
    if name == "churn_risk":
        if not isinstance(value, bool):
            check.fail(path, "must be true or false", "true か false で指定してください")
            return None
        return value
    return {"bought": _bought, "viewed": _viewed, "consent": _consent, "stage_on": _stage_on}[name](value, path, check)


def _text(value: Any, path: str, check: _Check, limit: int = MAX_TEXT):
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        check.fail(path, f"must be text of 1 to {limit} characters", f"1〜{limit} 文字の文字列で指定してください")
        return None
    return value.strip()


def _list(value: Any, path: str, check: _Check) -> list | None:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        check.fail(path, "must be a list of names", "名前のリストで指定してください")
        return None
    if len(value) > MAX_VALUES:
        check.fail(path, f"may hold at most {MAX_VALUES} values", f"値は {MAX_VALUES} 個までです")
        return None
    return list(value)


def _names(value: Any, allowed: tuple, path: str, check: _Check):
    values = _list(value, path, check)
    if values is None:
        return None
    bad = [v for v in values if v not in allowed]
    if bad:
        shown = ", ".join(bad[:5])
        check.fail(path, f"unknown value(s) {shown}; allowed: {', '.join(allowed)}",
                   f"不明な値: {shown}（使える値: {', '.join(allowed)}）")
        return None
    return sorted(set(values))


def _values(value: Any, limit: int, path: str, check: _Check):
    values = _list(value, path, check)
    if values is None:
        return None
    if any(not v.strip() or len(v) > limit or "\x00" in v for v in values):
        check.fail(path, f"each value must be 1 to {limit} characters", f"各値は 1〜{limit} 文字で指定してください")
        return None
    return sorted({v.strip() for v in values})


def _range(bounds: Any, kind: str, path: str, check: _Check):
    if not isinstance(bounds, dict) or set(bounds) - {"gte", "lte"}:
        check.fail(path, "must be an object with gte and/or lte", "gte と lte（どちらか一方でも可）を持つオブジェクトで指定してください")
        return None
    parsed = {}
    for side in ("gte", "lte"):
        if bounds.get(side) is None:
            continue
        try:
            parsed[side] = parse(kind, bounds[side])
        except (TypeError, ValueError, InvalidOperation, OverflowError):
            en, ja = _KIND_TEXT[kind]
            check.fail(f"{path}.{side}", f"must be {en}", f"{ja}で指定してください")
    if "gte" in parsed and "lte" in parsed and parsed["gte"] > parsed["lte"]:
        check.fail(path, "gte must not be greater than lte", "gte が lte より大きくなっています")
        return None
    return {k: _json(v) for k, v in parsed.items()} or None


def _object(value: Any, allowed: set[str], path: str, check: _Check) -> dict | None:
    if not isinstance(value, dict):
        check.fail(path, "must be an object", "オブジェクトで指定してください")
        return None
    ok = True
    for key in value:
        if key == "category" and "category" not in allowed:
            check.fail(f"{path}.category", "product categories are not recorded with order lines yet",
                       "注文明細には商品カテゴリがまだ記録されていません")
            ok = False
        elif key not in allowed:
            check.fail(f"{path}.{key}", "unknown field", "不明な項目です")
            ok = False
    return value if ok else None


def _whole(value: Any, low: int, high: int, path: str, check: _Check) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        check.fail(path, f"must be a whole number from {low} to {high}", f"{low}〜{high} の整数で指定してください")
        return None
    return value


def _date(value: Any, path: str, check: _Check) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    check.fail(path, "must be an ISO date (YYYY-MM-DD)", "ISO 形式の日付（YYYY-MM-DD）で指定してください")
    return None


def _product(value: dict, path: str, check: _Check, required: bool) -> dict | None:
    """The item a purchase or view is about: one of sku and product (a product id)."""
    given = [k for k in ("sku", "product") if value.get(k) is not None]
    if len(given) > 1 or (required and not given):
        check.fail(path, "give exactly one of sku and product" if required else "give at most one of sku and product",
                   "sku と product のどちらか一方を指定してください" if required
                   else "sku と product は同時に指定できません")
        return None
    out = {}
    for key in given:
        text = _text(value[key], f"{path}.{key}", check)
        if text is None:
            return None
        out[key] = text
    return out


def _bought(value: Any, path: str, check: _Check):
    """Bought an item: at least `min_times` purchases (orders) holding it, in a date range and/or
    the last `within_days` days; `never: true` turns it round (no such purchase)."""
    value = _object(value, {"sku", "product", "min_times", "since", "until", "within_days", "never"}, path, check)
    if value is None:
        return None
    out = _product(value, path, check, required=True)
    if out is None:
        return None
    if value.get("min_times") not in (None, 1):
        times = _whole(value["min_times"], 1, MAX_TIMES, f"{path}.min_times", check)
        if times is None:
            return None
        out["min_times"] = times
    dates = {}
    for key in ("since", "until"):
        if value.get(key) is not None:
            day = _date(value[key], f"{path}.{key}", check)
            if day is None:
                return None
            dates[key] = day
    if dates.get("since") and dates.get("until") and dates["since"] > dates["until"]:
        check.fail(path, "since must not be after until", "since が until より後になっています")
        return None
    out.update({k: d.isoformat() for k, d in dates.items()})
    if value.get("within_days") is not None:
        days = _whole(value["within_days"], 1, MAX_DAYS, f"{path}.within_days", check)
        if days is None:
            return None
        out["within_days"] = days
    never = _flag(value, "never", path, check)
    if never is None:
        return None
    if never and "min_times" in out:
        check.fail(f"{path}.never", "never cannot be combined with min_times", "never と min_times は同時に指定できません")
        return None
    return {**out, "never": True} if never else out


def _flag(value: dict, key: str, path: str, check: _Check) -> bool | None:
    """An optional true/false field (absent: false); None when it is something else."""
    if value.get(key) is None:
        return False
    if not isinstance(value[key], bool):
        check.fail(f"{path}.{key}", "must be true or false", "true か false で指定してください")
        return None
    return value[key]


def _viewed(value: Any, path: str, check: _Check):
    """Viewed an item (any, if neither sku nor product) in the last `within_days` days;
    `not_bought: true` keeps only views of items the account did not buy in those days."""
    value = _object(value, {"sku", "product", "within_days", "not_bought"}, path, check)
    if value is None:
        return None
    out = _product(value, path, check, required=False)
    if out is None:
        return None
    if value.get("within_days") is None:
        check.fail(f"{path}.within_days", "required", "必須です")
        return None
    days = _whole(value["within_days"], 1, MAX_DAYS, f"{path}.within_days", check)
    not_bought = _flag(value, "not_bought", path, check)
    if days is None or not_bought is None:
        return None
    out["within_days"] = days
    return {**out, "not_bought": True} if not_bought else out


def _consent(value: Any, path: str, check: _Check):
    """A contact of the account holds one of `states` for `medium` (email, line, sms, postal …);
    e-mail counts an unsubscribe as revoked, another medium without a record as unknown."""
    value = _object(value, {"medium", "states"}, path, check)
    if value is None:
        return None
    medium = value.get("medium")
    if not isinstance(medium, str) or not _MEDIUM.match(medium):
        check.fail(f"{path}.medium", "must be a medium's name (email, line, sms, postal …)",
                   "配信手段の名前（email、line、sms、postal など）で指定してください")
        return None
    states = _names(value.get("states") or [], tuple(ConsentState.values), f"{path}.states", check)
    if not states:
        if states is not None:
            check.fail(f"{path}.states", "required", "必須です")
        return None
    return {"medium": medium, "states": states}


NOT_SCORED = "none"  # stage_on's name for "no stage that day" (not yet bought, or no purchase left)


def _stage_on(value: Any, path: str, check: _Check):
    """The account's lifecycle stage on a past `day` (the recomputes' stage history) is one of
    `stages`; `none` = it had none that day. Trends' movement cells open their accounts with two."""
    value = _object(value, {"day", "stages"}, path, check)
    if value is None:
        return None
    day = _date(value.get("day"), f"{path}.day", check)
    stages = _names(value.get("stages") or [], (*STAGES, NOT_SCORED), f"{path}.stages", check)
    if not stages:
        if stages is not None:
            check.fail(f"{path}.stages", "required", "必須です")
        return None
    return {"day": day.isoformat(), "stages": stages} if day else None
