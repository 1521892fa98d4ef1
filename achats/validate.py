"""Step 2, validate: entries -> problems (schema, vocabularies, IDs, references, safety)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .fingerprint import fingerprint
from .load import Entry, entries_from_jobs, jobs_from_groups, load_entries, plan_in_groups
from .problems import WARNING, ProblemList
from .project import DATA_DIR, Project
from .schema import BY_PREFIX, PIECE_FIELDS, CheckContext, check_mapping, load_vocabularies
from .schema.vocabularies import Vocabularies
from .yamlsource import line_of

ID_LINK = re.compile(r"\[\[([A-Z]{2}-\d{3,})(?:\|([^\]\n]+))?\]\]")
UNSAFE = [
    (re.compile(r"<\s*script\b", re.IGNORECASE),
     "balise <script> interdite : le contenu ne peut pas exécuter de code."),
    (re.compile(r"<[a-zA-Z][^>]*\son[a-zA-Z]+\s*=", re.IGNORECASE),
     "attribut « on…= » (gestionnaire d'événement JavaScript) interdit."),
    (re.compile(r"javascript\s*:", re.IGNORECASE),
     "lien « javascript: » interdit."),
]
FENCE = re.compile(r"^\s*(```|~~~)")


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


def check_project(project: Project, parallel: bool = False, cache: bool = False) -> CheckResult:
    """Load and validate the whole project; never raises on bad content.

    ``parallel`` and ``cache`` are for `achats check`, which needs only the problems (the
    result then holds no entries): ``parallel`` spreads the per-entry work over the cores on
    large corpora, ``cache`` reuses what an earlier run found for unchanged entries
    (achats.checkcache).
    """
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, DATA_DIR, problems)
    if parallel or cache:
        return _check_by_group(project, vocab, problems, parallel, cache)
    entries = load_entries(project, problems)
    validate_entries(entries, vocab, problems)
    ids = {e.id for e in entries if e.id}
    validate_path(vocab, ids, problems)
    validate_pages(project, ids, problems)
    return CheckResult(project, vocab, entries, problems, count=len(entries))


# Below this many entries to check, one process is faster than starting workers.
PARALLEL_FROM = 2000


def _check_by_group(project: Project, vocab, problems: ProblemList, parallel: bool,
                    cache: bool) -> CheckResult:
    """Each entry (with its pieces) checked alone, from the cache or afresh, then across."""
    from .checkcache import CheckCache, group_key

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
    check_across(records, refs, problems)
    ids = {r.id for r in records if r.id}
    validate_path(vocab, ids, problems)
    validate_pages(project, ids, problems)
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
        for entry in entries_from_jobs(jobs_from_groups([group]), problems):
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


def validate_pages(project: Project, ids: set, problems: ProblemList) -> None:
    """Hand-written pages (content/pages) may cite entries with [[ID]] too."""
    from .load import read_text, split_front_matter

    for path in sorted(project.pages_dir.rglob("*.md")):
        rel = project.rel(path)
        text = read_text(path, rel, problems)
        if text is None:
            continue
        doc = split_front_matter(text, rel, problems, required=False)
        _unsafe_body(doc.body, doc.body_line,
                     lambda line, message: problems.add(rel, line, "texte", message))
        for line, target, _label in iter_body_links(doc.body, doc.body_line):
            if target not in ids:
                problems.add(rel, line, "texte", f"référence inconnue « {target} » : aucune "
                             "fiche ne porte cet identifiant.")


# One pass over the whole text finds whether a body needs a closer look at all: most
# bodies have no code fence, no inline code around a link, no HTML.
_UNSAFE_ANY = re.compile("|".join(p.pattern for p, _ in UNSAFE), re.IGNORECASE)


def _code_spans(body: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks and inline code spans."""
    spans, start, offset = [], None, 0
    if "```" in body or "~~~" in body:
        for line in body.split("\n"):
            if FENCE.match(line):
                if start is None:
                    start = offset
                else:
                    spans.append((start, offset + len(line)))
                    start = None
            offset += len(line) + 1
        if start is not None:
            spans.append((start, len(body)))
    if "`" in body:
        spans += [m.span() for m in re.finditer(r"`[^`\n]*`", body)]
    return spans


def _outside_code(body: str, pattern: re.Pattern, first_line: int):
    """(file line, match) for each match of ``pattern`` outside code."""
    spans = None
    for match in pattern.finditer(body):
        if spans is None:
            spans = _code_spans(body)
        position = match.start()
        if any(a <= position < b for a, b in spans):
            continue
        yield first_line + body.count("\n", 0, position), match


def iter_body_links(body: str, first_line: int):
    """(line, target id, label or None) for every [[ID]] outside code blocks."""
    if "[[" not in body:
        return
    for line, match in _outside_code(body, ID_LINK, first_line):
        yield line, match.group(1), match.group(2)


def _may_be_unsafe(text: str) -> bool:
    """Whether ``text`` can match UNSAFE at all: each pattern needs a "<" or "javascript".
    Plain substring tests, since the case-insensitive search costs a second at 10,000
    entries where almost no text has either."""
    return "<" in text or (":" in text and "javascript" in text.lower())


def _unsafe_body(body: str, first_line: int, report_line) -> None:
    if not (_may_be_unsafe(body) and _UNSAFE_ANY.search(body)):
        return
    for pattern, message in UNSAFE:
        for line, _match in _outside_code(body, pattern, first_line):
            report_line(line, message)


def _no_title_in_body(body: str, first_line: int, report_line) -> None:
    """The page title comes from `titre`; a level-1 heading in the body would repeat it."""
    if not (body.startswith("# ") or "\n# " in body):
        return
    for line, _match in _outside_code(body, re.compile(r"^# ", re.MULTILINE), first_line):
        report_line(line, "titre de niveau 1 dans le texte : le titre de la page vient du "
                    "champ « titre » ; supprimez cette ligne ou passez-la en « ## ».",
                    severity=WARNING)


# [[ID]] escaped by a rich-text editor (Decap's, for one): the page would show it as text.
_ESCAPED_LINK = re.compile(r"\\\[\\?\[([A-Za-z]{2}-\d{3,})(?:\|[^\]\n]*)?\\?\]\\?\]")


def _escaped_links(body: str, first_line: int, report_line) -> None:
    if "\\[" not in body:
        return
    for line, match in _outside_code(body, _ESCAPED_LINK, first_line):
        report_line(line, f"lien échappé « {match.group()} » : la page l'afficherait tel "
                    f"quel. Écrivez [[{match.group(1)}]], sans barre oblique inverse.")


def _strings(value, path=""):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


@dataclass(frozen=True)
class Record:
    """What the cross-entry checks need of an entry (small: it crosses process borders)."""

    rel: str
    id: str | None
    id_line: int
    public: bool


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


def validate_entries(entries: list[Entry], vocab: Vocabularies, problems: ProblemList) -> None:
    refs: list[Ref] = []
    for entry in entries:
        refs += check_entry(entry, vocab, problems)
    check_across([record_of(e) for e in entries if e.parsed], refs, problems)


def record_of(entry: Entry) -> Record:
    return Record(entry.rel, entry.id, entry.line("id"), entry.is_public)


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

    for field, text in _strings(entry.meta):
        # "<" or ":" is in every unsafe pattern: most values are skipped without a regex.
        if _may_be_unsafe(text) and _UNSAFE_ANY.search(text):
            for pattern, message in UNSAFE:
                if pattern.search(text):
                    report(field, message)

    def report_body(line, message, field="texte", severity="erreur", _e=entry):
        problems.add(_e.rel, line, field, message, severity)

    _unsafe_body(entry.body, entry.body_line, report_body)
    _no_title_in_body(entry.body, entry.body_line, report_body)
    _escaped_links(entry.body, entry.body_line, report_body)
    refs += [Ref(entry.rel, "texte", line, target, (), *source)
             for line, target, _label in iter_body_links(entry.body, entry.body_line)]
    for piece in entry.pieces:
        pctx = CheckContext(vocab.vocabularies, vocab.articles)
        check_mapping(PIECE_FIELDS, piece.meta, "", pctx,
                      lambda f, m, s="erreur", line_from=None, _p=piece:
                      problems.add(_p.rel, line_of(_p.lines, line_from or f), f, m, s))
        _unsafe_body(piece.body, piece.body_line,
                     lambda line, message, _p=piece: problems.add(_p.rel, line, "texte",
                                                                 message))
        refs += [Ref(piece.rel, "texte", line, target, (), *source)
                 for line, target, _label in iter_body_links(piece.body, piece.body_line)]
    _collection_rules(entry, report)
    return refs


def check_across(records: list[Record], refs: list[Ref], problems: ProblemList) -> None:
    """Unique IDs, and references that resolve to an entry of the right kind."""
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
    """The new-arrivals path (parcours.yml) lists existing guide chapters."""
    if not vocab.path:
        return
    rel = f"{DATA_DIR}/parcours.yml"
    lines = vocab.path.get("_lines", {})
    steps = vocab.path.get("etapes")
    if not isinstance(steps, list) or not steps:
        problems.add(rel, lines.get("etapes", 1), "etapes",
                     "liste des chapitres du parcours manquante.")
        return
    for index, step in enumerate(steps):
        if not isinstance(step, str) or not step.startswith("GU-"):
            problems.add(rel, lines.get(f"etapes[{index}]", 1), f"etapes[{index}]",
                         "chaque étape du parcours est l'identifiant d'un chapitre (GU-…).")
        elif step not in ids:
            problems.add(rel, lines.get(f"etapes[{index}]", 1), f"etapes[{index}]",
                         f"référence inconnue « {step} ».")
