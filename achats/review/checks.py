"""The wiki-marché review flow: what a merge request may change, and clause validation.

``review_changes`` compares the working tree (or a revision) with a base revision, as CI does
for a merge request: statuses move only along the allowed paths, a clause becomes « validee »
only with a validation that matches its text and is signed by a key the BASE lists in
content/data/signataires, a published tender's pieces are frozen, IDs are stable, never
taken back from another entry of history (achats.git.identifiers) and an entry still cited may
not disappear; owners (extra.proprietaires) and signers do not change together with what
they guard. The base is read from git objects (one ``git ls-tree``, one ``git cat-file
--batch``, one ``git log`` for the IDs of history): nothing is checked out.

``validate_clause`` is what the legal service runs: it signs the validation with the
signer's SSH key (achats.model.signatures), checks the signature against the signers file, then
writes ``statut: validee`` and the ``validation`` block into the clause's front matter by
editing the text, so the rest of the file (comments, key order, quoting) stays byte for byte
as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from achats.review.codeowners import FILE_NAME, GOVERNANCE, pattern_regex, owners_from_text
from achats.model.fingerprint import fingerprint
from achats.index.graph import REFERENCE_FIELDS
from achats.git.repo import GitError, blob_text, repository
from achats.files import write_atomically
from achats.git.identifiers import IdHistory, read_id_history
from achats.model.load import SKIPPED_NAMES, Entry, entry_of, piece_of, split_front_matter
from achats.problems import AchatsError, ProblemList
from achats.project import Project
from achats.model.schema import COLLECTIONS, PIECES
from achats.model.schema.workflow import read_workflow
from achats.model.signatures import (OPTION as NAMESPACE_OPTION, PRINCIPAL, PRINCIPAL_HELP, SIGNERS_FILE,
                         Claim, allowed_signers_text, claim_of, normal_signature,
                         read_signers, sign, verify_with_signers_text)
from achats.model.validate import check_project

# Errors of `achats check` that `achats validate` itself repairs.
REPAIRED_BY_VALIDATION = {"validation", "validation.empreinte", "validation.signature"}


class RefError(AchatsError):
    """A revision that git does not know: a usage error (exit code 2)."""


# -- reading entries at a revision ------------------------------------------------------------

def resolve_revision(project: Project, ref: str) -> str:
    """Full commit id of ``ref``; RefError in French when git does not know it."""
    try:
        return repository(project.root).commit_of(ref)
    except GitError as exc:
        if exc.returncode == 1:
            raise RefError(f"révision « {ref} » inconnue de git. En CI, récupérez tout "
                           "l'historique (fetch-depth: 0) ; en local, « git fetch origin » "
                           "puis réessayez.") from None
        raise RefError(f"impossible de lire la révision « {ref} » : le projet est-il dans un "
                       f"dépôt git ? ({exc.stderr.strip()})") from None


def _collection_folders() -> list[str]:
    return sorted({c.folder for c in COLLECTIONS.values()})


def files_at(project: Project, commit: str) -> dict[str, str]:
    """Text of every collection file at ``commit`` (one ls-tree, one cat-file --batch)."""
    listing = repository(project.root).run("ls-tree", "-r", "-z", commit, "--",
                                           *_collection_folders())
    objects: dict[str, str] = {}
    for record in listing.decode("utf-8", "replace").split("\0"):
        if not record:
            continue
        info, _, rel = record.partition("\t")
        mode, kind, sha = info.split()
        if kind == "blob" and rel.endswith(".md"):
            objects[rel] = sha
    blobs = repository(project.root).read_blobs(list(objects.values()))
    return {rel: blob_text(blobs.get(sha)) or "" for rel, sha in objects.items()}


def entries_from_files(project: Project, files: dict[str, str]) -> list[Entry]:
    """Entries (tenders with their pieces) from file texts keyed by project path."""
    entries: dict[str, Entry] = {}
    pieces: list[tuple[str, str, str]] = []  # tender folder, kind, rel
    workflow = read_workflow(project.data_dir)  # today's life cycle, for every version
    for rel in sorted(files):
        parts = rel.split("/")
        for collection in COLLECTIONS.values():
            folder = collection.folder.split("/")
            rest = parts[len(folder):]
            if parts[:len(folder)] != folder:
                continue
            name = rest[-1] if rest else ""
            if name in SKIPPED_NAMES or name.startswith(("_", ".")):
                continue
            if not collection.in_folders and len(rest) == 1:
                entries[rel] = _entry(collection, project, rel, files[rel], workflow)
            elif collection.in_folders and len(rest) == 2 and name == "index.md":
                entries[rel] = _entry(collection, project, rel, files[rel], workflow)
            elif collection.in_folders and len(rest) == 2 and name in PIECES:
                pieces.append(("/".join(parts[:-1]), PIECES[name], rel))
    for folder, kind, rel in pieces:
        owner = entries.get(f"{folder}/index.md")
        if owner is not None:
            doc = split_front_matter(files[rel], rel, ProblemList(), required=False)
            owner.pieces.append(piece_of(kind, project.root / rel, rel, doc))
    return list(entries.values())


def _entry(collection, project: Project, rel: str, text: str, workflow) -> Entry:
    return entry_of(collection, project.root / rel, rel,
                    split_front_matter(text, rel, ProblemList()), workflow)


def _renames(project: Project, base: str, head: str | None
             ) -> tuple[dict[str, str], set[str]]:
    """(old path -> new path for files git sees as renamed, every path changed) between
    base and head (the working tree, untracked files included, when head is None)."""
    args = ["diff", "-M", "-z", "--name-status", base] + ([head] if head else [])
    git = repository(project.root)
    out = git.run("-c", "core.quotepath=false", *args, "--", ".").decode("utf-8", "replace")
    tokens, renames, changed, i = out.split("\0"), {}, set(), 0
    while i < len(tokens):
        status = tokens[i]
        if status[:1] in ("R", "C"):
            if i + 2 < len(tokens):
                if status[0] == "R":
                    renames[tokens[i + 1]] = tokens[i + 2]
                    changed.add(tokens[i + 1])
                changed.add(tokens[i + 2])
            i += 3
        else:
            if status and i + 1 < len(tokens):
                changed.add(tokens[i + 1])
            i += 2
    if head is None:
        untracked = git.run("-c", "core.quotepath=false", "ls-files", "-z", "--others",
                            "--exclude-standard").decode("utf-8", "replace")
        # A local cache, never added to git, is no part of the merge request.
        changed |= {p for p in untracked.split("\0") if p and not p.startswith(".cache/")}
    return renames, changed


# -- the review -------------------------------------------------------------------------------

@dataclass
class ReviewResult:
    problems: ProblemList
    base_label: str  # "origin/main (abc1234)"
    compared: int  # entries present on either side


def review_changes(project: Project, base_ref: str, head_ref: str | None = None
                   ) -> ReviewResult:
    """Problems of the changes from ``base_ref`` to the working tree (or ``head_ref``)."""
    base_commit = resolve_revision(project, base_ref)
    head_commit = resolve_revision(project, head_ref) if head_ref else None
    base = [e for e in entries_from_files(project, files_at(project, base_commit)) if e.parsed]
    if head_commit:
        head = entries_from_files(project, files_at(project, head_commit))
    else:
        head = check_project(project).entries
    unreadable = {e.rel for e in head if not e.parsed}  # `achats check` says why
    head = [e for e in head if e.parsed]
    renames, changed = _renames(project, base_commit, head_commit)
    label = f"{base_ref} ({base_commit[:7]})" if not base_commit.startswith(base_ref) \
        else base_commit[:7]
    problems = ProblemList()
    base = [e for e in base if renames.get(e.rel, e.rel) not in unreadable]
    _check_changes(base, head, renames, label, problems)
    _check_reused_ids(read_id_history(project, base_commit), base, head, renames, label,
                      problems)
    _check_signatures(project, base_commit, base, head, label, problems)
    _check_governance(project, base_commit, head_commit, changed, label, problems)
    ids = {e.id for e in base + head if e.id}
    return ReviewResult(problems, label, len(ids))


def _check_changes(base: list[Entry], head: list[Entry], renames: dict[str, str], label: str,
                   problems: ProblemList) -> None:
    head_by_id = {e.id: e for e in head if e.id}
    head_by_rel = {e.rel: e for e in head}
    cited = _citations(head)
    for old in base:
        now = head_by_rel.get(renames.get(old.rel, old.rel))
        if old.id and now is not None and now.id and now.id != old.id:
            problems.add(now.rel, now.line("id"), "id",
                         f"identifiant modifié : ce fichier portait « {old.id} » dans {label}. "
                         f"Un identifiant est stable : remettez « {old.id} » (pour un autre "
                         "sujet, créez une nouvelle fiche avec « achats new »).")
        if not old.id:
            continue
        new = head_by_id.get(old.id)
        if new is None:
            _check_removed(old, cited.get(old.id, []), label, problems)
            continue
        if new.collection.name != old.collection.name:
            continue  # `achats check` reports the wrong prefix
        _check_status(old, new, label, problems)
        if new.collection.name == "marche":
            _check_pieces(old, new, label, problems)
    base_by_id = {e.id: e for e in base if e.id}
    for new in head:
        if new.collection.name == "clause":
            _check_validation(base_by_id.get(new.id), new, problems)


def _check_reused_ids(history: IdHistory, base: list[Entry], head: list[Entry],
                      renames: dict[str, str], label: str, problems: ProblemList) -> None:
    """An ID belongs to one entry for ever: same ID in another file lineage with another
    title is another subject, and the entries citing the ID would silently point to it."""
    base_by_id = {e.id: e for e in base if e.id}
    for new in head:
        if not new.id:
            continue
        old = base_by_id.get(new.id)
        if old is not None:
            if renames.get(old.rel, old.rel) != new.rel and old.title != new.title:
                problems.add(new.rel, new.line("id"), "id",
                             f"identifiant réutilisé : {new.id} est, dans {label}, la fiche "
                             f"« {old.title} » ({old.rel}). Un identifiant n'est jamais "
                             "réattribué à un autre sujet : créez la fiche avec « achats new "
                             "» (nouvel identifiant) et gardez ou retirez l'ancienne.")
            continue
        past = history.ids.get(new.id)
        if past is None or new.rel in past.paths or new.title in past.titles:
            continue  # a new ID, or the same entry brought back
        when = f" le {past.last_date.strftime('%d/%m/%Y')}" if past.last_date else ""
        title = past.last_title or "une autre fiche"
        problems.add(new.rel, new.line("id"), "id",
                     f"identifiant réutilisé : {new.id} a déjà désigné « {title} » "
                     f"({past.last_path}, commit {past.last_commit[:7]}"
                     f"{when}) dans l'historique de {label}. Un identifiant retiré n'est "
                     "jamais réattribué : « achats new » donne le prochain identifiant libre.")


def _check_governance(project: Project, base_commit: str, head_commit: str | None,
                      changed: set[str], label: str, problems: ProblemList) -> None:
    """Who approves a merge request is decided by the base: a merge request may not change
    the owners (extra.proprietaires) or who may sign (content/data/signataires) and, in the
    same breath, what those owners guard; nor bring a cache that would be trusted."""
    for rel in sorted(p for p in changed if p == ".cache" or p.startswith(".cache/")):
        problems.add(rel, 1, "fichier",
                     "fichier de cache dans la demande de fusion : .cache/ n'est jamais "
                     "versionné (un cache apporté ferait passer des vérifications qui n'ont "
                     "pas eu lieu). Retirez-le (git rm --cached).")
    content = {p for p in changed if not p.startswith(".cache/")} - {FILE_NAME}
    content = {p for p in content if not re.fullmatch(r"mkdocs[^/]*\.yml", p)}
    if SIGNERS_FILE in changed:
        clauses = sorted(p for p in content if p.startswith(f"{COLLECTIONS['clause'].folder}/"))
        if clauses:
            problems.add(SIGNERS_FILE, 1, "signataires",
                         f"le fichier des signataires change dans la même demande de fusion "
                         f"que des clauses ({', '.join(clauses[:5])}"
                         f"{' …' if len(clauses) > 5 else ''}) : les signataires se modifient "
                         "seuls, dans une demande de fusion approuvée par le service "
                         "juridique, fusionnée avant toute validation qui s'en sert.")
    specs = [f"{base_commit}:mkdocs.yml"] + ([f"{head_commit}:mkdocs.yml"] if head_commit
                                             else [])
    blobs = repository(project.root).read_blobs(specs)
    before = _owners_or_none(blob_text(blobs.get(specs[0])))
    if head_commit:
        after_text = blob_text(blobs.get(specs[1]))
    else:
        path = project.root / "mkdocs.yml"
        after_text = path.read_text(encoding="utf-8") if path.is_file() else None
    after = _owners_or_none(after_text)
    if before is None or before == after:
        return
    if after is None:  # unreadable now (codeowners --check says why): anything may change
        after = {"defaut": ["?"]}
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    guarded = sorted(p for p in content if any(_guards(k, p) for k in keys))
    if guarded:
        line = next((i for i, text in enumerate((after_text or "").splitlines(), start=1)
                     if re.match(r"\s*proprietaires\s*:", text)), 1)
        problems.add("mkdocs.yml", line, "extra.proprietaires",
                     f"propriétaires modifiés ({', '.join(keys)}) dans la même demande de "
                     f"fusion que des fichiers qu'ils gardent ({', '.join(guarded[:5])}"
                     f"{' …' if len(guarded) > 5 else ''}) : les règles d'approbation sont "
                     f"celles de {label} ; changez les propriétaires seuls, dans une demande "
                     "de fusion approuvée par les mainteneurs.")


def _owners_or_none(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        return owners_from_text(text)
    except AchatsError:
        return None  # an unreadable mkdocs.yml is the build's and codeowners' business


def _guards(key: str, path: str) -> bool:
    """Whether the owners configured under ``key`` guard ``path``."""
    if key == "defaut":
        return True
    if key == "clauses":
        return path.startswith(f"{COLLECTIONS['clause'].folder}/")
    if key == "signataires":
        return path == SIGNERS_FILE
    if key == "mainteneurs":
        return any(pattern_regex(pattern).fullmatch(path) for pattern, _w, _s in GOVERNANCE)
    return path.startswith(f"{key.strip('/')}/")


def _signed_part(claim: Claim) -> tuple:
    return (claim.id, claim.principal, claim.date, claim.print_,
            normal_signature(claim.signature))


def _check_signatures(project: Project, base_commit: str, base: list[Entry],
                      head: list[Entry], label: str, problems: ProblemList) -> None:
    """Validations new or changed in the merge request, verified with the signers file as
    it is in the base: a key added by the merge request itself signs nothing yet."""
    base_by_id = {e.id: e for e in base if e.id}
    claims = []
    for new in head:
        claim = claim_of(new)
        old = claim_of(base_by_id[new.id]) if new.id in base_by_id else None
        if claim is not None and (old is None or _signed_part(old) != _signed_part(claim)):
            claims.append(claim)
    if not claims:
        return
    text = blob_text(repository(project.root).read_blobs([f"{base_commit}:{SIGNERS_FILE}"]).get(
        f"{base_commit}:{SIGNERS_FILE}"))
    problems.extend(verify_with_signers_text(text, claims, f"{SIGNERS_FILE} (dans {label})"))


def _citations(entries: list[Entry]) -> dict[str, list[tuple[str, int]]]:
    """Target ID -> places (path, line) citing it."""
    found: dict[str, list[tuple[str, int]]] = {}
    for entry in entries:
        for field in REFERENCE_FIELDS.get(entry.collection.name, ()):
            values = entry.meta.get(field)
            for index, target in enumerate(values if isinstance(values, list) else []):
                if isinstance(target, str) and target != entry.id:
                    found.setdefault(target, []).append(
                        (entry.rel, entry.line(f"{field}[{index}]")))
        for link in entry.links.ids:
            if link.target != entry.id:
                found.setdefault(link.target, []).append((entry.rel, link.line))
        for piece in entry.pieces:
            for link in piece.links.ids:
                found.setdefault(link.target, []).append((piece.rel, link.line))
    return found


def _check_removed(old: Entry, places: list, label: str, problems: ProblemList) -> None:
    if places:
        where = ", ".join(f"{rel}:{line}" for rel, line in places[:10])
        more = f" et {len(places) - 10} autres" if len(places) > 10 else ""
        problems.add(old.rel, old.line("id"), "id",
                     f"la fiche {old.id} (présente dans {label}) a été supprimée ou a changé "
                     f"d'identifiant, mais elle est encore citée : {where}{more}. Gardez-la "
                     "(une clause abandonnée passe au statut « retiree ») ou retirez ces "
                     "renvois.")
    if old.collection.name == "marche" and \
            old.meta.get("statut") in old.workflow.published_tender:
        problems.add(old.rel, old.line("id"), "id",
                     f"le marché {old.id} était « {old.meta.get('statut')} » dans {label} : "
                     "un marché publié reste dans la mémoire des marchés, il ne se supprime "
                     "pas.")


def _check_status(old: Entry, new: Entry, label: str, problems: ProblemList) -> None:
    # Allowed status changes within one merge request (content/data/statuts.yml); a status
    # may also stay as it is.
    allowed = new.workflow.transitions.get(new.collection.name)
    before, after = old.meta.get("statut"), new.meta.get("statut")
    if allowed is None or before == after or before not in allowed or after not in allowed:
        return  # unknown statuses are `achats check`'s business
    if after not in allowed[before]:
        possible = ", ".join(f"« {s} »" for s in sorted(allowed[before])) or "aucun"
        problems.add(new.rel, new.line("statut"), "statut",
                     f"passage de statut interdit : « {before} » (dans {label}) → « {after} ». "
                     f"Depuis « {before} », statuts permis : {possible} ; une demande de "
                     "fusion fait avancer le statut d'une étape à la fois.")


def _check_pieces(old: Entry, new: Entry, label: str, problems: ProblemList) -> None:
    status = old.meta.get("statut")
    if status not in old.workflow.published_tender:
        return
    before = {p.path.name: p for p in old.pieces}
    after = {p.path.name: p for p in new.pieces}
    for name in sorted(set(before) | set(after)):
        if name in before and name in after and \
                (before[name].meta, before[name].body) == (after[name].meta, after[name].body):
            continue
        what = ("supprimée" if name not in after else "ajoutée" if name not in before
                else "modifiée")
        piece = after.get(name) or before[name]
        problems.add(piece.rel, 1, "texte",
                     f"pièce {PIECES[name]} {what} alors que le marché {new.id} est "
                     f"« {status} » dans {label} : les pièces d'un marché publié ne changent "
                     "plus (modification du marché : avenant ou nouvelle consultation).")


def _check_validation(old: Entry | None, new: Entry, problems: ProblemList) -> None:
    if new.meta.get("statut") != "validee":
        return
    if old is not None and old.meta.get("statut") == "validee" and \
            fingerprint(old.meta) == fingerprint(new.meta) and \
            old.meta.get("validation") == new.meta.get("validation"):
        return  # unchanged validated clause
    validation = new.meta.get("validation")
    missing = [key for key in ("par", "le", "empreinte")
               if not isinstance(validation, dict) or not validation.get(key)]
    line = new.line("validation") if isinstance(validation, dict) else new.line("statut")
    if missing:
        problems.add(new.rel, line, "validation",
                     f"une clause ne devient « validee » qu'avec la validation du service "
                     f"juridique (manque : {', '.join(missing)}) : lancez « achats validate "
                     f"{new.id} --by … ».")
    elif validation["empreinte"] != fingerprint(new.meta):
        problems.add(new.rel, new.line("validation.empreinte"), "validation.empreinte",
                     "l'empreinte de la validation ne correspond pas au texte de la clause : "
                     "le texte validé n'est pas celui-ci. Remettez « statut: a_valider » et "
                     "demandez une nouvelle validation (achats validate).")


# -- clause validation ------------------------------------------------------------------------

@dataclass
class Validation:
    entry: Entry
    previous_status: str | None
    by: str
    when: dt.date
    print_: str  # the fingerprint written
    signer_line: int = 0  # line of the principal's key in content/data/signataires


def signing_key(project: Project, key: str | None) -> tuple[str, bool]:
    """(the key to sign with, whether it is a temporary file to delete): ``--key``, else
    git's ``user.signingkey`` (a path, or a public key whose private half is in ssh-agent)."""
    if not key:
        key = repository(project.root).config("user.signingkey") or ""
        if not key:
            raise AchatsError("--key : indiquez la clé privée SSH du signataire (ex. --key "
                              "~/.ssh/id_ed25519) ou réglez « git config user.signingkey » "
                              "(rien n'a été écrit).")
        key = key.removeprefix("key::")
        if key.startswith(("ssh-", "ecdsa-", "sk-")):
            # A public key written in git's config: ssh-keygen signs through ssh-agent.
            handle = tempfile.NamedTemporaryFile("w", suffix=".pub", delete=False)
            with handle:
                handle.write(key + "\n")
            return handle.name, True
    path = Path(key).expanduser()
    if not path.is_file():
        raise AchatsError(f"--key : clé « {key} » introuvable (chemin d'une clé privée SSH "
                          "attendu ; rien n'a été écrit).")
    return str(path), False


def validate_clause(project: Project, ident: str, by: str,
                    when: dt.date | None = None, key: str | None = None) -> Validation:
    """Mark the clause ``ident`` as validated by the principal ``by`` on ``when``: pinned to
    its text, signed with ``key`` and verified against content/data/signataires first."""
    by, ident = (by or "").strip(), (ident or "").strip().upper()
    if not PRINCIPAL.fullmatch(by):
        raise AchatsError(f"--by : « {by} » n'est pas un principal de {SIGNERS_FILE} "
                          f"({PRINCIPAL_HELP}).")
    when = when or dt.date.today()
    result = check_project(project)
    entry = next((e for e in result.entries if e.id == ident), None)
    if entry is None:
        raise AchatsError(f"identifiant inconnu « {ident} » : aucune fiche ne le porte "
                          "(voir « achats check »).")
    if entry.collection.name != "clause":
        raise AchatsError(f"{entry.rel}: {ident} est un(e) {entry.collection.label}, pas une "
                          "clause : seules les clauses se valident.")
    errors = ProblemList(p for p in result.problems.errors
                         if p.path == entry.rel and p.field not in REPAIRED_BY_VALIDATION)
    if errors:
        raise AchatsError(f"{entry.rel}: la clause {ident} contient des erreurs : corrigez-les "
                          "avant de la valider (rien n'a été écrit).", errors)
    status = entry.meta.get("statut")
    if status == "retiree":
        raise AchatsError(f"{entry.rel}:{entry.line('statut')}: statut: la clause {ident} est "
                          "retirée : remettez d'abord « statut: a_valider » si elle doit "
                          "revenir (rien n'a été écrit).")
    signers, signer_problems, _exists = read_signers(project)
    if signer_problems:
        raise AchatsError(f"{SIGNERS_FILE} contient des erreurs (rien n'a été écrit).",
                          signer_problems)
    own = [s for s in signers if s.principal == by]
    if not own:
        raise AchatsError(f"{SIGNERS_FILE}: « {by} » n'y a pas de clé : seul un signataire "
                          "inscrit valide. Le service juridique y ajoute sa clé publique "
                          f"(« {by} {NAMESPACE_OPTION} ssh-ed25519 AAAA… ») dans une demande "
                          "de fusion séparée (rien n'a été écrit).")
    key_path, temporary = signing_key(project, key)
    print_ = fingerprint(entry.meta)
    claim = Claim(entry.rel, entry.id, by, when.isoformat(), print_, None, 1)
    try:
        signature = sign(claim.message, key_path)
    finally:
        if temporary:
            Path(key_path).unlink(missing_ok=True)
    problems = verify_with_signers_text(allowed_signers_text(own),
                                        [dataclasses.replace(claim, signature=signature)],
                                        SIGNERS_FILE)
    if problems:
        raise AchatsError(f"la clé « {key} » n'est pas celle de « {by} » dans {SIGNERS_FILE} "
                          "(la signature ne s'y vérifie pas) : signez avec la clé inscrite "
                          "pour ce principal (rien n'a été écrit).")
    original = entry.path.read_bytes().decode("utf-8")
    text = set_validation(original, by, when, print_, entry.rel, signature=signature)
    _check_surgery(entry, text, by, when, print_, signature)
    write_atomically(entry.path, text)
    return Validation(entry, status, by, when, print_, own[0].line)


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(.*)$")
_STATUS = re.compile(r"^(statut[ \t]*:[ \t]*)([\"']?)[^\"'#\s]*\2([ \t]*(?:#.*)?)$")


def set_validation(text: str, by: str, when: dt.date, print_: str, rel: str = "",
                   signature: str | None = None) -> str:
    """``text`` with ``statut: validee`` and the ``validation`` block set; nothing else moves.
    With a ``signature``, the block is written in block style (a flow mapping cannot hold
    the signature's lines)."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = text[len(bom):].splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        raise AchatsError(f"{rel}:1: en-tête: en-tête YAML introuvable (rien n'a été écrit).")
    end = next((i for i in range(1, len(lines))
                if lines[i].rstrip("\r\n").rstrip() in ("---", "...")), None)
    if end is None:
        raise AchatsError(f"{rel}:1: en-tête: en-tête YAML non fermé (rien n'a été écrit).")
    keys = [(i, m.group(1)) for i in range(1, end)
            if (m := _TOP_KEY.match(lines[i].rstrip("\r\n")))]
    status_at = next((i for i, key in keys if key == "statut"), None)
    if status_at is None:
        raise AchatsError(f"{rel}:1: statut: champ « statut » absent (rien n'a été écrit).")
    match = _STATUS.match(lines[status_at].rstrip("\r\n"))
    if match is None:
        raise AchatsError(f"{rel}:{status_at + 1}: statut: valeur illisible pour une "
                          "modification automatique ; écrivez « statut: a_valider » sur une "
                          "ligne (rien n'a été écrit).")
    lines[status_at] = (f"{match.group(1)}{match.group(2)}validee{match.group(2)}"
                        f"{match.group(3)}{newline}")
    start = next((i for i, key in keys if key == "validation"), None)
    if start is None:
        after = _block_end(lines, status_at, end)
        lines[after:after] = _validation_lines(by, when, print_, newline, flow=False,
                                               indent="  ", quote="", signature=signature)
    else:
        stop = _block_end(lines, start, end)
        old_block = "".join(lines[start:stop])
        inline = _TOP_KEY.match(lines[start].rstrip("\r\n")).group(2).strip()
        indent = next((re.match(r"[ \t]+", line).group(0) for line in lines[start + 1:stop]
                       if line.strip() and not line.lstrip().startswith("#")), "  ")
        quote = m.group(1) if (m := re.search(r"empreinte[ \t]*:[ \t]*([\"'])",
                                              old_block)) else ""
        lines[start:stop] = _validation_lines(by, when, print_, newline,
                                              flow=inline.startswith("{") and not signature,
                                              indent=indent, quote=quote, signature=signature)
    return bom + "".join(lines)


def _block_end(lines: list[str], start: int, end: int) -> int:
    """First line after the top-level key at ``start`` and its indented continuation."""
    stop, i = start + 1, start + 1
    while i < end:
        line = lines[i]
        if line[:1] in (" ", "\t") and line.strip():
            stop = i + 1
        elif line.strip():
            break
        i += 1
    return stop


def _scalar(value: str) -> str:
    plain = re.fullmatch(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:,\[\]{}#]*", value) and \
        value == value.strip()
    try:
        plain = plain and yaml.safe_load(value) == value
    except yaml.YAMLError:
        plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


def _validation_lines(by: str, when: dt.date, print_: str, newline: str, flow: bool,
                      indent: str, quote: str, signature: str | None = None) -> list[str]:
    stamp = f"{quote}{print_}{quote}"
    if flow:
        return [f"validation: {{par: {_scalar(by)}, le: {when.isoformat()}, "
                f"empreinte: {stamp}}}{newline}"]
    lines = [f"validation:{newline}", f"{indent}par: {_scalar(by)}{newline}",
             f"{indent}le: {when.isoformat()}{newline}",
             f"{indent}empreinte: {stamp}{newline}"]
    if signature:
        lines.append(f"{indent}signature: |{newline}")
        lines += [f"{indent}{indent}{line}{newline}" for line in signature.splitlines()]
    return lines


def _check_surgery(entry: Entry, text: str, by: str, when: dt.date, print_: str,
                   signature: str | None = None) -> None:
    """The edited text must parse to the same front matter, with only the validation set."""
    problems = ProblemList()
    doc = split_front_matter(text.lstrip("\ufeff").replace("\r\n", "\n"), entry.rel, problems)
    validation = {"par": by, "le": when, "empreinte": print_}
    if signature:
        validation["signature"] = signature
    expected = dict(entry.meta, statut="validee", validation=validation)
    written = (doc.meta or {}).get("validation")
    if signature and isinstance(written, dict):  # a literal block may lose its last newline
        written["signature"] = normal_signature(written.get("signature"))
    if doc.meta != expected or doc.body != entry.body or fingerprint(doc.meta) != print_:
        raise AchatsError(f"{entry.rel}: la modification automatique de l'en-tête n'a pas "
                          "donné le résultat attendu : rien n'a été écrit. Écrivez le bloc "
                          "« validation » à la main (format des fiches) ou signalez ce cas.",
                          problems)
