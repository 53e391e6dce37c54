"""Building blocks shaped like Saleor's: countable connections, errors, money, dates."""

from __future__ import annotations

import graphene
from graphene import relay

from ..queries.errors import InputError
from ..queries.pagination import Page, paginate


class LtvErrorCode(graphene.Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    UNIQUE = "unique"
    RATE_LIMITED = "rate_limited"
    DUPLICATED = "duplicated"
    OUT_OF_SCOPE_PERMISSION = "out_of_scope_permission"  # Saleor's name: beyond what the caller holds
    IN_USE = "in_use"
    SENDER_INCOMPLETE = "sender_incomplete"  # buyer mail needs the sender block and a public URL
    NOT_CONFIGURED = "not_configured"  # a delivery channel's required settings are empty
    SETTINGS_ELSEWHERE = "settings_elsewhere"  # the host reads its settings elsewhere (Saleor's Plugins page …)


class LtvError(graphene.ObjectType):
    field = graphene.String(description="The input field at fault (null: the request as a whole).")
    message = graphene.String(required=True)
    message_ja = graphene.String(description="The message in Japanese, where there is one (the filter language's).")
    code = graphene.Field(LtvErrorCode, required=True)


def errors_from(exc: InputError) -> list[LtvError]:
    return [LtvError(field=_camel_path(k), message=v, message_ja=exc.ja.get(k), code=exc.code)
            for k, v in exc.errors.items()]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _camel_path(path: str) -> str:
    return ".".join(_camel(part) for part in path.split("."))


class CountableConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(description="Rows matching the filter, across all pages.")

    @staticmethod
    def resolve_total_count(root, info):
        return root.page.total_count()


def connection_from_page(connection_type, page: Page, node=lambda row: row):
    edge_type = connection_type.Edge
    edges = [edge_type(node=node(row), cursor=cursor) for row, cursor in zip(page.rows, page.cursors)]
    result = connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            start_cursor=page.start_cursor, end_cursor=page.end_cursor,
            has_previous_page=page.has_previous_page, has_next_page=page.has_next_page,
        ),
    )
    result.page = page
    return result


def paginate_args(kwargs) -> dict:
    return {k: kwargs.get(k) for k in ("first", "after", "last", "before")}


def asks_for(info, name: str) -> bool:
    """Whether the field's selection (fragments included, conservatively) names `name`."""
    from graphql.language import ast

    def walk(selection_set) -> bool:
        for selection in getattr(selection_set, "selections", None) or []:
            if isinstance(selection, ast.FragmentSpread):
                return True
            if isinstance(selection, ast.InlineFragment) and walk(selection.selection_set):
                return True
            if isinstance(selection, ast.Field) and selection.name.value == name:
                return True
        return False

    return any(walk(field.selection_set) for field in info.field_asts)


def resolve_connection(connection_type, queryset, keys, kwargs, info=None, node=lambda row: row):
    with_count = info is not None and asks_for(info, "totalCount")
    page = paginate(queryset, keys, **paginate_args(kwargs), with_count=with_count)
    return connection_from_page(connection_type, page, node)


def camel_to_snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)
