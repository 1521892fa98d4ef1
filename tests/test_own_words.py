"""Own words: no content file repeats 8 words in a row from the 2012 residency booklet,
except inside « » quotations (short, attributed) and official names.

The booklet is not in the repository: the test compares digests of 8-word runs
(tests/fixtures/livret-8grammes.txt, built by tests/own_words.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from own_words import copied_runs, normalise
from projects import REPO

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "livret-8grammes.txt"
KNOWN = set(FIXTURE.read_text(encoding="utf-8").split())

# An 8-word run the issue quotes from the booklet (a description of the contribution room).
COPIED = "L'espace de contribution est une salle banalisée et ouverte, au sein de l'Hôtel de Région."


def _content_files() -> list[Path]:
    files = [*REPO.glob("clauses/*.md"), *REPO.glob("guides/*.md"),
             *REPO.glob("content/**/*.md"), *REPO.glob("content/**/*.yml")]
    return sorted(p for p in files if p.is_file())


def test_fixture_holds_the_booklet_digests():
    assert len(KNOWN) > 10000
    assert all(len(line) == 12 for line in KNOWN)


def test_detector_finds_a_copied_run():
    assert copied_runs(COPIED, KNOWN)


def test_detector_ignores_quotations_and_accents_and_ocr_elisions():
    assert copied_runs(f"Le livret la décrit ainsi : « {COPIED} »", KNOWN) == []
    shouting = COPIED.upper().replace("É", "E").replace("Ô", "O")
    assert copied_runs(shouting, KNOWN)
    assert normalise("I'achat |'écriture") == ["l", "achat", "l", "ecriture"]


def test_a_quotation_breaks_a_run():
    """Words before and after a quotation never join into one run."""
    half, rest = "une salle banalisée et", "ouverte, au sein de"
    assert copied_runs(f"{half} {rest}", KNOWN)
    assert copied_runs(f"{half} « citation » {rest}", KNOWN) == []


def test_official_names_are_not_copies():
    assert copied_runs("les établissements et services d'aide par le travail", KNOWN) == []


@pytest.mark.parametrize("path", _content_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_content_is_written_in_our_own_words(path):
    runs = copied_runs(path.read_text(encoding="utf-8"), KNOWN)
    assert runs == [], (
        f"{path.relative_to(REPO)} reprend le livret de la résidence mot pour mot hors "
        f"citation : {runs[:5]} — reformulez, ou citez brièvement entre « » avec la source.")
