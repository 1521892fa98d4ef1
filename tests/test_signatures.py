"""Signed validations, attacked: real ed25519 keys (ssh-keygen) and real git repositories.

`achats check` verifies every « validee » clause against content/data/signataires;
`achats review-check` verifies the validations a merge request adds or changes against the
signers file of the base.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from achats.review.demonstration import replace_demonstration_key, sign_bundled
from achats.project import Project
from achats.review.checks import review_changes
from achats.model.signatures import (CACHE_FILE, DEMONSTRATION_PRINCIPAL, OPTION, SIGNERS_FILE,
                               parse_signers)
from achats.model.validate import check_project
from projects import make_project
from signing import LEGAL, make_key, sign_file, signed_text
from test_history import commit_all, edit, git

CL1 = "clauses/cl-001-environnement.md"
CL2 = "clauses/cl-002-insertion.md"
GUIDE = "guides/premier-chapitre.md"


def check_errors(root: Path, cache: bool = True) -> list[str]:
    problems = check_project(Project(root), signature_cache=cache).problems
    return [p.format() for p in problems.errors]


def signature_errors(root: Path) -> list[str]:
    return [e for e in check_errors(root) if ": validation.signature: " in e]


@pytest.fixture
def project(tmp_path, monkeypatch, legal_key):
    """The fixture project, its signers file listing the legal service's key too."""
    root = make_project(tmp_path / "projet")
    legal_key.allow(root)
    monkeypatch.chdir(root)
    return root


def validate(root: Path, key, rel: str = CL2, **options) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8").replace("statut: proposee",
                                                             "statut: a_valider"),
                    encoding="utf-8")
    sign_file(root, rel, key, **options)


# -- achats check -----------------------------------------------------------------------------

def test_bundled_fixture_is_signed_by_the_demonstration_signer(project):
    """The fixture's validated clause carries a demonstration signature that verifies."""
    assert check_errors(project) == []
    text = (project / CL1).read_text(encoding="utf-8")
    assert f"par: {DEMONSTRATION_PRINCIPAL}" in text and "BEGIN SSH SIGNATURE" in text


def test_legitimate_validation_is_accepted(project, legal_key):
    """Key listed for the principal, signature over this clause: no error."""
    validate(project, legal_key)
    assert check_errors(project) == []


def test_unsigned_validation_is_refused(project):
    """par, le, empreinte but no signature: error on validation with the command to run."""
    validate(project, None)
    [found] = check_errors(project)
    assert re.match(rf"{CL2}:\d+: validation.signature: erreur: validation non signée", found)
    assert "achats validate CL-002 --by" in found


def test_wrong_key_is_refused(project, tmp_path):
    """Signed with a key that is not the principal's: ssh-keygen refuses."""
    validate(project, make_key(tmp_path / "autres", "intrus"))
    [found] = signature_errors(project)
    assert f"{CL2}:" in found and "signature refusée par ssh-keygen" in found
    assert f"achats validate CL-002 --by {LEGAL}" in found


def test_unknown_principal_is_refused(project, tmp_path):
    """A principal absent from the signers file, even with a well-formed signature."""
    key = make_key(tmp_path / "autres", "nimporte")
    validate(project, key, principal="nimporte.qui@example.org")
    [found] = signature_errors(project)
    assert "signataire « nimporte.qui@example.org » inconnu" in found


def test_text_changed_after_signing_is_refused(project, legal_key):
    """The fingerprint no longer matches: the clause must be validated again."""
    validate(project, legal_key)
    edit(project, CL2, "5 %", "50 %")
    [found] = check_errors(project)
    assert ": validation.empreinte: erreur: le texte a changé" in found


def test_text_and_fingerprint_changed_together_are_refused(project, legal_key):
    """Recomputing the fingerprint by hand does not help: the signature covers it."""
    validate(project, legal_key)
    before = (project / CL2).read_text(encoding="utf-8")
    from achats.model.fingerprint import fingerprint
    from achats.model.load import split_front_matter
    from achats.problems import ProblemList

    old = re.search(r"empreinte: (\S+)", before).group(1)
    changed = before.replace("5 %", "50 %")
    new = fingerprint(split_front_matter(changed, CL2, ProblemList()).meta)
    (project / CL2).write_text(changed.replace(old, new), encoding="utf-8")
    [found] = check_errors(project)
    assert "validation.signature: erreur: signature refusée" in found


def test_signature_copied_from_another_clause_is_refused(project, legal_key):
    """A genuine signature of CL-001's validation pasted into CL-002."""
    validate(project, legal_key)
    other = signed_text((project / CL1).read_text(encoding="utf-8"), legal_key)
    signature = re.search(r"  signature: \|\n((?:    .*\n)+)", other).group(1)
    text = (project / CL2).read_text(encoding="utf-8")
    text = re.sub(r"(  signature: \|\n)(?:    .*\n)+", lambda m: m.group(1) + signature, text)
    (project / CL2).write_text(text, encoding="utf-8")
    [found] = signature_errors(project)
    assert "signature refusée" in found


def test_signature_made_for_another_id_is_refused(project, legal_key):
    """Signed by the right key, but over another clause's ID."""
    validate(project, legal_key, ident="CL-001")
    assert len(signature_errors(project)) == 1


def test_date_edited_after_signing_is_refused(project, legal_key):
    """« le » moved after signing: the signed message no longer matches."""
    validate(project, legal_key)
    edit(project, CL2, "le: 2026-11-20", "le: 2026-12-24")
    [found] = signature_errors(project)
    assert "signature refusée" in found


def test_principal_edited_after_signing_is_refused(project, legal_key, tmp_path):
    """« par » changed to another listed principal: still refused."""
    make_key(tmp_path / "autres", "chef").allow(project, "chef@region.example")
    validate(project, legal_key)
    edit(project, CL2, f"par: {LEGAL}", "par: chef@region.example")
    [found] = signature_errors(project)
    assert "signature refusée" in found


def test_signature_of_another_namespace_is_refused(project, legal_key):
    """A signature made for git (namespace « git ») is not a validation."""
    validate(project, legal_key, namespace="git")
    [found] = signature_errors(project)
    assert "signature refusée" in found


@pytest.mark.parametrize("garbage", ["oui", "-----BEGIN SSH SIGNATURE-----\\n!!!\\n"
                                     "-----END SSH SIGNATURE-----"])
def test_malformed_signature_is_refused(project, legal_key, garbage):
    """A signature that is not an armored SSH signature: « illisible »."""
    validate(project, legal_key)
    text = (project / CL2).read_text(encoding="utf-8")
    text = re.sub(r"  signature: \|\n(?:    .*\n)+", f'  signature: "{garbage}"\n', text)
    (project / CL2).write_text(text, encoding="utf-8")
    [found] = signature_errors(project)
    assert "signature illisible" in found


@pytest.mark.parametrize("options, word", [
    (f"cert-authority,{OPTION}", "options"),
    (f'{OPTION},valid-before="20990101"', "options"),
    ('valid-after="19700101"', "options"),
    ('namespaces="git"', "options"),
    ('namespaces="achats-validation,git"', "options"),
])
def test_signers_line_with_other_options_is_refused_and_unused(project, legal_key, tmp_path,
                                                                options, word):
    """cert-authority, validity dates, other namespaces: the line is an error in the signers
    file and its key signs nothing."""
    key = make_key(tmp_path / "autres", "ca")
    key.allow(project, "ca@region.example", options)
    validate(project, key, principal="ca@region.example")
    found = check_errors(project)
    assert any(re.match(rf"{SIGNERS_FILE}:\d+: signataires: erreur: {word}", f) for f in found)
    assert any(f.startswith(f"{CL2}:") and "ca@region.example" in f for f in found)


@pytest.mark.parametrize("principal", ["*", "*@region.example", "a@x,b@y", "!x@y"])
def test_signers_line_with_a_pattern_is_refused(project, tmp_path, principal):
    """Wildcards, lists and negations would let other principals sign."""
    key = make_key(tmp_path / "autres", "motif")
    key.allow(project, principal)
    validate(project, key, principal="n.importe@region.example")
    found = check_errors(project)
    assert any(f.startswith(f"{SIGNERS_FILE}:") and "principal" in f for f in found)
    assert any(f.startswith(f"{CL2}:") and "inconnu" in f for f in found)


def test_signers_file_problems_are_located():
    """Incomplete line, unknown key type, broken base64: one located error each."""
    text = ("# commentaire\n\nseul\n"
            f"a@b {OPTION} ssh-dss AAAA\n"
            f"a@b {OPTION} ssh-ed25519 pas-du-base64!\n"
            f"a@b {OPTION} ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==\n")
    signers, problems = parse_signers(text)
    assert signers == []
    assert [(p.line, p.field) for p in problems] == [(3, "signataires"), (4, "signataires"),
                                                     (5, "signataires"), (6, "signataires")]


def test_missing_signers_file_is_an_error_on_each_validated_clause(project):
    (project / SIGNERS_FILE).unlink()
    [found] = check_errors(project)
    assert found.startswith(f"{CL1}:") and "aucun fichier content/data/signataires" in found


def test_validation_block_on_a_guide_is_refused(project, legal_key):
    """Only clauses carry a validation: elsewhere the key is unknown."""
    text = (project / GUIDE).read_text(encoding="utf-8")
    (project / GUIDE).write_text(text.replace("tags: [besoin]\n", "tags: [besoin]\nvalidation:"
                                              f" {{par: {LEGAL}, le: 2026-11-20}}\n"),
                                 encoding="utf-8")
    found = check_errors(project)
    assert any(f.startswith(f"{GUIDE}:") and "clé inconnue « validation »" in f for f in found)


def test_removed_key_voids_cached_verdicts(project, legal_key):
    """Verdicts are kept by content: once the key leaves the signers file, the cached
    success no longer applies."""
    validate(project, legal_key)
    assert check_errors(project) == []
    assert (project / CACHE_FILE).is_file()
    signers = project / SIGNERS_FILE
    signers.write_text("".join(line for line in signers.read_text().splitlines(True)
                               if not line.startswith(LEGAL)), encoding="utf-8")
    assert any("inconnu" in f for f in signature_errors(project))


def test_cached_success_does_not_cover_another_signature(project, legal_key, tmp_path):
    """The cache holds digests of verified (signers, principal, message, signature): a
    wrong signature has another digest and is verified by ssh-keygen."""
    validate(project, legal_key)
    assert check_errors(project) == []
    validate(project, make_key(tmp_path / "autres", "intrus"))
    assert len(signature_errors(project)) == 1


# -- achats validate --------------------------------------------------------------------------

def test_validate_refuses_a_key_that_is_not_the_principals(project, run_cli, tmp_path):
    """Signing works, but the signature does not verify with the principal's key: nothing
    is written."""
    before = (project / CL2).read_text(encoding="utf-8")
    intruder = make_key(tmp_path / "autres", "intrus")
    code, _out, err = run_cli("validate", "CL-002", "--by", LEGAL, "--key",
                              str(intruder.private))
    assert code == 1 and "n'est pas celle de" in err and "Traceback" not in err
    assert (project / CL2).read_text(encoding="utf-8") == before


def test_validate_refuses_an_unlisted_principal(project, run_cli, legal_key):
    code, _out, err = run_cli("validate", "CL-002", "--by", "autre@region.example", "--key",
                              str(legal_key.private))
    assert code == 1 and "n'y a pas de clé" in err


def test_validate_uses_git_signing_key_by_default(project, run_cli, legal_key):
    """Without --key: git's user.signingkey (as set for signed commits)."""
    git(project, "init", "-q")
    git(project, "config", "user.signingkey", str(legal_key.private))
    assert run_cli("validate", "CL-002", "--by", LEGAL)[0] == 0
    assert check_errors(project) == []


def test_validate_without_any_key_says_how(project, run_cli):
    git(project, "init", "-q")
    code, _out, err = run_cli("validate", "CL-002", "--by", LEGAL)
    assert code == 1 and "--key" in err and "user.signingkey" in err


# -- the demonstration signer -----------------------------------------------------------------

def test_demonstration_signer_replaces_its_key_and_signs_only_validated(project, legal_key):
    """Only « validee » clauses are signed; the previous demonstration key is replaced, the
    legal service's key kept; no private key is left in the project."""
    before = (project / SIGNERS_FILE).read_text(encoding="utf-8")
    old_demo = [l for l in before.splitlines() if l.startswith(DEMONSTRATION_PRINCIPAL)]
    assert sign_bundled(Project(project), dt.date(2026, 11, 29)) == ["CL-001"]
    after = (project / SIGNERS_FILE).read_text(encoding="utf-8")
    demo = [l for l in after.splitlines() if l.startswith(DEMONSTRATION_PRINCIPAL)]
    assert len(demo) == 1 and demo != old_demo and legal_key.line() in after
    assert "statut: proposee" in (project / CL2).read_text(encoding="utf-8")
    assert check_errors(project) == []
    assert not [p for p in project.rglob("*") if p.is_file()
                and "PRIVATE KEY" in p.read_bytes().decode("latin-1")]


def test_replace_demonstration_key_on_an_empty_file():
    text = replace_demonstration_key("", "ssh-ed25519 AAAA commentaire")
    assert text.startswith("# Qui peut signer")
    assert text.endswith(f"{DEMONSTRATION_PRINCIPAL} {OPTION} ssh-ed25519 AAAA\n")


# -- achats review-check ----------------------------------------------------------------------

@pytest.fixture
def repo(project):
    git(project, "init", "-q", "-b", "main")
    edit(project, CL2, "statut: proposee", "statut: a_valider")
    commit_all(project, "Import")
    git(project, "tag", "base")
    return project


def review_errors(root: Path) -> list[str]:
    return [p.format() for p in review_changes(Project(root), "base").problems.errors]


def test_review_accepts_a_validation_by_a_key_of_the_base(repo, legal_key):
    sign_file(repo, CL2, legal_key)
    assert review_errors(repo) == []


def test_review_refuses_a_key_added_by_the_same_merge_request(repo, tmp_path):
    """The merge request lists its own key and signs with it: check passes, review-check
    does not (the base's signers file is the reference)."""
    key = make_key(tmp_path / "autres", "contributeur")
    key.allow(repo, "contributeur@region.example")
    sign_file(repo, CL2, key, principal="contributeur@region.example")
    assert check_errors(repo) == []
    found, governance = review_errors(repo)
    assert found.startswith(f"{CL2}:") and "contributeur@region.example" in found
    assert "(dans base (" in found
    assert governance.startswith(f"{SIGNERS_FILE}:1: signataires: erreur: le fichier des "
                                 f"signataires change dans la même demande de fusion que des "
                                 f"clauses ({CL2})")


def test_review_refuses_a_new_key_for_a_listed_principal(repo, tmp_path):
    """A second key for the legal service's principal, added by the merge request."""
    key = make_key(tmp_path / "autres", "second")
    key.allow(repo, LEGAL)
    sign_file(repo, CL2, key)
    assert check_errors(repo) == []
    found = review_errors(repo)
    assert len(found) == 2 and "signature refusée" in found[0]


def test_review_refuses_a_new_clause_arriving_signed_by_an_unlisted_key(repo, tmp_path):
    key = make_key(tmp_path / "autres", "contributeur")
    key.allow(repo, "contributeur@region.example")
    text = (repo / CL2).read_text(encoding="utf-8").replace("CL-002", "CL-003")
    (repo / "clauses/cl-003-nouvelle.md").write_text(
        signed_text(text, key, principal="contributeur@region.example"), encoding="utf-8")
    found = review_errors(repo)
    assert any(f.startswith("clauses/cl-003-nouvelle.md:") and "inconnu" in f for f in found)


def test_review_refuses_an_unsigned_validation(repo):
    sign_file(repo, CL2, None)
    [found] = review_errors(repo)
    assert "validation non signée" in found


def test_review_leaves_unchanged_validations_alone(repo):
    """CL-001, validated on the base and untouched, is not verified again by review-check
    (achats check does it): here the base no longer lists its signer."""
    signers = repo / SIGNERS_FILE
    signers.write_text("".join(line for line in signers.read_text().splitlines(True)
                               if not line.startswith(DEMONSTRATION_PRINCIPAL)))
    commit_all(repo, "Clé de démonstration retirée")
    git(repo, "tag", "-f", "base")
    edit(repo, GUIDE, "Un chapitre de test.", "Un chapitre de test, relu.")
    assert review_errors(repo) == []
    assert any(f.startswith(f"{CL1}:") for f in signature_errors(repo))


# -- governance of a merge request ------------------------------------------------------------

def test_review_accepts_a_signers_change_alone(repo, tmp_path):
    """A new key, alone in its merge request (the legal service approves it): fine."""
    make_key(tmp_path / "autres", "nouvelle").allow(repo, "nouveau@region.example")
    assert review_errors(repo) == []


def set_owner(root: Path, key: str, handle: str) -> None:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\nextra:\n", f"\nextra:\n  proprietaires:\n    {key}: '{handle}'\n", 1),
        encoding="utf-8")


@pytest.mark.parametrize("key, rel", [("clauses", CL2), ("mainteneurs", "content/data/x.yml"),
                                      ("signataires", SIGNERS_FILE), ("defaut", GUIDE)])
def test_review_refuses_owners_changed_with_what_they_guard(repo, key, rel):
    """extra.proprietaires reassigned in the merge request that touches the guarded files."""
    set_owner(repo, key, "@intrus")
    path = repo / rel
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "\n",
                    encoding="utf-8")
    found = review_errors(repo)
    assert any(re.match(r"mkdocs\.yml:\d+: extra\.proprietaires: erreur: propriétaires "
                        rf"modifiés \([^)]*\b{key}\b[^)]*\) dans la même demande de fusion que des fichiers "
                        rf"qu'ils gardent \({re.escape(rel)}", f) for f in found)


def test_review_accepts_owners_changed_alone(repo, run_cli):
    """Reassigning the clauses (and regenerating CODEOWNERS) alone: the maintainers approve."""
    set_owner(repo, "clauses", "@juridique")
    assert run_cli("codeowners")[0] == 0
    assert review_errors(repo) == []


def test_review_refuses_a_committed_cache(repo, legal_key):
    """A verdict cache brought by the merge request would make check trust anything."""
    sign_file(repo, CL2, legal_key)
    assert check_errors(repo) == []
    git(repo, "add", "-f", str(CACHE_FILE))
    found = review_errors(repo)
    assert found == [f"{CACHE_FILE.as_posix()}:1: fichier: erreur: fichier de cache dans la "
                     "demande de fusion : .cache/ n'est jamais versionné (un cache apporté "
                     "ferait passer des vérifications qui n'ont pas eu lieu). Retirez-le "
                     "(git rm --cached)."]


def test_review_refuses_unreadable_owners_with_content(repo):
    """Owners made unreadable (not a handle) in the merge request that edits a clause."""
    set_owner(repo, "clauses", "pas un identifiant")
    edit(repo, CL2, "5 %", "6 %")
    found = review_errors(repo)
    assert any(f.startswith("mkdocs.yml:") and "extra.proprietaires" in f for f in found)


# -- verification in one pass (achats check) against ssh-keygen -------------------------------

def _armor(blob: bytes) -> str:
    import base64

    text = base64.b64encode(blob).decode()
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def _blob(signature: str) -> bytes:
    import base64

    return base64.b64decode("".join(signature.strip().splitlines()[1:-1]))


def _ssh_keygen_accepts(tmp_path, signers, principal, data, signature) -> bool:
    from achats.model.signatures import allowed_signers_text, verify

    allowed = tmp_path / "allowed"
    allowed.write_text(allowed_signers_text(signers))
    return verify(allowed, principal, data, signature)[0]


@pytest.mark.parametrize("hashalg", ["sha512", "sha256"])
def test_in_process_verification_agrees_with_ssh_keygen_on_valid_signatures(tmp_path, legal_key,
                                                                            hashalg):
    import subprocess

    from achats.model.signatures import NAMESPACE, accepted_in_process

    signers, _ = parse_signers(legal_key.line())
    data = b"achats-validation v1\nid: CL-001\n"
    signature = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", NAMESPACE, "-O",
                                f"hashalg={hashalg}", "-f", str(legal_key.private)],
                               input=data, capture_output=True, check=True).stdout.decode()
    assert accepted_in_process(signers, LEGAL, data, signature)
    assert _ssh_keygen_accepts(tmp_path, signers, LEGAL, data, signature)


def test_in_process_verification_refuses_every_altered_byte(tmp_path, legal_key):
    """Each byte of a valid signature altered in turn: never accepted in process (and where
    it would be, ssh-keygen must agree)."""
    from achats.model.signatures import accepted_in_process

    signers, _ = parse_signers(legal_key.line())
    data = b"achats-validation v1\nid: CL-001\n"
    blob = _blob(legal_key.sign(data))
    accepted = []
    for index in range(len(blob)):
        altered = _armor(blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1:])
        if accepted_in_process(signers, LEGAL, data, altered):
            accepted.append(index)
    for index in accepted:
        altered = _armor(blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1:])
        assert _ssh_keygen_accepts(tmp_path, signers, LEGAL, data, altered), index
    assert accepted == []
    assert not accepted_in_process(signers, LEGAL, data, _armor(blob + b"\0"))
    assert not accepted_in_process(signers, LEGAL, data, _armor(blob[:-1]))


def test_in_process_verification_refuses_the_attacks(tmp_path, legal_key):
    """Other data, other namespace, other principal, key of another principal."""
    from achats.model.signatures import accepted_in_process

    other = make_key(tmp_path / "autres", "autre")
    signers, _ = parse_signers(legal_key.line() + other.line("autre@region.example"))
    data = b"achats-validation v1\nid: CL-001\n"
    good = legal_key.sign(data)
    assert accepted_in_process(signers, LEGAL, data, good)
    assert not accepted_in_process(signers, LEGAL, data + b"x", good)
    assert not accepted_in_process(signers, "autre@region.example", data, good)
    assert not accepted_in_process(signers, LEGAL, data, other.sign(data))
    assert not accepted_in_process(signers, LEGAL, data, legal_key.sign(data, "git"))
    assert not accepted_in_process(signers, LEGAL, data, "pas une signature")


def test_ecdsa_key_is_verified_by_ssh_keygen(project, tmp_path):
    """A key type the one-pass verification does not handle goes to ssh-keygen: accepted
    when right, refused when the date is edited."""
    import subprocess

    from signing import Key

    path = tmp_path / "autres" / "ecdsa"
    path.parent.mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", str(path)], check=True)
    key = Key(path)
    key.allow(project, "ecdsa@region.example")
    validate(project, key, principal="ecdsa@region.example")
    assert check_errors(project) == []
    edit(project, CL2, "le: 2026-11-20", "le: 2026-11-21")
    [found] = signature_errors(project)
    assert "signature refusée par ssh-keygen" in found


def test_validate_with_a_public_key_in_git_config_signs_through_the_agent(
        project, run_cli, legal_key, tmp_path, monkeypatch):
    """user.signingkey may hold the public key itself (git's « key:: » form): ssh-keygen
    then signs with the agent holding the private half."""
    import os
    import subprocess

    socket = tmp_path / "agent.sock"
    agent = subprocess.run(["ssh-agent", "-a", str(socket)], capture_output=True, text=True,
                           check=True).stdout
    pid = re.search(r"SSH_AGENT_PID=(\d+)", agent).group(1)
    try:
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket)}
        subprocess.run(["ssh-add", "-q", str(legal_key.private)], env=env, check=True,
                       capture_output=True)
        git(project, "init", "-q")
        git(project, "config", "user.signingkey", f"key::{legal_key.public}")
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
        assert run_cli("validate", "CL-002", "--by", LEGAL)[0] == 0
        assert check_errors(project) == []
    finally:
        subprocess.run(["kill", pid], check=False)
