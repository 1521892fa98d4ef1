"""achats dce: each piece of a tender as a Word (DOCX) or OpenDocument (ODT) file.

A piece's Markdown becomes blocks (achats.tender.blocks); after the block that first cites a
clause ([[CL-…]]), the clause's validated text is inserted, its [parameters] highlighted; a
clause that is not validated gets a visible warning, in the document and on the command's
output. The writers (dce_docx, dce_odt) start from a template in content/modeles/ whose
styles the Region restyles in its word processor, without code.

Nothing is half-written: every file is written in a temporary folder next to the output
folder, then moved into it once all are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from achats.files import atomic_output, write_atomically
from achats.model.fingerprint import fingerprint
from achats.model.load import Entry, Piece, load_entries
from achats.problems import WARNING, AchatsError, ProblemList
from achats.project import DATA_DIR, Project
from achats.model.schema import PIECES, load_vocabularies
from achats.tender.blocks import ClauseInsert, Heading, Run, markdown_blocks, plain, refs_in

FORMATS = ("docx", "odt")
TEMPLATE_DIR = "content/modeles"
ARTICLE = re.compile(r"article\s+\d", re.IGNORECASE)


@dataclass
class ClauseRow:
    """One line of the « clauses utilisées » table."""

    id: str
    title: str
    status_label: str
    legal_basis: str
    validated: bool


@dataclass
class PieceDocument:
    """Everything a writer needs for one piece."""

    tender_id: str
    tender_title: str
    tender_object: str
    kind: str  # RC, CCAP…
    title: str
    source: str  # the piece's file, relative to the project
    blocks: list
    clauses: list[ClauseRow]
    warnings: list[str]  # French, also shown at the top of the document
    generated: dt.date

    @property
    def file_stem(self) -> str:
        return f"{self.tender_id}-{self.kind.lower()}"


@dataclass
class ExportResult:
    files: list[Path]
    warnings: ProblemList = dc_field(default_factory=ProblemList)


def find_tender(entries: list[Entry], ident: str) -> Entry:
    tenders = [e for e in entries if e.collection.name == "marche"]
    for entry in tenders:
        if entry.id == ident:
            return entry
    known = ", ".join(sorted(e.id for e in tenders if e.id)) or "aucun"
    raise AchatsError(f"aucun marché ne porte l'identifiant « {ident} » "
                      f"(marchés connus : {known}).")


def piece_documents(project: Project, ident: str,
                    today: dt.date | None = None) -> tuple[list[PieceDocument], ProblemList]:
    """The documents of a tender's pieces and the warnings to show; AchatsError when the
    tender, a piece or a cited clause cannot be read."""
    problems = ProblemList()
    vocab = load_vocabularies(project.data_dir, DATA_DIR, problems)
    entries = load_entries(project, problems)
    tender = find_tender(entries, ident)
    if not tender.parsed:
        raise AchatsError(f"{tender.rel}: en-tête illisible : corrigez-le (achats check).",
                          _errors_of(problems, tender.path.parent, project))
    if not tender.pieces:
        raise AchatsError(f"{tender.rel}: pieces: le marché {ident} n'a aucune pièce à "
                          f"exporter : ajoutez {', '.join(PIECES)} dans "
                          f"{project.rel(tender.path.parent)}/.")
    by_id = {e.id: e for e in entries if e.id}
    warnings = ProblemList()
    return tender_documents(tender, by_id, vocab, warnings, today or dt.date.today()), warnings


def tender_documents(tender: Entry, by_id: dict, vocab, warnings: ProblemList,
                     today: dt.date) -> list[PieceDocument]:
    """The documents of a loaded tender's pieces, in the order RC, CCAP, CCTP, AE."""
    order = list(PIECES.values())
    return [_piece_document(tender, piece, by_id, vocab, warnings, today)
            for piece in sorted(tender.pieces, key=lambda p: order.index(p.kind))]


def _errors_of(problems: ProblemList, folder: Path, project: Project) -> ProblemList:
    prefix = project.rel(folder) + "/"
    return ProblemList(p for p in problems if p.path.startswith(prefix))


def _piece_document(tender: Entry, piece: Piece, by_id: dict, vocab, warnings: ProblemList,
                    today: dt.date) -> PieceDocument:
    if piece.meta is None or (not piece.body and not piece.meta):
        raise AchatsError(f"{piece.rel}: pièce vide ou illisible : corrigez-la (achats check).")
    first_line = {}
    for link in piece.links.ids:
        first_line.setdefault(link.target, link.line)
    blocks_in = markdown_blocks(piece.body, piece.rel)
    blocks, rows, notes, seen, articles = [], [], [], set(), 0
    for block in blocks_in:
        if isinstance(block, Heading) and block.level == 1:
            articles += 1
            if not ARTICLE.match(plain(block.runs)):
                block.runs.insert(0, Run(f"Article {articles} – "))
        blocks.append(block)
        for ref in refs_in(block):
            if not ref.startswith("CL-") or ref in seen:
                continue
            seen.add(ref)
            clause = by_id.get(ref)
            line = first_line.get(ref, piece.body_line)
            if clause is None or clause.collection.name != "clause":
                raise AchatsError(f"{piece.rel}:{line}: texte: référence inconnue « {ref} » : "
                                  "aucune clause ne porte cet identifiant.")
            if not clause.parsed or not isinstance(clause.meta.get("texte"), str):
                raise AchatsError(f"{clause.rel}: texte: clause {ref} illisible ou sans texte : "
                                  "corrigez-la (achats check).")
            insert, row = _clause_insert(clause, vocab)
            if insert.warning:
                notes.append(insert.warning)
                warnings.add(piece.rel, line, "texte", insert.warning, WARNING)
            blocks.append(insert)
            rows.append(row)
    title = piece.title if isinstance(piece.title, str) else piece.kind
    return PieceDocument(tender.id, tender.title, str(tender.meta.get("objet") or ""),
                         piece.kind, title, piece.rel, blocks, rows, notes, today)


def _clause_insert(clause: Entry, vocab) -> tuple[ClauseInsert, ClauseRow]:
    meta = clause.meta
    status = str(meta.get("statut") or "")
    label = vocab.label("statuts_clause", status) if status else "sans statut"
    warning = None
    if status == "retiree":
        warning = (f"clause {clause.id} « {clause.title} » retirée de la bibliothèque : "
                   "ne l'utilisez pas dans ce dossier.")
    elif status != "validee":
        warning = (f"clause {clause.id} « {clause.title} » non validée (statut : {label}) : "
                   "son texte peut encore changer ; faites-la valider par le service juridique "
                   "avant de publier le dossier.")
    else:
        validation = meta.get("validation")
        if isinstance(validation, dict) and validation.get("empreinte") != fingerprint(meta):
            warning = (f"clause {clause.id} « {clause.title} » modifiée depuis sa validation : "
                       "le texte inséré n'est pas celui qui a été validé.")
    legal = meta.get("base_legale")
    legal_text = ", ".join(str(a) for a in legal) if isinstance(legal, list) else ""
    insert = ClauseInsert(clause.id, clause.title, status, label,
                          markdown_blocks(meta["texte"], clause.rel), warning)
    return insert, ClauseRow(clause.id, clause.title, label, legal_text, warning is None)


def template_path(project: Project, fmt: str, given: str | None) -> Path:
    path = Path(given) if given else project.root / TEMPLATE_DIR / f"dce.{fmt}"
    if not path.is_file():
        shown = given or f"{TEMPLATE_DIR}/dce.{fmt}"
        raise AchatsError(f"{shown}: modèle {fmt.upper()} introuvable : rétablissez-le "
                          "(python scripts/modeles_dce.py l'écrit) ou indiquez-en un autre "
                          f"(--modele-{fmt}).")
    return path


def export(project: Project, ident: str, formats: list[str], out_dir: Path,
           templates: dict | None = None, today: dt.date | None = None) -> ExportResult:
    """Write every piece of tender ``ident`` in each format into ``out_dir``."""
    templates = templates or {}
    paths = {fmt: template_path(project, fmt, templates.get(fmt)) for fmt in formats}
    docs, warnings = piece_documents(project, ident, today)
    if out_dir.exists() and not out_dir.is_dir():
        raise AchatsError(f"{out_dir}: existe et n'est pas un dossier : choisissez un autre "
                          "--out.")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".dce-", dir=out_dir.parent))
    except OSError as exc:
        raise AchatsError(f"{out_dir}: écriture impossible ({exc.strerror or exc}).") from None
    try:
        names = write_documents(docs, paths, staging)
        out_dir.mkdir(exist_ok=True)
        for name in names:  # same file system: each move is atomic
            os.replace(staging / name, out_dir / name)
    except OSError as exc:
        raise AchatsError(f"{out_dir}: écriture impossible ({exc.strerror or exc}).") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult([out_dir / n for n in names], warnings)


def require_styles(template: Path, fmt: str, present: set, required: tuple) -> None:
    """Refuses a template (format ``fmt``: DOCX, ODT) without one of the ``required``
    styles, naming them."""
    missing = [name for name in required if name not in present]
    if missing:
        raise AchatsError(f"{template}: styles absents du modèle {fmt} : "
                          f"{', '.join(missing)} (voir scripts/modeles_dce.py).")


def write_documents(docs: list[PieceDocument], templates: dict, folder: Path,
                    cache: "DocumentCache | None" = None) -> list[str]:
    """Write each document in each format of ``templates`` (format -> template path) into
    ``folder``; the names written. Files are byte-for-byte the same for the same content
    (fixed dates inside the archives): a site built twice does not change. With ``cache``,
    a document already written with the same content, template and code is copied."""
    from achats.tender import dce_docx, dce_odt

    writers = {"docx": dce_docx.write, "odt": dce_odt.write}
    names = []
    for fmt, template in templates.items():
        template_bytes = template.read_bytes() if cache is not None else b""
        for doc in docs:
            name = f"{doc.file_stem}.{fmt}"
            key = cache.key(doc, fmt, template_bytes) if cache is not None else None
            if key is None or not cache.fetch(key, folder / name):
                writers[fmt](doc, template, folder / name)
                _fixed_dates(folder / name)
                if key is not None:
                    cache.store(key, folder / name)
            names.append(name)
    return names


class DocumentCache:
    """Word/ODT files already written, by a digest of everything that makes them: the
    document (texts, clauses, warnings, date), the template's bytes and this package's code.
    The intranet build writes every tender's pieces (about 0.09 s a file): a later build
    copies the unchanged ones. Kept in the user's cache folder, never in the repository;
    it can be deleted at any time. A folder that cannot be written only means no cache."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.code = _code_digest()

    @classmethod
    def default(cls) -> "DocumentCache":
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(Path(base) / "achats-durables" / "dce")

    def key(self, doc: PieceDocument, fmt: str, template_bytes: bytes) -> str:
        digest = hashlib.sha256()
        for part in (self.code, fmt.encode(), hashlib.sha256(template_bytes).digest(),
                     repr(doc).encode("utf-8", "surrogatepass")):
            digest.update(len(part).to_bytes(8, "big") + part)
        return f"{digest.hexdigest()}.{fmt}"

    def fetch(self, key: str, target: Path) -> bool:
        try:
            shutil.copyfile(self.folder / key, target)
        except OSError:
            return False
        return True

    def store(self, key: str, written: Path) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.folder / key, written.read_bytes())
        except OSError:
            pass


def _code_digest() -> bytes:
    """The tender package's source and the writing libraries' versions: a change of either
    voids every cached file."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for library in ("python-docx", "odfpy"):
        digest.update(f"{library}=={version(library)}".encode())
    return digest.digest()


def _fixed_dates(path: Path) -> None:
    """Rewrite a DOCX/ODT archive with the same members in the same order, compression
    kept (an ODT's « mimetype » stays first and stored), and a fixed date on each."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with atomic_output(path, binary=True) as stream, zipfile.ZipFile(stream, "w") as target:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)


SITE_FOLDER = "dce"  # inside each tender's folder of the intranet site


def site_file_names(tender: Entry) -> list[tuple[str, str]]:
    """(piece title, file stem) of the files a site build writes for a tender."""
    order = list(PIECES.values())
    return [(p.title, f"{tender.id}-{p.kind.lower()}")
            for p in sorted(tender.pieces, key=lambda p: order.index(p.kind))]


def write_site_documents(project: Project, graph, site_dir: Path,
                         today: dt.date | None = None,
                         cache: DocumentCache | None = None) -> int:
    """For the intranet site: each tender's pieces in both formats, next to its page
    (marches/<slug>/dce/); the number of files. AchatsError names what is wrong."""
    paths = {fmt: template_path(project, fmt, None) for fmt in FORMATS}
    cache = DocumentCache.default() if cache is None else cache
    count = 0
    for tender in graph.of("marche"):
        if not tender.pieces or not tender.id:
            continue
        docs = tender_documents(tender, graph.by_id, graph.vocab, ProblemList(),
                                today or dt.date.today())
        folder = site_dir / tender.collection.url_folder / tender.slug / SITE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        count += len(write_documents(docs, paths, folder, cache))
    return count
