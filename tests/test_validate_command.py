"""`achats validate`: a clause's validation pinned to its text, written by text surgery."""

from __future__ import annotations

import datetime as dt

import pytest

from achats.model.fingerprint import fingerprint
from achats.model.load import split_front_matter
from achats.problems import AchatsError, ProblemList
from achats.review.checks import set_validation
from achats.model.signatures import normal_signature
from signing import LEGAL

CL1 = "clauses/cl-001-environnement.md"
CL2 = "clauses/cl-002-insertion.md"


def read(project_dir, rel: str) -> str:
    return (project_dir / rel).read_text(encoding="utf-8")


def meta_of(text: str) -> dict:
    return split_front_matter(text, "x.md", ProblemList()).meta


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines only in before, lines only in after), order kept."""
    old, new = before.splitlines(), after.splitlines()
    return [line for line in old if line not in new], [line for line in new if line not in old]


@pytest.fixture
def signer(project_dir, legal_key):
    """The legal service's real key, listed in the project's signers file; returns the
    arguments that sign with it."""
    legal_key.allow(project_dir)
    return ["--by", LEGAL, "--key", str(legal_key.private)]


def test_validate_sets_status_and_pinned_validation(project_dir, run_cli, signer):
    """statut becomes validee; par, le, the text's fingerprint and a signature are written;
    check passes."""
    before = read(project_dir, CL2)
    code, out, _err = run_cli("validate", "CL-002", *signer, "--le", "2026-11-20")
    assert code == 0
    after = read(project_dir, CL2)
    meta = meta_of(after)
    assert meta["statut"] == "validee"
    signature = normal_signature(meta["validation"]["signature"])
    assert signature and signature.startswith("-----BEGIN SSH SIGNATURE-----\n")
    assert meta["validation"] == {"par": LEGAL, "le": dt.date(2026, 11, 20),
                                  "empreinte": fingerprint(meta),
                                  "signature": signature.rstrip("\n")}
    assert f"CL-002 validée par {LEGAL} le 20/11/2026" in out and CL2 in out
    gone, added = changed_lines(before, after)
    assert gone == ["statut: proposee"]
    assert added[:6] == ["statut: validee", "validation:", f"  par: {LEGAL}",
                         "  le: 2026-11-20", f"  empreinte: {fingerprint(meta)}",
                         "  signature: |"]
    assert added[6:] == [f"    {line}" for line in signature.splitlines()]
    assert run_cli("check")[0] == 0


def test_validating_a_proposed_clause_warns_about_the_review_flow(project_dir, run_cli, signer):
    """From « proposee », the command works but says review-check expects « a_valider »."""
    code, _out, err = run_cli("validate", "CL-002", *signer)
    assert code == 0 and "a_valider" in err


def test_editing_the_text_afterwards_voids_the_validation(project_dir, run_cli, signer):
    """After validation, a change of « texte » makes check fail with the advice to re-validate."""
    run_cli("validate", "CL-002", *signer, "--le", "2026-11-20")
    path = project_dir / CL2
    path.write_text(read(project_dir, CL2).replace("5 %", "6 %"), encoding="utf-8")
    code, out, _err = run_cli("check")
    assert code == 1
    assert f"{CL2}:" in out and "validation.empreinte" in out and "a_valider" in out
    assert run_cli("validate", "CL-002", *signer)[0] == 0
    assert run_cli("check")[0] == 0


def test_existing_block_is_replaced_and_the_rest_kept_byte_for_byte(project_dir, run_cli,
                                                                    signer):
    """Re-validating CL-001 changes only the validation block and keeps every other byte."""
    before = read(project_dir, CL1)
    assert run_cli("validate", "CL-001", *signer, "--le", "2027-01-15")[0] == 0
    after = read(project_dir, CL1)
    head, _, rest = before.partition("validation:\n")
    block_end = rest.index("\n---\n")
    new_head, _, new_rest = after.partition("validation:\n")
    assert new_head == head
    assert new_rest[new_rest.index("\n---\n"):] == rest[block_end:]
    assert new_rest.splitlines()[:3] == [f"  par: {LEGAL}", "  le: 2027-01-15",
                                         f"  empreinte: {fingerprint(meta_of(after))}"]


@pytest.mark.parametrize("block, expected", [
    ('validation: {par: X, le: 2020-01-01, empreinte: "sha256:a-recalculer"}\n',
     'validation: {par: DAJCP, le: 2026-11-20, empreinte: "sha256:{fp}"}\n'),
    ("validation:\n    par: X   # ancien\n    le: 2020-01-01\n\n    empreinte: 'sha256:x'\n",
     "validation:\n    par: DAJCP\n    le: 2026-11-20\n    empreinte: 'sha256:{fp}'\n"),
    ("", "validation:\n  par: DAJCP\n  le: 2026-11-20\n  empreinte: sha256:{fp}\n"),
])
def test_validation_block_styles(block, expected):
    """Flow or block style, quoting and indentation of the old block are kept."""
    text = ("---\n# Clause de test\nid: CL-009\ntexte: Un texte.\nstatut: \"a_valider\"  # à "
            f"relire\n{block}tags: [a]\n---\nCorps.\n")
    result = set_validation(text, "DAJCP", dt.date(2026, 11, 20), "sha256:{fp}")
    assert result == ("---\n# Clause de test\nid: CL-009\ntexte: Un texte.\nstatut: \"validee\""
                      f"  # à relire\n{expected}tags: [a]\n---\nCorps.\n")


def test_windows_line_endings_and_bom_are_kept():
    """A file saved on Windows stays CRLF with its BOM."""
    text = "\ufeff---\r\nid: CL-009\r\nstatut: a_valider\r\n---\r\nCorps.\r\n"
    result = set_validation(text, "DAJCP", dt.date(2026, 11, 20), "sha256:0")
    assert result == ("\ufeff---\r\nid: CL-009\r\nstatut: validee\r\nvalidation:\r\n  par: DAJCP"
                      "\r\n  le: 2026-11-20\r\n  empreinte: sha256:0\r\n---\r\nCorps.\r\n")


@pytest.mark.parametrize("by", ["N'importe qui", "@dajcp: M. Durand", "*", "a@b,c@d", "!x@y"])
def test_signatory_must_be_one_plain_principal(project_dir, run_cli, signer, by):
    """--by names one principal of the signers file: no spaces, patterns or lists."""
    before = read(project_dir, CL2)
    code, _out, err = run_cli("validate", "CL-002", "--by", by, "--key", signer[3])
    assert code == 1 and "--by" in err and "principal" in err
    assert read(project_dir, CL2) == before


@pytest.mark.parametrize("ident, setup, message", [
    ("CL-999", None, "identifiant inconnu « CL-999 »"),
    ("GU-001", None, "pas une clause"),
    ("CL-002", ("type: condition_execution", "type: inconnu"), "contient des erreurs"),
    ("CL-002", ("statut: proposee", "statut: retiree\nmotif_retrait: Abandonnée."), "retirée"),
])
def test_refusals_leave_files_untouched(project_dir, run_cli, signer, ident, setup, message):
    """Unknown ID, non-clause, clause with errors, retired clause: exit 1, nothing written."""
    if setup:
        path = project_dir / CL2
        path.write_text(read(project_dir, CL2).replace(*setup), encoding="utf-8")
    before = {p: p.read_bytes() for p in project_dir.rglob("*.md")}
    code, _out, err = run_cli("validate", ident, *signer)
    assert code == 1 and message in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in project_dir.rglob("*.md")} == before


def test_clause_errors_are_listed_with_their_location(project_dir, run_cli, signer):
    """The errors that block the validation are printed path:line: field."""
    path = project_dir / CL2
    path.write_text(read(project_dir, CL2).replace("type: condition_execution", "type: inconnu"),
                    encoding="utf-8")
    _code, _out, err = run_cli("validate", "CL-002", *signer)
    assert f"{CL2}:4: type: erreur:" in err


@pytest.mark.parametrize("args", [["CL-002"], ["CL-002", "--by", "DAJCP", "--le", "20/11/2026"]])
def test_usage_errors_exit_2(project_dir, run_cli, args):
    """Missing --by or a date not in AAAA-MM-JJ: usage error in French, exit 2."""
    code, _out, err = run_cli("validate", *args)
    assert code == 2 and "erreur d'utilisation" in err


def test_empty_signatory_is_refused(project_dir, run_cli):
    """--by "" is refused."""
    code, _out, err = run_cli("validate", "CL-002", "--by", " ")
    assert code == 1 and "--by" in err


def test_surgery_without_status_line_raises():
    """A front matter without « statut » cannot be edited safely: clear error."""
    with pytest.raises(AchatsError, match="statut"):
        set_validation("---\nid: CL-009\n---\n", "DAJCP", dt.date(2026, 11, 20), "sha256:0")
