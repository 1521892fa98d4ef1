"""The legal data files: articles.yml (schema of each article) and seuils.yml (thresholds and
dated obligations). Bad input ends in `fichier:ligne: champ: erreur: message`; good input
answers the questions later checks on tenders will ask."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from achats.problems import ProblemList
from achats.model.schema import load_vocabularies
from projects import REPO

ARTICLES = "content/data/articles.yml"
SEUILS = "content/data/seuils.yml"


def _errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": erreur: " in line]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in line)


def test_bundled_articles_table_is_complete_and_checked():
    """≥ 40 articles, each with the fields a lawyer needs, and no problem reported."""
    problems = ProblemList()
    vocab = load_vocabularies(REPO / "content/data", "content/data", problems)
    assert problems.as_text() == ""
    assert len(vocab.articles) >= 40
    for article, info in vocab.articles.items():
        assert {"titre", "texte", "nature", "regle", "version", "legifrance"} <= set(info), article
        assert isinstance(info["version"], dt.date), article
    # The 2026 obligations are stated as obligations, with their date.
    for article in ("L2152-7", "R2152-7", "L2112-2", "L2112-2-1"):
        assert vocab.articles[article]["nature"] == "obligation"
        assert vocab.articles[article]["applicable"]["depuis"] == dt.date(2026, 8, 21)


def test_bad_article_field_names_file_line_and_field(project_dir, run_cli):
    path = project_dir / ARTICLES
    _replace(path, "  nature: faculte\n  regle: >-\n    Les travaux, fournitures",
             "  nature: facultatif\n  regle: >-\n    Les travaux, fournitures")
    _replace(path, "L2113-11:\n  titre: Allotissement (exceptions motivées)\n"
             "  texte: Code de la commande publique\n",
             "L2113-11:\n  titre: Allotissement (exceptions motivées)\n"
             "  txte: Code de la commande publique\n")
    _replace(path, "R2192-10:\n", "R2192 10:\n")
    nature_line = _line_of(path, "nature: facultatif")
    txte_line = _line_of(path, "txte: Code")
    key_line = _line_of(path, "R2192 10:")
    code, out, err = run_cli("check", "--sans-cache")
    assert code == 1
    assert "Traceback" not in out + err
    assert _errors(out) == [
        f"{ARTICLES}:{nature_line}: L2111-2.nature: erreur: format incorrect « facultatif » : "
        "valeurs permises : obligation, faculte, definition, procedure.",
        f"{ARTICLES}:{txte_line - 2}: L2113-11.texte: erreur: champ obligatoire manquant "
        "(texte de référence (code, loi, décret, règlement)).",
        f"{ARTICLES}:{txte_line}: L2113-11.txte: erreur: clé inconnue « txte ». Vouliez-vous "
        "dire « texte » ? Clés permises : titre, texte, nature, regle, version, legifrance, "
        "applicable, a_confirmer, ancien_cmp.",
        f"{ARTICLES}:{key_line}: R2192 10: erreur: clé d'article « R2192 10 » invalide : "
        "lettres, chiffres et tirets seulement (ex. L2152-7, CRPM-L230-5-1).",
    ]


def test_impossible_date_is_a_french_message_not_a_crash(project_dir, run_cli):
    path = project_dir / ARTICLES
    _replace(path, "  version: 2023-01-01\n", "  version: 2023-13-01\n")
    line = _line_of(path, "version: 2023-13-01")
    code, out, err = run_cli("check", "--sans-cache")
    assert code == 1
    assert "Traceback" not in out + err
    assert f"{ARTICLES}:{line}: yaml: erreur: YAML invalide : date impossible « 2023-13-01 »" \
        in out


def test_article_without_its_date_of_version_is_refused(project_dir, run_cli):
    path = project_dir / ARTICLES
    _replace(path, "  version: 2024-10-06\n", "  version: en vigueur\n")
    line = _line_of(path, "version: en vigueur")
    code, out, _ = run_cli("check", "--sans-cache")
    assert code == 1
    assert (f"{ARTICLES}:{line}: R2123-1.version: erreur: type incorrect : attendu une date "
            "AAAA-MM-JJ, trouvé le texte « en vigueur ». La date doit s'écrire sans "
            "guillemets, au format AAAA-MM-JJ.") in _errors(out)


def test_clause_citing_an_absent_article_is_still_refused(project_dir, run_cli):
    clause = next((project_dir / "clauses").glob("*.md"))
    text = clause.read_text(encoding="utf-8")
    start = text.index("base_legale:")
    end = text.index("\n", start)
    clause.write_text(text[:start] + "base_legale: [L2152-77]" + text[end:], encoding="utf-8")
    code, out, _ = run_cli("check", "--sans-cache")
    assert code == 1
    assert any("article inconnu « L2152-77 »" in line and "Articles proches : L2152-7" in line
               for line in _errors(out))


# --- seuils.yml -------------------------------------------------------------------------

def _calendar(tmp_path: Path, text: str | None = None):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("vocabulaires.yml", "articles.yml", "seuils.yml", "statuts.yml"):
        (data / name).write_bytes((REPO / "content/data" / name).read_bytes())
    if text is not None:
        (data / "seuils.yml").write_text(text, encoding="utf-8")
    problems = ProblemList()
    vocab = load_vocabularies(data, "content/data", problems)
    return vocab.calendar, problems


def test_thresholds_in_force_by_date(tmp_path):
    calendar, problems = _calendar(tmp_path)
    assert problems.as_text() == ""
    eu = calendar.threshold("europeen-fcs-collectivites", dt.date(2025, 12, 31))
    assert eu.montant_ht == 221000
    assert calendar.threshold("europeen-fcs-collectivites", dt.date(2026, 1, 1)).montant_ht \
        == 216000
    assert calendar.threshold("europeen-travaux", dt.date(2027, 12, 31)).montant_ht == 5404000
    assert calendar.threshold("europeen-travaux", dt.date(2028, 1, 1)) is None
    assert calendar.threshold("dispense-fcs", dt.date(2026, 3, 31)).montant_ht == 40000
    assert calendar.threshold("dispense-fcs", dt.date(2026, 4, 1)).montant_ht == 60000
    assert calendar.threshold("dispense-travaux", dt.date(2026, 6, 1)).montant_ht == 100000


def test_obligations_follow_launch_date_and_amount(tmp_path):
    calendar, _ = _calendar(tmp_path)

    def ids(day, amount, objet):
        return {o.id for o in calendar.obligations_for(day, amount, objet)}

    before = ids(dt.date(2026, 8, 20), 300000, "fournitures_services")
    after = ids(dt.date(2026, 8, 21), 300000, "fournitures_services")
    assert "critere-environnemental" not in before
    assert {"critere-environnemental", "fin-prix-seul", "condition-environnementale",
            "condition-sociale-fcs"} <= after
    # Below the European threshold: no mandatory social condition, the others still apply.
    small = ids(dt.date(2026, 9, 1), 215999, "fournitures_services")
    assert "condition-sociale-fcs" not in small and "critere-environnemental" in small
    assert "condition-sociale-fcs" in ids(dt.date(2026, 9, 1), 216000, "fournitures_services")
    # Works: the works threshold, not the supplies one.
    assert "condition-sociale-travaux" not in ids(dt.date(2026, 9, 1), 300000, "travaux")
    assert "condition-sociale-travaux" in ids(dt.date(2026, 9, 1), 5404000, "travaux")
    # « dépasse 50 000 € » : 50 000 € exactly gives no mandatory advance.
    assert "avance-obligatoire" not in ids(dt.date(2026, 9, 1), 50000, "tous")
    assert "avance-obligatoire" in ids(dt.date(2026, 9, 1), 50001, "tous")
    # Unknown amount: obligations with a threshold are not claimed.
    assert "condition-sociale-fcs" not in ids(dt.date(2026, 9, 1), None, "fournitures_services")


def test_bad_thresholds_file_names_line_and_field(tmp_path):
    text = (REPO / SEUILS).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["seuils"][0]["id"] == "europeen-fcs-etat"
    bad = text.replace("    montant_ht: 143000\n", "    montant_ht: 143 000 €\n", 1)
    bad = bad.replace("    du: 2026-01-01\n    au: 2027-12-31\n    articles: [CCP-ANNEXE-2]\n",
                      "    du: 2025-06-01\n    au: 2027-12-31\n    articles: [CCP-ANNEXE-9]\n", 1)
    bad = bad.replace("    seuil: europeen-travaux\n", "    seuil: europeen-batiment\n", 1)
    lines = bad.splitlines()
    amount = lines.index("    montant_ht: 143 000 €") + 1
    article = lines.index("    articles: [CCP-ANNEXE-9]") + 1
    seuil = lines.index("    seuil: europeen-batiment") + 1
    calendar, problems = _calendar(tmp_path, bad)
    assert [p.format() for p in problems.sorted()] == [
        f"{SEUILS}:{amount}: seuils[0].montant_ht: erreur: type incorrect : attendu un nombre "
        "entier, trouvé le texte « 143 000 € ».",
        f"{SEUILS}:{article}: seuils[1].articles[0]: erreur: article inconnu « CCP-ANNEXE-9 » : "
        "ajoutez-le à content/data/articles.yml ou corrigez la référence. Articles proches : "
        "CCP-ANNEXE-2.",
        f"{SEUILS}:{seuil}: obligations[4].seuil: erreur: seuil inconnu « europeen-batiment » : "
        "il doit figurer dans la liste « seuils ».",
    ]
    assert calendar.threshold("europeen-fcs-etat", dt.date(2024, 6, 1)) is None


def test_overlapping_periods_are_refused(tmp_path):
    text = (REPO / SEUILS).read_text(encoding="utf-8")
    bad = text.replace("    montant_ht: 216000\n    objet: fournitures_services\n"
                       "    acheteurs: Collectivités territoriales et autres pouvoirs "
                       "adjudicateurs non centraux\n    du: 2026-01-01\n",
                       "    montant_ht: 216000\n    objet: fournitures_services\n"
                       "    acheteurs: Collectivités territoriales et autres pouvoirs "
                       "adjudicateurs non centraux\n    du: 2025-12-01\n", 1)
    line = bad.splitlines().index("    du: 2025-12-01") + 1
    calendar, problems = _calendar(tmp_path, bad)
    assert [p.format() for p in problems] == [
        f"{SEUILS}:{line}: seuils[3].du: erreur: le seuil « europeen-fcs-collectivites » a déjà "
        "une valeur pour une partie de cette période (celle qui commence le 2024-01-01) : une "
        "seule valeur par jour."]
    # The first value stays the answer for its own period.
    assert calendar.threshold("europeen-fcs-collectivites", dt.date(2025, 12, 15)).montant_ht \
        == 221000


def test_hostile_thresholds_files(tmp_path):
    for index, (text, expected) in enumerate([
        ("- 1\n- 2\n", f"{SEUILS}:1: seuils: erreur: le fichier doit contenir deux listes : "
                       "« seuils » et « obligations »."),
        ("seuils: [1]\nobligations: []\n",
         f"{SEUILS}:1: seuils[0]: erreur: chaque élément est un dictionnaire de champs."),
        ("seuils: []\nobligations: []\nseuils: []\n",
         f"{SEUILS}:3: seuils: erreur: clé « seuils » en double."),
        ("seuils: !!python/object:os.system echo\n",
         f"{SEUILS}:1: yaml: erreur: YAML invalide"),
    ]):
        folder = tmp_path / str(index)
        folder.mkdir()
        _, problems = _calendar(folder, text)
        formatted = [p.format() for p in problems]
        assert any(line.startswith(expected) for line in formatted), formatted


# --- pages that quote these files ---------------------------------------------------------

def _euros(amount: int) -> str:
    return f"{amount:,}".replace(",", " ") + " €"


def test_thresholds_chapter_quotes_the_thresholds_in_force(tmp_path):
    """GU-015 gives the amounts of seuils.yml in force on its reference date (Nov. 2026)."""
    calendar, _ = _calendar(tmp_path)
    chapter = (REPO / "guides/seuils-et-obligations-2026.md").read_text(encoding="utf-8")
    day = dt.date(2026, 11, 30)
    for ident in ("europeen-fcs-etat", "europeen-fcs-collectivites",
                  "europeen-fcs-entites-adjudicatrices", "europeen-travaux", "dispense-fcs",
                  "dispense-travaux", "documents-en-ligne"):
        assert _euros(calendar.threshold(ident, day).montant_ht) in chapter, ident
    assert "21 août 2026" in chapter


def test_readme_and_home_page_give_the_current_counts():
    """The counts the README and the home page announce are those of the repository."""
    problems = ProblemList()
    vocab = load_vocabularies(REPO / "content/data", "content/data", problems)
    articles = len(vocab.articles)
    clauses = len(list((REPO / "clauses").glob("cl-*.md")))
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    home = " ".join((REPO / "content/pages/index.md").read_text(encoding="utf-8").split())
    assert f"{clauses} clauses" in readme and f"{articles} textes de loi" in readme
    assert f"{clauses} clauses" in home and f"décrit {articles} articles" in home
