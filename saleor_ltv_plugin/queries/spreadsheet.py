"""Text that a spreadsheet would run as a formula, made inert (OWASP "CSV Injection").

The rule is applied by the database, so PostgreSQL's COPY and the Python csv writer (other
databases) export the same neutralised text from the same queryset.
"""

from __future__ import annotations

from django.db.models import CharField, F, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Concat, Ord
from django.db.models.lookups import In

# A cell starting with one of these is evaluated by Excel, LibreOffice or Google Sheets; LF is
# added to OWASP's list because a leading line break can hide the formula on the next line.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The quote makes the spreadsheet show the rest as text (and hides the quote itself).
TEXT_MARK = "'"


def inert_text(field: str) -> Case:
    """The text column `field` with a leading quote where it would start a formula. Compares the
    first character's code (ASCII() on PostgreSQL): a third of the cost of comparing strings."""
    return Case(
        When(In(Ord(F(field)), [ord(c) for c in FORMULA_STARTS]), then=Concat(Value(TEXT_MARK), F(field))),
        default=F(field), output_field=CharField(),
    )


def inert(value: str) -> str:
    """The same rule in Python, for CSV written row by row (refused-row reports, print jobs)."""
    return TEXT_MARK + value if value and value[0] in FORMULA_STARTS else value
