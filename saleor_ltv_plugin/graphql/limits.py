"""Query depth and cost limits, checked on the parsed document before validation or execution.

Cost as in Saleor's query-cost validator, simplified: each field costs 1, aliases and
introspection fields included, and a field taking `first`/`last` multiplies its sub-selection by
that number (100 when absent). A fragment is costed once however often it is spread (so a
fragment that spreads the next one twice, forty deep, is costed in forty steps, not 2**40).
Introspection is priced by what it resolves: `__schema` is the whole schema, and inside
`__schema`/`__type` the list fields (types, fields, args, …) may nest only as deep as the
standard introspection query needs — `__type { fields { type { fields { …` fans out without end.
"""

from __future__ import annotations

from typing import NamedTuple

from graphql.language import ast

MAX_DEPTH = 12
MAX_COST = 50_000
DEFAULT_MULTIPLIER = 100
SCHEMA_COST = 5_000  # the full introspection query resolves about 15,000 fields here
TYPE_COST = 100
INTROSPECTION_ROOTS = ("__schema", "__type")
INTROSPECTION_LISTS = frozenset(
    {"types", "fields", "inputFields", "args", "enumValues", "interfaces", "possibleTypes", "directives", "locations"})
MAX_INTROSPECTION_LISTS = 3  # __schema → types → fields → args, the standard query's deepest
MAX_INTROSPECTION_DEPTH = 16  # TypeRef's ofType chain
MAX_INTROSPECTION_FIELDS = 10  # __schema and __type selections in one operation


class LimitExceeded(Exception):
    def __init__(self, message: str, code: str, extensions: dict):
        super().__init__(message)
        self.code = code
        self.extensions = extensions


class Tally(NamedTuple):
    cost: int = 0
    depth: int = 0
    lists: int = 0  # list fields nested in one path, inside introspection
    schemas: int = 0  # __schema selections
    introspection: int = 0  # __schema and __type selections

    def add(self, other: "Tally") -> "Tally":
        return Tally(self.cost + other.cost, max(self.depth, other.depth), max(self.lists, other.lists),
                     self.schemas + other.schemas, self.introspection + other.introspection)


class Checked(NamedTuple):
    introspection: bool  # the operation selects __schema or __type
    introspection_only: bool  # … and nothing else but __typename: its result is the same for everyone


def _argument(node: ast.Field, names, variables: dict):
    for arg in node.arguments or []:
        if arg.name.value in names:
            value = arg.value
            if isinstance(value, ast.Variable):
                return variables.get(value.name.value)
            if isinstance(value, ast.IntValue):
                return int(value.value)
    return None


class _Walker:
    def __init__(self, fragments: dict, variables: dict):
        self.fragments, self.variables = fragments, variables
        self.memo: dict[tuple[str, bool], Tally] = {}
        self.active: list[str] = []  # fragments being costed, outermost first

    def selections(self, selection_set, inside: bool) -> Tally:
        total = Tally()
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, ast.Field):
                total = total.add(self.field(selection, inside))
            elif isinstance(selection, ast.FragmentSpread):
                total = total.add(self.fragment(selection.name.value, inside))
            elif isinstance(selection, ast.InlineFragment):
                total = total.add(self.selections(selection.selection_set, inside))
        return total

    def fragment(self, name: str, inside: bool) -> Tally:
        if name in self.active:
            # refused here: graphql-core 2's overlapping-fields rule recurses without end on a cycle
            via = self.active[self.active.index(name) + 1:]
            raise LimitExceeded(f'Cannot spread fragment "{name}" within itself'
                                + (f" via {', '.join(via)}." if via else "."), "GraphQLError", {})
        if name not in self.fragments:
            return Tally()  # validation names it
        key = (name, inside)
        if key not in self.memo:
            self.active.append(name)
            self.memo[key] = self.selections(self.fragments[name].selection_set, inside)
            self.active.pop()
        return self.memo[key]

    def field(self, node: ast.Field, inside: bool) -> Tally:
        name = node.name.value
        entering = not inside and name in INTROSPECTION_ROOTS
        child = self.selections(node.selection_set, inside or entering)
        if entering:
            _check_introspection_shape(child)
            schema = name == "__schema"
            return Tally(cost=(SCHEMA_COST if schema else TYPE_COST) + child.cost, depth=1,
                         schemas=child.schemas + schema, introspection=child.introspection + 1)
        if inside:
            return child._replace(cost=1 + child.cost, depth=1 + child.depth,
                                  lists=child.lists + (name in INTROSPECTION_LISTS))
        multiplier = 1
        takes_page = any(a.name.value in ("first", "last") for a in node.arguments or [])
        if node.selection_set is not None and (takes_page or name.startswith("ltvAccounts")):
            value = _argument(node, ("first", "last"), self.variables)
            multiplier = value if isinstance(value, int) and value >= 0 else DEFAULT_MULTIPLIER
        return child._replace(cost=1 + multiplier * child.cost, depth=1 + child.depth)


def _check_introspection_shape(child: Tally) -> None:
    if child.lists > MAX_INTROSPECTION_LISTS:
        raise LimitExceeded(
            f"Introspection nests {child.lists} lists (types, fields, args, …) in one path; the maximum is "
            f"{MAX_INTROSPECTION_LISTS}, as the standard introspection query needs.",
            "QueryDepthError", {"depth": {"requestedIntrospectionLists": child.lists,
                                          "maximumAvailable": MAX_INTROSPECTION_LISTS}})
    if child.depth + 1 > MAX_INTROSPECTION_DEPTH:
        raise LimitExceeded(
            f"The introspection exceeds the maximum depth of {MAX_INTROSPECTION_DEPTH}. "
            f"Actual depth is {child.depth + 1}.",
            "QueryDepthError", {"depth": {"requestedQueryDepth": child.depth + 1,
                                          "maximumAvailable": MAX_INTROSPECTION_DEPTH}})


def _root_names(selection_set, fragments: dict, seen: set) -> set[str]:
    """The field names an operation selects at its root, through fragments."""
    names: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, ast.Field):
            names.add(selection.name.value)
        elif isinstance(selection, ast.InlineFragment):
            names |= _root_names(selection.selection_set, fragments, seen)
        elif isinstance(selection, ast.FragmentSpread) and selection.name.value in fragments \
                and selection.name.value not in seen:
            seen.add(selection.name.value)
            names |= _root_names(fragments[selection.name.value].selection_set, fragments, seen)
    return names


def check(document: ast.Document, operation_name: str | None, variables: dict | None) -> Checked:
    """Raise LimitExceeded for a document too deep or too costly to run; say whether it introspects."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinition)}
    walker = _Walker(fragments, variables or {})
    introspection, only = False, True
    for op in (d for d in document.definitions if isinstance(d, ast.OperationDefinition)):
        if operation_name and (op.name is None or op.name.value != operation_name):
            continue
        tally = walker.selections(op.selection_set, inside=False)
        if tally.depth > MAX_DEPTH:
            raise LimitExceeded(
                f"The query exceeds the maximum depth of {MAX_DEPTH}. Actual depth is {tally.depth}.",
                "QueryDepthError", {"depth": {"requestedQueryDepth": tally.depth, "maximumAvailable": MAX_DEPTH}},
            )
        if tally.cost > MAX_COST:
            raise LimitExceeded(
                f"The query exceeds the maximum cost of {MAX_COST}. Actual cost is {tally.cost}.",
                "QueryCostError", {"cost": {"requestedQueryCost": tally.cost, "maximumAvailable": MAX_COST}},
            )
        if tally.schemas > 1:
            raise LimitExceeded(
                f"A request may select __schema only once; this one selects it {tally.schemas} times.",
                "QueryLimitError", {"limit": {"name": "__schema", "maximumAvailable": 1}},
            )
        if tally.introspection > MAX_INTROSPECTION_FIELDS:
            raise LimitExceeded(
                f"A request may select __schema and __type at most {MAX_INTROSPECTION_FIELDS} times; this one "
                f"selects them {tally.introspection} times.",
                "QueryLimitError", {"limit": {"name": "introspection", "maximumAvailable": MAX_INTROSPECTION_FIELDS}},
            )
        roots = _root_names(op.selection_set, fragments, set())
        if tally.introspection:
            introspection = True
            if roots - {"__schema", "__type", "__typename"}:
                # Saleor's rule (graphql/views.py): introspection results are cached, queries are not
                raise LimitExceeded("Queries and introspection cannot be mixed in the same request.",
                                    "GraphQLError", {})
        else:
            only = False
    return Checked(introspection=introspection, introspection_only=introspection and only)
