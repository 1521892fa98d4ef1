"""The editor's front-matter format (achats/site/editor/admin/achats-cms.js), run in Node.js with the
js-yaml that the admin page loads: what it writes is what `achats check` reads, and a
field the agent did not change is written back byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from achats.model import yamlsource
from achats.project import Project
from achats.model.schema import COLLECTIONS
from projects import REPO

HARNESS = Path(__file__).with_name("cms_format_harness.js")
JS_YAML = REPO / "node_modules" / "js-yaml" / "dist" / "js-yaml.min.js"
FORMAT = REPO / "achats" / "site" / "editor" / "admin" / "achats-cms.js"


def run(requests: list[dict], entries: dict | None = None, config: dict | None = None) -> list:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None or not JS_YAML.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js ou js-yaml (npm ci) absent (CI=true : ce test doit tourner)")
        pytest.skip("Node.js ou js-yaml (npm ci) absent")
    done = subprocess.run([node, str(HARNESS), str(JS_YAML), str(FORMAT)],
                          input=json.dumps(requests), capture_output=True, text=True,
                          env=dict(os.environ, ACHATS_FICHES=json.dumps(entries or {}),
                                   **({"ACHATS_CONFIG": json.dumps(config)} if config else {})))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def corpus() -> list[Path]:
    files = []
    for c in COLLECTIONS.values():
        folder = REPO / c.folder
        files += sorted(folder.glob("*/index.md") if c.in_folders else folder.glob("*.md"))
    return files


def front(text: str) -> dict:
    assert text.startswith("---\n")
    value, _ = yamlsource.parse(text[4:text.index("\n---\n", 3) + 1])
    return value


def test_every_entry_is_written_back_unchanged():
    files = corpus()
    assert len(files) >= 30
    texts = [p.read_text(encoding="utf-8") for p in files]
    out = run([{"op": "roundtrip", "text": t} for t in texts])
    changed = [str(p.relative_to(REPO)) for p, t, o in zip(files, texts, out) if t != o]
    assert changed == []


def test_one_field_changed_is_one_line_changed():
    path = REPO / "clauses" / "cl-001-reponse-dematerialisee.md"
    text = path.read_text(encoding="utf-8")
    [out] = run([{"op": "change", "text": text, "changes": {"niveau": "avance"}}])
    before, after = text.splitlines(), out.splitlines()
    assert len(before) == len(after)
    diff = [(a, b) for a, b in zip(before, after) if a != b]
    assert diff == [("niveau: socle", "niveau: avance")]
    # validation (its signature included), which the form does not show, is kept as written.
    block = re.search(r"^validation:\n(?:  .*\n)+", text, re.MULTILINE).group(0)
    assert "signature: |" in block and block in out


def test_a_piece_without_id_keeps_its_unchanged_lines():
    """A tender's piece (rc.md…) has no ID: the front matter as read travels with the
    entry's data, so a body edit leaves `titre` as written (no quotes added)."""
    path = REPO / "content/marches/sensibilisation-eco-citoyennete-jeunes/rc.md"
    text = path.read_text(encoding="utf-8")
    [read] = run([{"op": "read", "text": text}])
    assert read["_fiche"] is False  # the `piece` collection's filter
    body = read["body"].replace("Procédure adaptée.", "Procédure adaptée (MAPA).")
    [out, titled] = run([{"op": "change", "text": text, "changes": {"body": body}},
                         {"op": "change", "text": text,
                          "changes": {"titre": "Règlement de la consultation (RC)"}}])
    assert out == text.replace("Procédure adaptée.", "Procédure adaptée (MAPA).")
    assert "_lu" not in out and "_fiche" not in out
    assert titled.splitlines()[1] == 'titre: "Règlement de la consultation (RC)"'
    assert titled.splitlines()[2:] == text.splitlines()[2:]


def test_new_entry_reads_back_with_the_same_values_and_types():
    hostile = {
        "id": "CL-099",
        "titre": "Clause : « réemploi » # pas un commentaire",
        "resume": "- commence comme une liste, finit par deux-points:",
        "type": "condition_execution",
        "piliers": ["environnemental", "social"],
        "familles": ["services"],
        "base_legale": ["L2112-2"],
        "document": "CCAP",
        "niveau": "socle",
        "texte": "Ligne 1 : texte.\n  ligne indentée\n\nDernière ligne avec espace \n",
        "verification": "true",
        "ponderation": "2026-01-01",
        "risques": ["yes", "null", "'apostrophe'", "\"guillemets\"", "multi\nligne"],
        "sources": [],
        "statut": "proposee",
        "motif_retrait": "",
        "tags": ["@arobase", "*étoile", "&esperluette", "!bang", "%pourcent", "{accolade}"],
        "body": "Texte avec [[CL-010]].\n",
    }
    [out] = run([{"op": "write", "data": hostile, "sortedKeys": list(hostile)}])
    value = front(out)
    expected = {k: v for k, v in hostile.items() if k != "body" and v not in ("", [])}
    assert value == expected
    assert out.endswith("---\nTexte avec [[CL-010]].\n")


def test_dates_stay_dates_and_empty_subfields_are_dropped():
    data = {"id": "RA-009", "titre": "Visite", "date": "2026-03-04",
            "fournisseurs": [{"nom": "Atelier", "activite": ""}],
            "body": ""}
    [out] = run([{"op": "write", "data": data}])
    value = front(out)
    assert value["date"] == dt.date(2026, 3, 4)
    assert value["fournisseurs"] == [{"nom": "Atelier"}]


def test_preview_links_ids_outside_code():
    text = ("Voir [[CL-010]] et [[CL-011|la condition]].\n`[[CL-010]]` reste du code.\n"
            "```\n[[CL-010]]\n```\n[[CL-999]]")
    entries = {"CL-010": {"titre": "Critère [environnemental]",
                          "url": "clauses/cl-010-critere/"},
               "CL-011": {"titre": "Condition", "url": "clauses/cl-011-condition/"}}
    [out] = run([{"op": "links", "text": text}], entries)
    lines = out.split("\n")
    assert lines[0] == ("Voir [Critère \\[environnemental\\]](../clauses/cl-010-critere/) et "
                        "[la condition](../clauses/cl-011-condition/).")
    assert lines[1] == "`[[CL-010]]` reste du code."
    assert lines[3] == "[[CL-010]]"
    # An ID that is not in the index is shown as unknown, never as a link.
    assert lines[5] == "**\\[\\[CL-999\\]\\]** *(fiche inconnue)*"


def test_french_errors_before_saving_for_values_the_form_cannot_hold():
    """A draft read back from git may hold what the selects cannot show (a value outside a
    vocabulary) or a malformed ID: the save is refused with a French message."""
    from achats.site.editor.config import decap_config
    from achats.problems import ProblemList
    from achats.model.schema import load_vocabularies

    vocab = load_vocabularies(REPO / "content/data", "content/data", ProblemList())
    good = {"id": "CL-050", "titre": "T", "type": "condition_execution",
            "piliers": ["social"], "validation": {"par": "DAJCP"}}
    bad = dict(good, id="CL-5", type="critere", piliers=["social", "culturel"])
    out = run([{"op": "presave", "collection": "clause", "data": good},
               {"op": "presave", "collection": "clause", "data": bad}],
              config=decap_config(vocab))
    assert out[0] is None
    assert out[1].startswith("Fiche non enregistrée : ")
    assert "« id » : format incorrect « CL-5 » : attendu CL- suivi d'au moins trois " \
        "chiffres (ex. CL-001)." in out[1]
    assert "« type » : valeur inconnue « critere ». Valeurs permises : " \
        "specification_technique, condition_execution" in out[1]
    assert "« piliers » : valeur inconnue « culturel »." in out[1]
