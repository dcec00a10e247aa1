"""Reading the HTML of a page in tests."""

from __future__ import annotations

import re


def own_code(html: str) -> list[str]:
    """What a page would need a script or a style of its own for: an inline script, any script in its main
    content, a style element or attribute. The site's scripts in base.html (the idle warning, announcing
    messages) are files from /static/ that every page may load; the page must work without them."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    found = [tag for tag in re.findall(r"<script\b[^>]*>", html) if 'src="/static/' not in tag]
    found += ["<script> in main"] if "<script" in main else []
    found += [bit for bit in (" style=", "<style") if bit in html]
    return found
