"""The bundled clause library covers what a Region buys, each clause complete enough to use.

Everything is derived from the repository's own content and vocabularies: adding a purchase
category to content/data/vocabulaires.yml without two clauses for it makes this test fail.
"""

from __future__ import annotations

from collections import Counter

import pytest

from achats.model.load import load_entries
from achats.problems import ProblemList
from achats.project import Project
from achats.model.schema.vocabularies import load_vocabularies
from projects import REPO

MIN_LIVE_CLAUSES = 60
MIN_PER_CATEGORY = 2


@pytest.fixture(scope="module")
def library():
    project = Project(REPO)
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, "content/data", problems)
    entries = load_entries(project, problems)
    assert not problems.errors, problems.as_text()
    live = [e for e in entries
            if e.collection.name == "clause" and e.meta.get("statut") != "retiree"]
    return vocab, live


def test_library_has_enough_live_clauses(library):
    _vocab, live = library
    assert len(live) >= MIN_LIVE_CLAUSES, f"{len(live)} clauses en vigueur"


def test_every_purchase_category_has_clauses(library):
    """Each category of content/data/vocabulaires.yml has at least two live clauses."""
    vocab, live = library
    categories = vocab.vocabularies.get("categories_achat")
    assert categories, "vocabulaire « categories_achat » absent"
    counts = Counter(c for e in live for c in e.meta.get("categories") or [])
    thin = {key: counts[key] for key in categories if counts[key] < MIN_PER_CATEGORY}
    assert not thin, f"catégories avec moins de {MIN_PER_CATEGORY} clauses : {thin}"


def test_every_pillar_is_covered_in_execution(library):
    """The social and economic pillars do not stop at the award: clauses follow execution."""
    vocab, live = library
    for pillar in vocab.vocabularies["piliers"]:
        in_execution = [e.id for e in live if pillar in (e.meta.get("piliers") or [])
                        and "execution" in (e.meta.get("etapes") or [])]
        assert len(in_execution) >= 2, pillar


def test_reserved_contracts_exist(library):
    _vocab, live = library
    reserved = [e.id for e in live if e.meta.get("type") == "marche_reserve"]
    assert len(reserved) >= 2


@pytest.mark.parametrize("field", ["texte", "verification"])
def test_every_live_clause_has_its_text_and_check(library, field):
    _vocab, live = library
    missing = [e.id for e in live if not str(e.meta.get(field) or "").strip()]
    assert not missing, f"{field} vide : {missing}"


@pytest.mark.parametrize("field", ["sources", "risques"])
def test_every_live_clause_has_sources_and_risks(library, field):
    _vocab, live = library
    missing = [e.id for e in live
               if not [item for item in e.meta.get(field) or [] if str(item).strip()]]
    assert not missing, f"{field} absent : {missing}"

