"""Query depth and cost limits, checked on the parsed document before anything runs.

Cost as in Saleor's query-cost validator, simplified: each field costs 1, and a field
taking `first`/`last` multiplies its sub-selection by that number (100 when absent).
"""

from __future__ import annotations

from graphql.language import ast

MAX_DEPTH = 12
MAX_COST = 50_000
DEFAULT_MULTIPLIER = 100


class LimitExceeded(Exception):
    def __init__(self, message: str, code: str, extensions: dict):
        super().__init__(message)
        self.code = code
        self.extensions = extensions


def _argument(node: ast.Field, names, variables: dict):
    for arg in node.arguments or []:
        if arg.name.value in names:
            value = arg.value
            if isinstance(value, ast.Variable):
                return variables.get(value.name.value)
            if isinstance(value, ast.IntValue):
                return int(value.value)
    return None


def _selection_cost(selection_set, fragments, variables, depth, seen) -> tuple[int, int]:
    """(cost, depth) of a selection set."""
    if selection_set is None:
        return 0, depth
    cost, deepest = 0, depth
    for selection in selection_set.selections:
        if isinstance(selection, ast.Field):
            if selection.name.value.startswith("__"):
                continue
            child_cost, child_depth = _selection_cost(selection.selection_set, fragments, variables, depth + 1, seen)
            multiplier = 1
            takes_page = any(a.name.value in ("first", "last") for a in selection.arguments or [])
            if selection.selection_set is not None and (takes_page or selection.name.value.startswith("ltvAccounts")):
                value = _argument(selection, ("first", "last"), variables)
                multiplier = value if isinstance(value, int) and value >= 0 else DEFAULT_MULTIPLIER
            cost += 1 + multiplier * child_cost
            deepest = max(deepest, child_depth)
        elif isinstance(selection, ast.FragmentSpread):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue  # cycles and unknown fragments are reported by validation
            c, d = _selection_cost(fragments[name].selection_set, fragments, variables, depth, seen | {name})
            cost, deepest = cost + c, max(deepest, d)
        elif isinstance(selection, ast.InlineFragment):
            c, d = _selection_cost(selection.selection_set, fragments, variables, depth, seen)
            cost, deepest = cost + c, max(deepest, d)
    return cost, deepest


def check(document: ast.Document, operation_name: str | None, variables: dict | None) -> None:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinition)}
    operations = [d for d in document.definitions if isinstance(d, ast.OperationDefinition)]
    for op in operations:
        if operation_name and (op.name is None or op.name.value != operation_name):
            continue
        cost, depth = _selection_cost(op.selection_set, fragments, variables or {}, 0, frozenset())
        if depth > MAX_DEPTH:
            raise LimitExceeded(
                f"The query exceeds the maximum depth of {MAX_DEPTH}. Actual depth is {depth}.",
                "QueryDepthError", {"depth": {"requestedQueryDepth": depth, "maximumAvailable": MAX_DEPTH}},
            )
        if cost > MAX_COST:
            raise LimitExceeded(
                f"The query exceeds the maximum cost of {MAX_COST}. Actual cost is {cost}.",
                "QueryCostError", {"cost": {"requestedQueryCost": cost, "maximumAvailable": MAX_COST}},
            )
