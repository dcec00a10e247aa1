#!/usr/bin/env python3
"""git merge driver for gettext catalogues: ours, plus every entry of theirs whose msgid ours lacks.
Usage (git config merge.po.driver "python3 scripts/po_merge.py %O %A %B"): writes the result to %A."""

import re
import sys


def blocks(text):
    return [b for b in re.split(r"\n\s*\n", text.strip("\n")) if b.strip()]


def key(block):
    # msgctxt + msgid (possibly continued on "..." lines), ignoring comments
    lines = [line for line in block.splitlines() if not line.startswith("#")]
    joined, cur = {}, None
    for line in lines:
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if m:
            cur = m.group(1)
            joined[cur] = m.group(2)
        elif line.startswith('"') and cur:
            joined[cur] += line
    if "msgid" not in joined:
        return None
    return (joined.get("msgctxt"), joined["msgid"])


def main(base, ours, theirs):
    our_text = open(ours, encoding="utf-8").read()
    their_text = open(theirs, encoding="utf-8").read()
    our_blocks = blocks(our_text)
    known = {key(b) for b in our_blocks}
    added = []
    for b in blocks(their_text):
        k = key(b)
        if k is None or k in known or k == (None, '""'):
            continue
        known.add(k)
        added.append(b)
    out = "\n\n".join(our_blocks + added) + "\n"
    open(ours, "w", encoding="utf-8").write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
