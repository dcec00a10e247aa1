"""A paginator for lists that can grow past what a page needs to count exactly.

COUNT(*) over a large match (the audit trail filtered by a common action: a hundred thousand of a million
rows) costs more than the page itself. CappedPaginator counts at most `cap` + 1 rows (a LIMIT inside the
COUNT) and says when it stopped: the page shows "more than 10,000" and asks for a narrower filter; pages up
to the cap are reachable as before. One shared helper for every staff list that can grow.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = 10_000, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The number of rows, or cap + 1 when there are more (count_is_capped)."""
        if isinstance(self.object_list, list):
            return min(len(self.object_list), self.cap + 1)
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        # Up to the cap only: a page beyond it is never offered, the filter should be narrowed instead.
        return super().num_pages if not self.count_is_capped else -(-self.cap // self.per_page)
