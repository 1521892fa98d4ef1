"""Step 2, validate: entries -> problems (schema, vocabularies, IDs, references, safety)."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from achats.model import links
from achats.model.fingerprint import fingerprint
from achats.model.links import ESCAPED_ID_LINK, OTHER_LINK, outside_code
from achats.model.load import Entry, entries_from_jobs, jobs_from_groups, load_entries, plan_in_groups
from achats.problems import WARNING, ProblemList
from achats.model.sanitize import body_findings, text_findings
from achats.project import DATA_DIR, PAGES_DIR, Project
from achats.model.schema import (BY_PREFIX, COLLECTIONS, PIECE_FIELDS, CheckContext, check_mapping,
                     load_vocabularies)
from achats.model.schema.vocabularies import Vocabularies
from achats.model.signatures import Claim, check_claims, claim_of
from achats.model.obligations import check_obligations, facts_of
from achats.model import yamlsource
from achats.model.yamlsource import line_of

SOURCE_PATH = ("chemin",)  # Ref.prefixes of a relative link: its target is a path, not an ID
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def iter_site_links(body: str, first_line: int, site_uri: str):
    """(line, target as written, path in the pages folder or None, is a folder) for every
    relative link that is not to a .md file (images, files, folders), outside code;
    ``site_uri`` is the page's place in the site (the pages folder's tree). MkDocs resolves
    such a link from that place and warns (a refusal in strict mode) when it is not a file
    of the site."""
    if "](" not in body:
        return
    folder = posixpath.dirname(site_uri)
    for line, match in outside_code(body, OTHER_LINK, first_line):
        target = match.group(1).split("#", 1)[0].split("?", 1)[0]
        if (not target or target.startswith("/") or _SCHEME.match(target)
                or target.endswith(".md")):
            continue
        last = target.rstrip("/").rsplit("/", 1)[-1]
        is_folder = target.endswith("/") or "." not in last or last in (".", "..")
        resolved = posixpath.normpath(posixpath.join(folder, target))
        inside = resolved != ".." and not resolved.startswith("../")
        yield line, match.group(1), (resolved if inside else None), is_folder


def folder_link(target: str) -> str:
    page = target.rstrip("/") + "/index.md"
    return (f"lien vers le dossier « {target} » : MkDocs ne le reconnaît pas ; visez la page "
            f"elle-même ({page}) ou écrivez [[ID]].")


def site_uri_of(rel: str) -> str:
    """The place in the site's tree of the page built from the source file ``rel``."""
    for collection in COLLECTIONS.values():
        if rel.startswith(collection.folder + "/"):
            return collection.url_folder + rel[len(collection.folder):]
    return rel[len(PAGES_DIR) + 1:] if rel.startswith(PAGES_DIR + "/") else rel


def _site_link_refs(rel: str, body: str, first_line: int, report_line, source) -> list:
    """Folder links reported now; file links as references to check once all is known."""
    refs = []
    for line, written, path, is_folder in iter_site_links(body, first_line, site_uri_of(rel)):
        if is_folder:
            report_line(line, folder_link(written))
        else:
            refs.append(Ref(rel, "texte", line, f"{PAGES_DIR}/{path}" if path else written,
                            SOURCE_PATH, *source))
    return refs


@dataclass
class CheckResult:
    project: Project
    vocab: Vocabularies
    entries: list[Entry]  # empty after a parallel check, which keeps only problems
    problems: ProblemList
    count: int = 0  # entries checked

    @property
    def ok(self) -> bool:
        return not self.problems.errors


def check_project(project: Project, parallel: bool = False, cache: bool = False,
                  signature_cache: bool = False) -> CheckResult:
    """Load and validate the whole project; never raises on bad content.

    ``parallel`` and ``cache`` are for `achats check`, which needs only the problems (the
    result then holds no entries): ``parallel`` spreads the per-entry work over the cores on
    large corpora, ``cache`` reuses what an earlier run found for unchanged entries
    (achats.model.checkcache). ``signature_cache`` reuses (and keeps) the verdicts of validation
    signatures already verified (achats.model.signatures): `achats check` and `achats build`.
    """
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, DATA_DIR, problems)
    if parallel or cache:
        return _check_by_group(project, vocab, problems, parallel, cache, signature_cache)
    entries = load_entries(project, problems, vocab.workflow)
    validate_entries(entries, vocab, problems, project.root)
    check_claims(project, [c for e in entries if e.parsed and (c := claim_of(e))], problems,
                 cache=signature_cache)
    check_obligations(vocab, [record_of(e) for e in entries if e.parsed], problems)
    ids = {e.id for e in entries if e.id}
    validate_path(vocab, ids, problems)
    validate_pages(project, ids, problems, {e.rel for e in entries})
    return CheckResult(project, vocab, entries, problems, count=len(entries))


# Below this many entries to check, one process is faster than starting workers.
PARALLEL_FROM = 2000


def _check_by_group(project: Project, vocab, problems: ProblemList, parallel: bool,
                    cache: bool, signature_cache: bool) -> CheckResult:
    """Each entry (with its pieces) checked alone, from the cache or afresh, then across."""
    from achats.model.checkcache import CheckCache, group_key

    groups = plan_in_groups(project, problems)
    store = CheckCache(project) if cache else None
    keys = [group_key(group) for group in groups] if store else []
    results = [store.get(key) for key in keys] if store else [None] * len(groups)
    todo = [i for i, found in enumerate(results) if found is None]
    workers = min(os.cpu_count() or 1, 8)
    if parallel and len(todo) >= PARALLEL_FROM and workers > 1:
        fresh = _check_in_workers([groups[i] for i in todo], vocab, workers)
    else:
        fresh = _check_groups(([groups[i] for i in todo], vocab))
    for i, found in zip(todo, fresh):
        results[i] = found
    if store:
        store.save(dict(zip(keys, results)))
    records: list[Record] = []
    refs: list[Ref] = []
    for found, record, group_refs in results:
        problems.extend(found)
        if record is not None:
            records.append(record)
        refs += group_refs
    check_across(records, refs, problems, project.root)
    check_claims(project, [r.claim for r in records if r.claim], problems,
                 cache=signature_cache)
    check_obligations(vocab, records, problems)
    ids = {r.id for r in records if r.id}
    validate_path(vocab, ids, problems)
    validate_pages(project, ids, problems, {r.rel for r in records})
    return CheckResult(project, vocab, [], problems, count=len(groups))


def _check_groups(args) -> list[tuple]:
    """Load and check entries (possibly in a worker): for each planned group, what crosses
    back cheaply and is kept in the cache: (problems, record or None, references)."""
    groups, vocab = args
    out = []
    for group in groups:
        problems = ProblemList()
        refs: list[Ref] = []
        record = None
        for entry in entries_from_jobs(jobs_from_groups([group]), problems, vocab.workflow):
            refs += check_entry(entry, vocab, problems)
            if entry.parsed:
                record = record_of(entry)
        out.append((list(problems), record, refs))
    return out


# Groups per task handed to a worker: small enough that both cores finish together (tenders
# with pieces cost more than clauses, and the collections come in order), large enough that
# sending tasks costs little (the vocabularies go with each: 14 KB).
TASK_SIZE = 250


def _check_in_workers(groups, vocab, workers: int) -> list[tuple]:
    import multiprocessing

    tasks = [(groups[i:i + TASK_SIZE], vocab) for i in range(0, len(groups), TASK_SIZE)]
    # fork: workers inherit the loaded modules; each returns problems, records and refs,
    # not the parsed entries (pickling those back cost more than the parsing saved).
    # imap keeps the order and gives the next task to whichever worker is free.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [found for part in pool.imap(_check_groups, tasks) for found in part]


# Folders the build reads besides the collections (which the loader lists itself).
READ_BY_THE_BUILD = [PAGES_DIR, DATA_DIR, "content/theme", "hooks"]


def validate_pages(project: Project, ids: set, problems: ProblemList,
                   rels: set = frozenset()) -> None:
    """Hand-written pages (content/pages) may cite entries with [[ID]] too. No symbolic
    link in the folders the build reads (pages, data, theme, hooks)."""
    from achats.model.load import read_text, refuse_links, regular_files, split_front_matter

    refuse_links(project, READ_BY_THE_BUILD, problems)
    for path in regular_files(project.pages_dir, ".md"):
        rel = project.rel(path)
        text = read_text(path, rel, problems)
        if text is None:
            continue
        doc = split_front_matter(text, rel, problems, required=False)
        # title, description…: Material writes them into <title>, <meta> and the menu.
        for field, value in yamlsource.strings(doc.meta or {}):
            for message in text_findings(value):
                problems.add(rel, line_of(doc.lines, field), field, message)
        _unsafe_body(doc.body, doc.body_line,
                     lambda line, message: problems.add(rel, line, "texte", message))
        found = links.parse(doc.body, doc.body_line, rel)
        for link in found.ids:
            if link.target not in ids:
                problems.add(rel, link.line, "texte", f"référence inconnue « {link.target} » : "
                             "aucune fiche ne porte cet identifiant.")
        for link in found.sources:
            if not link_target_exists(link.path or link.written, rels, project.root):
                problems.add(rel, link.line, "texte", unknown_link(link.path or link.written))
        for ref in _site_link_refs(rel, doc.body, doc.body_line,
                                   lambda line, message: problems.add(rel, line, "texte",
                                                                      message), (None, False)):
            if not link_target_exists(ref.target, rels, project.root):
                problems.add(rel, ref.line, "texte", unknown_link(ref.target))


def _unsafe_body(body: str, first_line: int, report_line) -> None:
    """Whatever the build's sanitiser (achats.model.sanitize) would remove from the page."""
    for line, message in body_findings(body, first_line):
        report_line(line, message)


_TITLE = re.compile(r"^# ", re.MULTILINE)


def _no_title_in_body(body: str, first_line: int, report_line) -> None:
    """The page title comes from `titre`; a level-1 heading in the body would repeat it."""
    if not (body.startswith("# ") or "\n# " in body):
        return
    for line, _match in outside_code(body, _TITLE, first_line):
        report_line(line, "titre de niveau 1 dans le texte : le titre de la page vient du "
                    "champ « titre » ; supprimez cette ligne ou passez-la en « ## ».",
                    severity=WARNING)


def _escaped_links(body: str, first_line: int, report_line) -> None:
    if "\\[" not in body:
        return
    for line, match in outside_code(body, ESCAPED_ID_LINK, first_line):
        report_line(line, f"lien échappé « {match.group()} » : la page l'afficherait tel "
                    f"quel. Écrivez [[{match.group(1)}]], sans barre oblique inverse.")


@dataclass(frozen=True)
class Record:
    """What the cross-entry checks need of an entry (small: it crosses process borders)."""

    rel: str
    id: str | None
    id_line: int
    public: bool
    claim: Claim | None = None  # a validated clause's signed validation, to verify
    facts: object = None  # what the obligations check needs (achats.model.obligations)


@dataclass(frozen=True)
class Ref:
    """One reference to an entry by ID, from a front-matter field or from a text."""

    rel: str  # file holding the reference (an entry or one of a tender's pieces)
    field: str
    line: int
    target: str
    prefixes: tuple  # allowed ID prefixes, empty for any
    source_id: str | None
    source_public: bool


def unknown_link(target: str) -> str:
    return (f"lien vers « {target} » : aucune fiche, pièce ni page à cet endroit (le chemin "
            "est relatif au fichier qui contient le lien) ; corrigez-le, ou écrivez [[ID]].")


# Pages the build generates in the pages' tree (achats.render.render_site), besides the
# entries and pieces: a hand-written page may link to them.
GENERATED_PAGES = {"tags.md", "trouver-une-clause.md", "nouveautes.md", "base-legale/index.md",
                   "parcours/index.md", "parcours/imprimer.md", "mire/index.md",
                   "nouveautes.xml"}
FACETS_FOLDER = "clauses/"  # clauses/<facet>/<value>.md and clauses/<facet>/index.md


def _generated_uri(docs_path: str, rels: set) -> bool:
    """Whether ``docs_path`` (relative to the pages folder) is a page the build generates."""
    if docs_path in GENERATED_PAGES:
        return True
    for collection in COLLECTIONS.values():
        prefix = collection.url_folder + "/"
        if not docs_path.startswith(prefix):
            continue
        rest = docs_path[len(prefix):]
        if rest == "index.md" or f"{collection.folder}/{rest}" in rels:
            return True
        if docs_path.startswith(FACETS_FOLDER) and rest.count("/") == 1:
            return True
    return False


def link_target_exists(path: str, rels: set, root: Path | None) -> bool:
    """A relative link's target (project-relative): an entry, a file of a tender's folder
    (a piece), a hand-written page or a page the build generates."""
    if path in rels:
        return True
    if root is not None and path.startswith(PAGES_DIR + "/"):
        docs_path = path[len(PAGES_DIR) + 1:]
        return (root / path).is_file() or _generated_uri(docs_path, rels)
    if root is not None and any(path.startswith(c.folder + "/") for c in COLLECTIONS.values()
                                if c.in_folders):
        return (root / path).is_file() and not (root / path).is_symlink()
    return False


def validate_entries(entries: list[Entry], vocab: Vocabularies, problems: ProblemList,
                     root: Path | None = None) -> None:
    refs: list[Ref] = []
    for entry in entries:
        refs += check_entry(entry, vocab, problems)
    check_across([record_of(e) for e in entries if e.parsed], refs, problems, root)


def record_of(entry: Entry) -> Record:
    return Record(entry.rel, entry.id, entry.line("id"), entry.is_public, claim_of(entry),
                  facts_of(entry))


def check_entry(entry: Entry, vocab: Vocabularies, problems: ProblemList) -> list[Ref]:
    """Everything that can be checked on one entry alone; returns its references."""
    if not entry.parsed:
        return []
    ctx = CheckContext(vocab.vocabularies, vocab.articles)
    refs: list[Ref] = []
    source = (entry.id, entry.is_public)

    def report(field, message, severity="erreur", line_from=None, _e=entry):
        line = _e.line(line_from) if line_from is not None else _e.line(field)
        problems.add(_e.rel, line, field, message, severity)

    check_mapping(entry.collection.fields, entry.meta, "", ctx, report)
    refs += [Ref(entry.rel, field, entry.line(field), target, prefixes, *source)
             for field, target, prefixes in ctx.references]
    refs += _text_field_refs(entry, source)

    for field, text in yamlsource.strings(entry.meta):
        # Most values hold no markup at all and are skipped without rendering.
        for message in text_findings(text):
            report(field, message)

    def report_body(line, message, field="texte", severity="erreur", _e=entry):
        problems.add(_e.rel, line, field, message, severity)

    _unsafe_body(entry.body, entry.body_line, report_body)
    _no_title_in_body(entry.body, entry.body_line, report_body)
    _escaped_links(entry.body, entry.body_line, report_body)
    refs += _link_refs(entry.rel, entry.links, source)
    refs += _site_link_refs(entry.rel, entry.body, entry.body_line, report_body, source)
    for piece in entry.pieces:
        pctx = CheckContext(vocab.vocabularies, vocab.articles)
        check_mapping(PIECE_FIELDS, piece.meta, "", pctx,
                      lambda f, m, s="erreur", line_from=None, _p=piece:
                      problems.add(_p.rel, line_of(_p.lines, line_from or f), f, m, s))
        _unsafe_body(piece.body, piece.body_line,
                     lambda line, message, _p=piece: problems.add(_p.rel, line, "texte",
                                                                 message))
        _escaped_links(piece.body, piece.body_line,  # pieces are edited in the browser too
                       lambda line, message, _p=piece: problems.add(_p.rel, line, "texte",
                                                                   message))
        refs += _link_refs(piece.rel, piece.links, source)
        refs += _site_link_refs(piece.rel, piece.body, piece.body_line,
                                lambda line, message, _p=piece:
                                problems.add(_p.rel, line, "texte", message), source)
    _collection_rules(entry, report)
    return refs


def _text_field_refs(entry: Entry, source: tuple) -> list[Ref]:
    """The [[ID]] links written in the texts of fields declared with ``id_links`` (shown as
    links on the entry's page): checked like those of the body."""
    refs = []
    for field in entry.collection.fields:
        if not field.id_links:
            continue
        value = entry.meta.get(field.name)
        texts = ([(f"{field.name}[{i}]", v) for i, v in enumerate(value)]
                 if isinstance(value, list) else [(field.name, value)])
        refs += [Ref(entry.rel, name, entry.line(name), match.group(1), (), *source)
                 for name, text in texts if isinstance(text, str) and "[[" in text
                 for match in links.ID_LINK.finditer(text)]
    return refs


def _link_refs(rel: str, found: links.Links, source: tuple) -> list[Ref]:
    """The references of a text's [[ID]] and relative links (checked once all is known)."""
    return ([Ref(rel, "texte", link.line, link.target, (), *source) for link in found.ids]
            + [Ref(rel, "texte", link.line, link.path or link.written, SOURCE_PATH, *source)
               for link in found.sources])


def check_across(records: list[Record], refs: list[Ref], problems: ProblemList,
                 root: Path | None = None) -> None:
    """Unique IDs, and references that resolve to an entry of the right kind (relative
    links: to an entry, a piece or a page, see ``link_target_exists``)."""
    rels = {record.rel for record in records}
    by_id: dict[str, Record] = {}
    for record in records:
        if not record.id:
            continue
        first = by_id.get(record.id)
        if first is not None:
            problems.add(record.rel, record.id_line, "id",
                         f"identifiant « {record.id} » en double : déjà utilisé par "
                         f"{first.rel}:{first.id_line}. Prenez l'identifiant libre suivant "
                         "(achats new le calcule).")
        else:
            by_id[record.id] = record
    for ref in refs:
        if ref.prefixes == SOURCE_PATH:
            if not link_target_exists(ref.target, rels, root):
                problems.add(ref.rel, ref.line, ref.field, unknown_link(ref.target))
            continue
        found = by_id.get(ref.target)
        prefix = ref.target.split("-")[0]
        if found is None:
            collection = BY_PREFIX.get(prefix)
            where = f" (collection « {collection.name} »)" if collection else ""
            problems.add(ref.rel, ref.line, ref.field, f"référence inconnue « {ref.target} » : "
                         f"aucune fiche ne porte cet identifiant{where}.")
            continue
        if ref.prefixes and prefix not in ref.prefixes:
            problems.add(ref.rel, ref.line, ref.field, f"« {ref.target} » n'est pas du bon "
                         f"type : ce champ attend des identifiants "
                         f"{', '.join(p + '-…' for p in ref.prefixes)}.")
            continue
        if ref.field == "texte":
            continue
        if found.id == ref.source_id:
            problems.add(ref.rel, ref.line, ref.field,
                         f"la fiche se cite elle-même ({ref.target}).", WARNING)
        if ref.source_public and not found.public:
            problems.add(ref.rel, ref.line, ref.field, f"fiche publique qui dépend de "
                         f"« {ref.target} », fiche interne : dans la version publique, ce renvoi "
                         "sera du texte simple.", WARNING)


def _collection_rules(entry: Entry, report) -> None:
    meta = entry.meta
    if entry.collection.name == "clause":
        status = meta.get("statut")
        validation = meta.get("validation")
        if status == "validee" and not isinstance(validation, dict):
            report("validation", "une clause « validee » doit indiquer qui l'a validée, quand, "
                   "et l'empreinte du texte : utilisez « achats validate <ID> --by … ».",
                   line_from="statut")
        if isinstance(validation, dict) and isinstance(validation.get("empreinte"), str):
            current = fingerprint(meta)
            if validation["empreinte"] != current and status == "validee":
                when = validation.get("le")
                report("validation.empreinte",
                       f"le texte a changé depuis sa validation (par {validation.get('par')}, "
                       f"le {when}) : remettez « statut: a_valider » et demandez une nouvelle "
                       "validation (achats validate).")
        if status == "retiree" and not meta.get("motif_retrait"):
            report("motif_retrait", "une clause retirée garde la mémoire du débat : indiquez "
                   "pourquoi elle a été retirée.", line_from="statut")
        if meta.get("ponderation") and meta.get("type") != "critere_attribution":
            report("ponderation", "une pondération n'a de sens que pour un critère "
                   "d'attribution.", WARNING)
    if entry.collection.name == "marche":
        status = meta.get("statut")
        if status in ("attribue", "infructueux", "evalue") and not meta.get("resultat"):
            report("resultat", "marché passé en consultation sans « resultat » (offres reçues, "
                   "issue).", WARNING, line_from="statut")
        result = meta.get("resultat")
        if isinstance(result, dict) and status in ("attribue", "infructueux") \
                and result.get("issue") not in (None, status):
            report("resultat.issue", f"l'issue « {result.get('issue')} » contredit le statut "
                   f"« {status} ».")


def validate_path(vocab: Vocabularies, ids: set, problems: ProblemList) -> None:
    """The entries the data files cite (the path's chapters, the chart's clauses) exist;
    their shape was checked with each file's schema (achats.model.schema.data)."""
    for rel, line, field, target, prefixes in vocab.references:
        # A target of the wrong collection already fails its field's pattern.
        if target not in ids and target.split("-")[0] in prefixes:
            problems.add(rel, line, field, f"référence inconnue « {target} » : aucune fiche "
                         "ne porte cet identifiant.")


def used_clause_ids(tender: Entry) -> list[str]:
    """The library clauses a tender uses: its « clauses » field, then those its pieces cite."""
    ids: list[str] = []
    listed = tender.meta.get("clauses")
    for value in listed if isinstance(listed, list) else []:
        if isinstance(value, str) and value.startswith("CL-") and value not in ids:
            ids.append(value)
    for piece in tender.pieces:
        for target in piece.links.targets():
            if target.startswith("CL-") and target not in ids:
                ids.append(target)
    return ids
