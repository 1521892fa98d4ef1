"""Step 2, validate: entries -> problems (schema, vocabularies, IDs, references, safety)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fingerprint import fingerprint
from .load import Entry, load_entries
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
    entries: list[Entry]
    problems: ProblemList

    @property
    def ok(self) -> bool:
        return not self.problems.errors


def check_project(project: Project) -> CheckResult:
    """Load and validate the whole project; never raises on bad content."""
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, DATA_DIR, problems)
    entries = load_entries(project, problems)
    validate_entries(entries, vocab, problems)
    ids = {e.id for e in entries if e.id}
    validate_path(vocab, ids, problems)
    validate_pages(project, ids, problems)
    return CheckResult(project, vocab, entries, problems)


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


def _unsafe_body(body: str, first_line: int, report_line) -> None:
    if not _UNSAFE_ANY.search(body):
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


def _strings(value, path=""):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def validate_entries(entries: list[Entry], vocab: Vocabularies, problems: ProblemList) -> None:
    by_id: dict[str, Entry] = {}
    references: list[tuple[Entry, str, int, str, tuple]] = []  # entry, field, line, id, prefixes

    for entry in entries:
        if not entry.parsed:
            continue
        ctx = CheckContext(vocab.vocabularies, vocab.articles)

        def report(field, message, severity="erreur", line_from=None, _e=entry):
            line = _e.line(line_from) if line_from is not None else _e.line(field)
            problems.add(_e.rel, line, field, message, severity)

        check_mapping(entry.collection.fields, entry.meta, "", ctx, report)
        for field, target, prefixes in ctx.references:
            references.append((entry, field, entry.line(field), target, prefixes))

        ident = entry.id
        if ident:
            if ident in by_id:
                first = by_id[ident]
                report("id", f"identifiant « {ident} » en double : déjà utilisé par "
                       f"{first.rel}:{first.line('id')}. Prenez l'identifiant libre suivant "
                       "(achats new le calcule).")
            else:
                by_id[ident] = entry

        for field, text in _strings(entry.meta):
            # "<" or ":" is in every unsafe pattern: most values are skipped without a regex.
            if ("<" in text or ":" in text) and _UNSAFE_ANY.search(text):
                for pattern, message in UNSAFE:
                    if pattern.search(text):
                        report(field, message)

        def report_body(line, message, field="texte", severity="erreur", _e=entry, rel=None):
            problems.add(rel or _e.rel, line, field, message, severity)

        _unsafe_body(entry.body, entry.body_line, report_body)
        _no_title_in_body(entry.body, entry.body_line, report_body)
        for line, target, _label in iter_body_links(entry.body, entry.body_line):
            references.append((entry, "texte", line, target, ()))
        for piece in entry.pieces:
            pctx = CheckContext(vocab.vocabularies, vocab.articles)
            check_mapping(PIECE_FIELDS, piece.meta, "", pctx,
                          lambda f, m, s="erreur", line_from=None, _p=piece:
                          problems.add(_p.rel, line_of(_p.lines, line_from or f), f, m, s))
            _unsafe_body(piece.body, piece.body_line,
                          lambda line, message, _p=piece: problems.add(_p.rel, line, "texte",
                                                                      message))
            for line, target, _label in iter_body_links(piece.body, piece.body_line):
                references.append((entry, "texte", line, target, (), ) + (piece.rel,))

        _collection_rules(entry, report)

    for ref in references:
        entry, field, line, target, prefixes = ref[:5]
        rel = ref[5] if len(ref) > 5 else entry.rel
        found = by_id.get(target)
        if found is None:
            collection = BY_PREFIX.get(target.split("-")[0])
            where = f" (collection « {collection.name} »)" if collection else ""
            problems.add(rel, line, field, f"référence inconnue « {target} » : aucune fiche "
                         f"ne porte cet identifiant{where}.")
            continue
        if prefixes and target.split("-")[0] not in prefixes:
            problems.add(rel, line, field, f"« {target} » n'est pas du bon type : ce champ "
                         f"attend des identifiants {', '.join(p + '-…' for p in prefixes)}.")
            continue
        if found is entry and field != "texte":
            problems.add(rel, line, field, f"la fiche se cite elle-même ({target}).", WARNING)
        if field != "texte" and entry.is_public and not found.is_public:
            problems.add(rel, line, field, f"fiche publique qui dépend de « {target} », fiche "
                         "interne : dans la version publique, ce renvoi sera du texte simple.",
                         WARNING)


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
