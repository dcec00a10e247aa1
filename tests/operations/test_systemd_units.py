"""The reference systemd units (deploy/systemd) as systemd itself reads them (issue 13).

`systemd-analyze verify` parses each unit as a host would install it, the code's folder being this checkout:
an unknown key, a value systemd cannot parse or an ExecStart that is not an executable is reported there
(on stderr; its exit status stays 0 for most of them, so any line it prints fails the test).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from operations.smoke import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALLED_CODE = "/srv/changning-ai/app"


def test_there_are_units_for_the_web_the_worker_and_beat():
    assert [unit.name for unit in UNITS] == [
        "changning-ai-beat.service",
        "changning-ai-web.service",
        "changning-ai-worker.service",
    ]


def test_systemd_reads_every_unit_without_a_complaint(tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: apt-get install systemd (scripts/sysdeps.sh installs it)")
    installed = []
    for unit in UNITS:
        text = unit.read_text()
        assert INSTALLED_CODE in text, f"{unit.name} no longer runs the code from {INSTALLED_CODE}"
        copy = tmp_path / unit.name
        copy.write_text(text.replace(INSTALLED_CODE, str(ROOT)))
        installed.append(str(copy))
    done = subprocess.run(
        [analyze, "verify", *installed], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert complaints == []
