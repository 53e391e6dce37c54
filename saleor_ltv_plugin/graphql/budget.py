"""What one request may ask of the GraphQL endpoint, counted on the raw text before parsing.

Parsing and validation cost grows with the document (validation of 80,000 unknown aliased
fields took 109 s), so the size is capped first with graphql-core's own lexer: a pass that
stops at the first token over the budget. Anonymous callers get a budget sized for storefront
queries; staff, apps and API keys one sized for the Dashboard's largest query many times over.
A batch shares one budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql.language.lexer import Lexer, TokenKind
from graphql.language.source import Source

from .limits import LimitExceeded

_OPENING = {TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L}
_CLOSING = {TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R}


@dataclass(frozen=True)
class Limits:
    body_bytes: int
    tokens: int
    selections: int  # fields and fragment spreads, aliased or not
    aliases: int
    nesting: int  # braces, brackets and parentheses inside one another


ANONYMOUS = Limits(body_bytes=16 * 1024, tokens=2_000, selections=300, aliases=50, nesting=32)
AUTHENTICATED = Limits(body_bytes=1_000_000, tokens=20_000, selections=2_000, aliases=500, nesting=32)


def limits_for(principal) -> Limits:
    return AUTHENTICATED if principal.is_authenticated else ANONYMOUS


class Budget:
    """The counts left for one request; `spend` charges one document's text against them."""

    def __init__(self, limits: Limits, caller: str):
        self.limits, self.caller = limits, caller
        self.tokens = self.selections = self.aliases = 0

    def spend(self, query: str) -> None:
        """Raise LimitExceeded (or the lexer's GraphQLSyntaxError) past a limit."""
        lexer = Lexer(Source(query))
        depth, paren_depth = 0, 0
        previous = None  # the token before `token`, and the one before that
        before_previous = None
        while True:
            token = lexer.next_token()
            kind = token.kind
            if kind == TokenKind.EOF:
                break
            self._charge("tokens", 1)
            if kind in _OPENING:
                depth += 1
                paren_depth += kind == TokenKind.PAREN_L
                if depth > self.limits.nesting:
                    self._refuse("nesting")
            elif kind in _CLOSING:
                depth = max(depth - 1, 0)
                paren_depth = max(paren_depth - (kind == TokenKind.PAREN_R), 0)
            elif kind == TokenKind.COLON and paren_depth == 0 and previous is not None \
                    and previous.kind == TokenKind.NAME:
                # `alias: field` — outside parentheses a colon only follows an alias, whose
                # name was taken for a field a token ago
                self._charge("aliases", 1)
                self.selections -= depth > 0
            elif kind == TokenKind.NAME and paren_depth == 0 and depth > 0 \
                    and _starts_selection(previous, before_previous, token):
                self._charge("selections", 1)
            before_previous, previous = previous, token

    def _charge(self, name: str, amount: int) -> None:
        setattr(self, name, getattr(self, name) + amount)
        if getattr(self, name) > getattr(self.limits, name):
            self._refuse(name)

    def _refuse(self, name: str):
        maximum = getattr(self.limits, name)
        what = {"tokens": "tokens", "selections": "selected fields and fragment spreads", "aliases": "aliases",
                "nesting": "levels of nesting"}[name]
        hint = " Authenticate, or split the request." if self.caller == "anonymous" else " Split the request."
        raise LimitExceeded(
            f"The request exceeds the maximum of {maximum} {what} for {self.caller} callers.{hint}",
            "QueryLimitError", {"limit": {"name": name, "maximumAvailable": maximum}},
        )


def _starts_selection(previous, before_previous, token) -> bool:
    """A NAME in a selection set that names a field or a spread fragment (not an alias, a
    directive, a type condition or the `on` keyword)."""
    if previous is None:
        return False
    if previous.kind == TokenKind.AT:
        return False  # a directive's name
    if previous.kind == TokenKind.SPREAD:
        return token.value != "on"  # `...Fragment` yes, `... on Type` no
    if previous.kind == TokenKind.NAME and previous.value == "on" and before_previous is not None \
            and before_previous.kind == TokenKind.SPREAD:
        return False  # the type condition of an inline fragment
    return True
