"""Per-row figures of list pages as correlated subqueries.

A list annotated with Count/Sum over a JOIN groups every row of the table before ORDER BY … LIMIT keeps a
page of them. A correlated subquery in the select list is computed by PostgreSQL after the sort and limit,
for the rows of the page only (issue 13), and a filter on it reads one index range per row.

Count rows with Count("*"), not Count("pk"): the key is not in the filter's index, so counting it makes
PostgreSQL read every matching row from the table, where "*" lets it count from the index alone (the
recommended applications per call: 8.9 ms → 3.7 ms at 100,000 applications).
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def per_row(rows: QuerySet, link: str, aggregate) -> Coalesce:
    """`aggregate` over `rows` whose `link` (a foreign key) is the outer row; 0 when there are none."""
    rows = rows.filter(**{link: OuterRef("pk")}).order_by().values(link)
    return Coalesce(Subquery(rows.annotate(figure=aggregate).values("figure")[:1]), 0)
