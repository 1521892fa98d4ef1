"""Own words: runs of 8 normalised words shared with the 2012 residency booklet.

The booklet itself is not part of the repository; tests/fixtures/livret-8grammes.txt holds
one short SHA-256 prefix per 8-word run ("shingle") of its normalised text. A content file
may quote the booklet briefly between « » (with attribution); any other shared run is a
copy to rewrite.

Rebuild the fixture from a local copy of the booklet (maintainers only):

    python tests/own_words.py chemin/du/livret.txt > tests/fixtures/livret-8grammes.txt
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from pathlib import Path

SIZE = 8  # words per run
DIGEST = 12  # hex characters kept of each SHA-256

# The booklet is an OCR text: « l' » is often read as « I' » or « |' ».
_OCR_ELISION = re.compile(r"(?<![\w])[I|](?=['’])")
_QUOTE = re.compile(r"«[^«»]*»", re.S)
_WORD = re.compile(r"[a-z0-9]+")

# Official names are the same words in any text: they are not copies of the booklet.
NAMES = [name.split() for name in (
    "etablissements et services d aide par le travail",
    "direction des affaires juridiques et de la commande publique",
    "delegation generale aux missions transversales et a la relation aux elus",
)]


def normalise(text: str) -> list[str]:
    """Lower-case words without accents; apostrophes and punctuation separate words."""
    text = _OCR_ELISION.sub("l", text)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("æ", "ae")
    return _WORD.findall(text)


def without_quotations(text: str) -> str:
    """The text with every « … » quotation blanked (quotations may be copied verbatim)."""
    return _QUOTE.sub(" ¤ ", text)


def shingles(words: list[str], size: int = SIZE):
    for i in range(len(words) - size + 1):
        yield words[i:i + size]


def digest(run: list[str]) -> str:
    return hashlib.sha256(" ".join(run).encode("utf-8")).hexdigest()[:DIGEST]


def _without_names(words: list[str]) -> list[list[str]]:
    """The words split around official names, which are left out."""
    parts, current, i = [], [], 0
    while i < len(words):
        name = next((n for n in NAMES if words[i:i + len(n)] == n), None)
        if name:
            parts.append(current)
            current = []
            i += len(name)
        else:
            current.append(words[i])
            i += 1
    parts.append(current)
    return parts


def copied_runs(text: str, known: set[str]) -> list[str]:
    """Runs of SIZE words of ``text``, outside quotations, whose digest is in ``known``.

    A quotation or an official name breaks a run: nothing spans it."""
    found = []
    for part in without_quotations(text).split("¤"):
        for words in _without_names(normalise(part)):
            for run in shingles(words):
                if digest(run) in known:
                    found.append(" ".join(run))
    return found


def fixture_lines(booklet: str) -> list[str]:
    return sorted({digest(run) for run in shingles(normalise(booklet))})


if __name__ == "__main__":
    source = Path(sys.argv[1]).read_text(encoding="utf-8")
    print("\n".join(fixture_lines(source)))
