"""Golden files: each bad input in tests/golden/<case>/input produces exactly expected.txt.

Adding a case is adding a folder: input/ mirrors the project tree, expected.txt lists the
error lines `achats check` must print (warnings are not part of the contract here).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from projects import make_project

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.txt").is_file())


def test_there_are_enough_golden_cases():
    """The contract covers at least 25 bad inputs across the five collections."""
    assert len(CASES) >= 25
    prefixes = {case.split("-")[0] for case in CASES}
    assert {"guide", "clause", "rapport", "apero", "marche"} <= prefixes


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_exact_french_message(case, tmp_path, monkeypatch, run_cli):
    """`achats check` exits 1 and prints exactly the expected error lines, no traceback."""
    project = make_project(tmp_path / "projet")
    shutil.copytree(GOLDEN / case / "input", project, dirs_exist_ok=True)
    monkeypatch.chdir(project)
    code, out, err = run_cli("check")
    expected = (GOLDEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    errors = [line for line in out.splitlines() if ": erreur: " in line]
    assert code == 1
    assert errors == expected
    assert "Traceback" not in out + err
