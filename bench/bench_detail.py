"""The application detail page against a bare view rendering a template of the same size (issue 13: ≤ 3×).

Per size (bench_1k, bench_100k as bench_pages.py makes them), the applicant's detail page of the
application bench_pages.py uses is fetched once; its HTML becomes a template (verbatim, so nothing in it
is interpreted) that a bare view renders with `render()`, the request's context processors included. Both
are requested through the same test client, logged in as the same user, through the same middleware,
alternating request by request; the table shows p50 of each, the bytes and the ratio. What the ratio
leaves over the bare view is the detail page's own work: its queries and its template's logic.

Run: BENCH_RUNS=15 .venv/bin/python bench/bench_detail.py     (BENCH_SIZES, BENCH_DB_PREFIX as bench_pages.py)
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

BARE = "/bench-bare/"
TEMPLATE = {"source": ""}  # the page of the current size, set before its runs


def bare(request):
    """Nothing but a template of the page's size rendered with the request (context processors run)."""
    return HttpResponse(engines["django"].from_string(TEMPLATE["source"]).render({}, request))


urlpatterns = [path(BARE.strip("/") + "/", bare), path("", include("changning_ai.urls"))]


def main() -> None:
    pages = {}
    for size in bench_pages.SIZES:
        bench_pages.use_database(bench_pages.db_name(size))
        role, url = bench_pages.targets()["app_detail"]
        client = bench_pages.login(role)
        html = client.get(url).content.decode()
        source = "{% verbatim %}" + html + "{% endverbatim %}"
        pages[size] = (client, url, source, len(html.encode()))
    times = {(size, kind): [] for size in pages for kind in ("detail", "bare")}
    queries = {}
    with override_settings(ROOT_URLCONF=__name__):
        for run in range(bench_pages.RUNS + 1):  # the first run warms caches and is not counted
            for size, (client, url, source, _bytes) in pages.items():
                bench_pages.use_database(bench_pages.db_name(size))
                TEMPLATE["source"] = source
                order = (("detail", url), ("bare", BARE)) if run % 2 else (("bare", BARE), ("detail", url))
                for kind, target in order:
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        response = client.get(target)
                        elapsed = time.perf_counter() - start
                    assert response.status_code == 200, (kind, size, response.status_code)
                    if kind == "bare":
                        assert len(response.content) == pages[size][3], "the bare page must be the same size"
                    queries[size, kind] = len(captured)
                    if run:
                        times[size, kind].append(elapsed)
    print(f"p50 of {bench_pages.RUNS} runs, detail and bare alternating")
    print("| size | KB | detail p50 (ms) / queries | bare p50 (ms) / queries | ratio |")
    print("|---|---|---|---|---|")
    for size in pages:
        detail = statistics.median(times[size, "detail"]) * 1e3
        plain = statistics.median(times[size, "bare"]) * 1e3
        print(
            f"| {size} | {pages[size][3] // 1024} | {detail:.1f} / {queries[size, 'detail']} "
            f"| {plain:.1f} / {queries[size, 'bare']} | {detail / plain:.2f}× |"
        )


if __name__ == "__main__":
    main()
