"""The GraphQL endpoint: POST (or GET for queries) JSON in, Saleor's JSON error shape out.

Status codes as Saleor's: 400 for a request that can't run (bad JSON, syntax, validation,
limits), 401 for bad credentials, 413 for a body over the caller's limit, 200 otherwise with
per-field errors in `errors`.

What a request may cost is bounded before each expensive step: the body size by caller
(budget.py), then tokens / selections / aliases on the raw text, then depth and cost on the parsed
document (limits.py), and only then validation and execution. Introspection is for
authenticated callers (and anyone under DEBUG) and its results are cached, as Saleor does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from graphql import parse
from graphql.error import GraphQLError, GraphQLSyntaxError
from graphql.execution import execute
from graphql.language import ast
from graphql.validation import validate

from .. import __version__
from ..auth import AuthError, authenticate
from ..queries.errors import InputError
from . import budget, limits
from .permissions import PermissionDenied
from .schema import schema

logger = logging.getLogger(__name__)
MAX_BATCH = 10
MAX_VARIABLES_NESTING = 32
INTROSPECTION_CACHE_SECONDS = 24 * 3600


# Besides Saleor's `exception.code`, the Apollo-style `code` that generic GraphQL clients
# and fuzzers read to tell a refused request from a failed resolver.
_GENERIC_CODE = {
    "PermissionDenied": "FORBIDDEN", "InvalidToken": "UNAUTHENTICATED", "ExpiredSignatureError": "UNAUTHENTICATED",
    "INTERNAL_ERROR": "INTERNAL_SERVER_ERROR", "GraphQLSyntaxError": "GRAPHQL_PARSE_FAILED",
    "IntrospectionDisabled": "FORBIDDEN",
}


def _error(message: str, code: str, generic: str = "BAD_REQUEST", **extra) -> dict:
    return {"message": message,
            "extensions": {"exception": {"code": code}, "code": _GENERIC_CODE.get(code, generic), **extra}}


def _respond(body, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False)


def format_error(error) -> dict:
    original = getattr(error, "original_error", None) or error
    out: dict = {"message": str(original)}
    if getattr(error, "locations", None):
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if getattr(error, "path", None):
        out["path"] = error.path
    if isinstance(original, PermissionDenied):
        out["extensions"] = _error("", "PermissionDenied", requiredPermissions=original.permissions)["extensions"]
    elif isinstance(original, InputError):
        fields = [{"field": k, "message": v, "code": original.code.upper(),
                   **({"messageJa": original.ja[k]} if k in original.ja else {})} for k, v in original.errors.items()]
        out["extensions"] = _error("", "GraphQLError", "BAD_USER_INPUT", fields=fields)["extensions"]
    elif isinstance(original, GraphQLSyntaxError):
        out["extensions"] = _error("", "GraphQLSyntaxError")["extensions"]
    elif isinstance(original, GraphQLError):
        # Raised inside execution by graphql-core itself (a non-null violation, say): our bug.
        generic = "GRAPHQL_VALIDATION_FAILED" if error is original else "INTERNAL_SERVER_ERROR"
        out["extensions"] = _error("", "GraphQLError", generic)["extensions"]
    else:
        logger.error("ltv graphql: unexpected error", exc_info=(type(original), original, original.__traceback__))
        out["message"] = str(original) if settings.DEBUG else "Internal Server Error"
        out["extensions"] = _error("", "INTERNAL_ERROR")["extensions"]
    return out


def _path_where(value, path: str, bad, depth: int = 0) -> str | None:
    """The path of the first leaf of a JSON value for which bad(leaf) holds."""
    if not isinstance(value, (dict, list)):
        return path if bad(value) else None
    if depth > MAX_VARIABLES_NESTING:
        raise _TooDeep(path)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found = _path_where(item, f"{path}.{key}", bad, depth + 1)
        if found:
            return found
    return None


class _TooDeep(Exception):
    """Variables nested past MAX_VARIABLES_NESTING (graphql-core coerces them recursively)."""


def _big_int_path(value, path: str) -> str | None:
    return _path_where(value, path, lambda v: isinstance(v, int) and not isinstance(v, bool)
                       and not -(2**31) <= v < 2**31)


def _nul_path(value, path: str) -> str | None:
    return _path_where(value, path, lambda v: isinstance(v, str) and "\x00" in v)


def _nul_in_literals(node) -> bool:
    """Any string literal in the document holding NUL (written as \\u0000 in the query text)."""
    if isinstance(node, ast.StringValue):
        return "\x00" in node.value
    if isinstance(node, list):
        return any(_nul_in_literals(item) for item in node)
    if isinstance(node, ast.Node):
        return any(_nul_in_literals(getattr(node, slot, None)) for slot in node.__slots__ if slot != "loc")
    return False


class _DocumentCache:
    """Documents that passed validation, by query text: clients repeat the same few queries and
    validation alone costs several milliseconds. Least recently used out first, bounded by the
    documents' total length; a document that failed is never kept."""

    def __init__(self, max_chars: int):
        self.max_chars, self.chars = max_chars, 0
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str):
        with self._lock:
            entry = self._entries.get(query)
            if entry is None:
                return None
            self._entries.move_to_end(query)
            return entry[0]

    def put(self, query: str, document) -> None:
        if len(query) > self.max_chars // 4:
            return
        with self._lock:
            if query in self._entries:
                return
            self._entries[query] = (document, len(query))
            self.chars += len(query)
            while self.chars > self.max_chars:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.chars -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, query: str) -> bool:
        return query in self._entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.chars = 0


documents = _DocumentCache(max_chars=500_000)


def _parse(request, query: str, operation_name, variables):
    """(document, None) or (None, (body, status)); the limits run before validation."""
    document = documents.get(query)
    cached = document is not None
    if not cached:
        try:
            document = parse(query)
        except GraphQLSyntaxError as exc:
            return None, ({"errors": [format_error(exc)]}, 400)
        except Exception as exc:  # noqa: BLE001 — the parser may raise on odd input
            return None, ({"errors": [_error(f"Syntax Error: {exc}", "GraphQLSyntaxError")]}, 400)
    try:
        checked = limits.check(document, operation_name, variables)
    except limits.LimitExceeded as exc:
        return None, ({"errors": [_error(str(exc), exc.code, **exc.extensions)]}, 400)
    if checked.introspection and not (settings.DEBUG or authenticate(request).is_authenticated):
        return None, ({"errors": [_error(
            "GraphQL introspection is not available to anonymous callers: send a staff or app token, or an "
            "API key, in the Authorization header.", "IntrospectionDisabled")]}, 400)
    if not cached:
        try:
            problems = validate(schema, document)
        except RecursionError:  # graphql-core 2's rules recurse, e.g. through unused fragment cycles
            return None, ({"errors": [_error("The document is nested too deeply to validate.", "GraphQLError")]}, 400)
        except ValueError as exc:  # graphene 2's JSONString parses an inline literal during validation
            return None, ({"errors": [_error(f"A JSONString argument is not valid JSON: {exc}", "GraphQLError")]}, 400)
        if problems:
            return None, ({"errors": [format_error(e) for e in problems]}, 400)
        documents.put(query, document)
    return (document, checked), None


@functools.cache
def _schema_digest() -> str:
    return hashlib.sha256(str(schema).encode()).hexdigest()[:16]


def _introspection_key(query: str, operation_name, variables) -> str:
    text = json.dumps([query, operation_name, variables], sort_keys=True, default=str)
    return f"ltv-graphql-introspection:{__version__}:{_schema_digest()}:{hashlib.sha256(text.encode()).hexdigest()}"


def _operation_kind(document, operation_name) -> str | None:
    for definition in document.definitions:
        if isinstance(definition, ast.OperationDefinition):
            if operation_name is None or (definition.name and definition.name.value == operation_name):
                return definition.operation
    return None


def run_operation(request: HttpRequest, payload, *, read_only: bool = False,
                  spending: budget.Budget | None = None) -> tuple[dict, int]:
    """One operation; `spending` is charged for its text (None: the caller charged the whole batch)."""
    if not isinstance(payload, dict):
        return {"errors": [_error("Each operation must be a JSON object.", "GraphQLError")]}, 400
    query, variables, operation_name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return {"errors": [_error("Must provide a query string.", "GraphQLError")]}, 400
    if isinstance(variables, str):
        try:
            variables = json.loads(variables or "null")
        except (ValueError, RecursionError):
            return {"errors": [_error("Variables are invalid JSON.", "GraphQLError")]}, 400
    if variables is not None and not isinstance(variables, dict):
        return {"errors": [_error("Variables must be a JSON object.", "GraphQLError")]}, 400
    if operation_name is not None and not isinstance(operation_name, str):
        return {"errors": [_error("operationName must be a string.", "GraphQLError")]}, 400
    try:
        if spending is not None:
            spending.spend(query)
    except limits.LimitExceeded as exc:
        return {"errors": [_error(str(exc), exc.code, **exc.extensions)]}, 400
    except GraphQLSyntaxError as exc:
        return {"errors": [format_error(exc)]}, 400
    try:
        bad = _nul_path(variables, "variables")
    except _TooDeep as exc:
        return {"errors": [_error(f"{exc}: variables must not nest more than {MAX_VARIABLES_NESTING} levels",
                                  "GraphQLError", "BAD_USER_INPUT")]}, 400
    parsed, refused = _parse(request, query, operation_name, variables)
    if refused:
        return refused
    document, checked = parsed
    bad = bad or ("query" if _nul_in_literals(document) else None)
    if bad:  # PostgreSQL refuses NUL in text: say so up front instead of failing mid-write
        return {"errors": [_error(f"{bad}: must not contain NUL characters", "GraphQLError", "BAD_USER_INPUT")]}, 400
    if read_only and _operation_kind(document, operation_name) != "query":
        return {"errors": [_error("Only queries can be sent with GET; use POST.", "GraphQLError")]}, 405
    cache_key = None
    if checked.introspection_only and not settings.DEBUG:  # the schema changes under DEBUG
        cache_key = _introspection_key(query, operation_name, variables)
        data = cache.get(cache_key)
        if data is not None:
            return {"data": data}, 200
    try:
        result = execute(schema, document, context_value=request, variable_values=variables or {},
                         operation_name=operation_name)
    except (GraphQLError, ValueError, TypeError, OverflowError, ArithmeticError) as exc:
        # Resolver errors land in result.errors; what escapes is variable coercion
        # (graphql-core 2 scalars raise plain ValueErrors on bad variable values).
        return {"errors": [_error(f"Invalid variable values: {exc}", "GraphQLError", "BAD_USER_INPUT")]}, 400
    except Exception as exc:  # noqa: BLE001 — graphql-core 2's Int raises a bare Exception beyond 32 bits
        if type(exc) is not Exception:
            raise
        where = _big_int_path(variables, "variables") or "variables"
        return {"errors": [_error(f"Invalid variable values: {where}: {exc}", "GraphQLError", "BAD_USER_INPUT")]}, 400
    body: dict = {"data": result.data}
    if result.errors:
        body["errors"] = [format_error(e) for e in result.errors]
    elif cache_key and not result.invalid:
        cache.set(cache_key, result.data, INTROSPECTION_CACHE_SECONDS)
    return body, 400 if result.invalid else 200


@csrf_exempt
def graphql_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and "query" not in request.GET:
        if graphiql_enabled() and "text/html" in request.META.get("HTTP_ACCEPT", ""):
            return HttpResponse(GRAPHIQL, content_type="text/html")
        return _respond({"errors": [_error("Must provide a query string.", "GraphQLError")]}, 400)
    if request.method not in ("GET", "POST"):
        return _respond({"errors": [_error("GraphQL only supports GET and POST requests.", "GraphQLError")]}, 405)
    try:
        principal = authenticate(request)
    except AuthError as exc:
        return _respond({"errors": [_error(str(exc), exc.code)]}, 401)
    allowed = budget.limits_for(principal)
    caller = "anonymous" if not principal.is_authenticated else "authenticated"
    too_big = _respond({"errors": [_error(
        f"Request body exceeds {allowed.body_bytes} bytes for {caller} callers.", "GraphQLError",
        "PAYLOAD_TOO_LARGE", limit={"name": "body_bytes", "maximumAvailable": allowed.body_bytes})]}, 413)
    spending = budget.Budget(allowed, caller)
    if request.method == "GET":
        if len(request.META.get("QUERY_STRING", "")) > allowed.body_bytes:
            return too_big
        payload = {k: request.GET.get(k) for k in ("query", "variables", "operationName")}
        body, status = run_operation(request, payload, read_only=True, spending=spending)
        return _respond(body, status)
    if _declared_length(request) > allowed.body_bytes:
        return too_big  # before reading the body
    if len(request.body) > allowed.body_bytes:
        return too_big
    if not request.content_type.startswith("application/json") and request.content_type != "application/graphql":
        return _respond({"errors": [_error("Content-Type must be application/json.", "GraphQLError")]}, 400)
    if request.content_type == "application/graphql":
        payload = {"query": request.body.decode("utf-8", "replace")}
    else:
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _respond({"errors": [_error("Unable to parse the request body as JSON.", "JSONDecodeError")]}, 400)
    if isinstance(payload, list):
        if not payload or len(payload) > MAX_BATCH:
            return _respond({"errors": [_error(f"A batch holds 1 to {MAX_BATCH} operations.", "GraphQLError")]}, 400)
        refused = _charge_batch(spending, payload)
        if refused:
            return _respond(refused, 400)
        results = [run_operation(request, item) for item in payload]
        return _respond([body for body, _ in results], 200)
    body, status = run_operation(request, payload, spending=spending)
    return _respond(body, status)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _charge_batch(spending: budget.Budget, payload: list) -> dict | None:
    """A batch shares one budget, charged in full before any of its operations runs."""
    for item in payload:
        query = item.get("query") if isinstance(item, dict) else None
        if not isinstance(query, str):
            continue  # run_operation names the problem
        try:
            spending.spend(query)
        except limits.LimitExceeded as exc:
            return {"errors": [_error(str(exc), exc.code, **exc.extensions)]}
        except GraphQLSyntaxError:
            continue  # reported by that operation
    return None


def graphiql_enabled() -> bool:
    return bool(settings.DEBUG or getattr(settings, "LTV_PLUGIN", {}).get("graphiql"))


GRAPHIQL = """<!doctype html>
<html><head><meta charset="utf-8"><title>saleor-ltv GraphiQL</title>
<link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css"></head>
<body style="margin:0"><div id="graphiql" style="height:100vh"></div>
<script src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
<script src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
<script src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({url: window.location.pathname});
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {fetcher, defaultHeaders: '{"Authorization": "Bearer <token>"}'}));
</script></body></html>"""
