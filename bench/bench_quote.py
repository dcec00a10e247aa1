"""How fast the engine quotes, alone and through quote_item (which reads the item's rule from the database).

Run: .venv/bin/python bench/bench_quote.py   (uses a throw-away SQLite database; prints quotes per second)
"""

import os
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings_test")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from policies import rules  # noqa: E402
from policies.models import PolicyItem  # noqa: E402
from policies.services import quote_item  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("loadpolicy", verbosity=0)
    item = PolicyItem.objects.select_related("round").get(round__code="changning-ai-2024", code="8.4a")
    rule = item.to_rule()
    raw = {"certification_cost": "612345.67", "dcmm_level": "3", "prior_awards": "200000"}
    facts = rules.parse_facts(rule, raw)

    n = 20000
    pure = timeit.timeit(lambda: rules.quote(rule, facts), number=n)
    print(f"rules.quote (pure):            {n / pure:10.0f} quotes/s  ({pure / n * 1e6:.1f} µs each)")
    n = 2000
    parsed = timeit.timeit(lambda: rules.quote(rule, rules.parse_facts(rule, raw)), number=n * 10)
    print(f"parse_facts + quote:           {n * 10 / parsed:10.0f} quotes/s")
    through = timeit.timeit(lambda: quote_item(item=item, raw_facts=raw), number=n)
    print(f"quote_item (reads rule in DB): {n / through:10.0f} quotes/s  ({through / n * 1e3:.2f} ms each)")


if __name__ == "__main__":
    main()
