"""Step 1, load: collection folders -> entries, with strict front matter and line numbers.

MkDocs turns unparsable front matter into ``{}`` without a word; here a YAML error, a
front matter that is not a mapping, or a file that is not UTF-8 text is a problem with its
line, and the entry is still returned (without metadata) so later steps can go on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import yaml

from achats.model import links as markdown_links, yamlsource
from achats.model.links import NO_LINKS, Links
from achats.problems import ProblemList
from achats.project import Project
from achats.model.schema import COLLECTIONS, PIECES, Collection
from achats.model.schema.workflow import NO_WORKFLOW, Workflow, read_workflow

SKIPPED_NAMES = {"README.md"}


@dataclass
class Piece:
    """A piece of a tender (RC, CCAP, CCTP, AE): Markdown inside the tender's folder."""

    kind: str  # RC, CCAP, CCTP, AE
    path: Path
    rel: str
    meta: dict
    body: str
    body_line: int
    lines: dict
    links: Links = NO_LINKS  # of the body, parsed once at load (achats.model.links)

    @property
    def title(self) -> str:
        return self.meta.get("titre") or self.kind


@dataclass
class Entry:
    collection: Collection
    path: Path  # absolute
    rel: str  # relative to the project root, POSIX
    meta: dict
    body: str
    body_line: int  # file line of the first body line
    lines: dict  # dotted field path -> file line
    parsed: bool = True  # False when the front matter could not be read
    pieces: list[Piece] = dc_field(default_factory=list)
    links: Links = NO_LINKS  # of the body, parsed once at load (achats.model.links)
    workflow: Workflow = NO_WORKFLOW  # the project's statuses (statuts.yml): visibility

    @property
    def id(self) -> str | None:
        value = self.meta.get("id")
        return value if isinstance(value, str) else None

    @property
    def title(self) -> str:
        value = self.meta.get("titre")
        return value if isinstance(value, str) and value.strip() else (self.id or self.rel)

    @property
    def visibility(self) -> str:
        return self.collection.visibility(self.meta, self.workflow)

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"

    @property
    def slug(self) -> str:
        """The entry's name in URLs: the file name, or the folder name for a tender."""
        return self.path.parent.name if self.collection.in_folders else self.path.stem

    def line(self, field: str) -> int:
        return yamlsource.line_of(self.lines, field, default=1)


@dataclass
class SplitDocument:
    meta: dict | None
    body: str
    body_line: int
    lines: dict


def read_text(path: Path, rel: str, problems: ProblemList) -> str | None:
    """UTF-8 text with BOM and CRLF (files written on Windows) accepted."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(rel, line, "fichier",
                     f"le fichier n'est pas du texte UTF-8 (octet invalide 0x{data[exc.start]:02x} "
                     f"à la position {exc.start}) : enregistrez-le en UTF-8.")
        return None
    if "\x00" in text:
        problems.add(rel, 1, "fichier", "le fichier contient des octets nuls : ce n'est pas du "
                     "texte Markdown.")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, rel: str, problems: ProblemList,
                       required: bool = True) -> SplitDocument:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        if required:
            problems.add(rel, 1, "en-tête", "en-tête YAML manquant : le fichier doit commencer "
                         "par une ligne « --- », suivie des champs puis d'une autre ligne « --- ».")
            return SplitDocument(None, text, 1, {})
        return SplitDocument({}, text, 1, {})
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.add(rel, 1, "en-tête", "en-tête YAML non fermé : ajoutez une ligne « --- » "
                     "après le dernier champ.")
        return SplitDocument(None, "", len(lines), {})
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    body_line = end + 2
    try:
        value, field_lines = yamlsource.parse(yaml_text, first_line=2)
    except yamlsource.DuplicateKeyError as exc:
        problems.add(rel, exc.line, exc.key, f"clé « {exc.key} » en double dans l'en-tête.")
        return SplitDocument(None, body, body_line, {})
    except yamlsource.LimitError as exc:
        problems.add(rel, exc.line, "en-tête", f"{exc.message} : en-tête refusé.")
        return SplitDocument(None, body, body_line, {})
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 2
        what = yamlsource.explain(getattr(exc, "problem", None) or str(exc).splitlines()[0])
        context = getattr(exc, "context_mark", None)
        if context is not None and context.line + 2 < line:
            what += f" (élément commencé ligne {context.line + 2})"
        problems.add(rel, line, "en-tête", f"YAML invalide : {what}. Vérifiez l'indentation, "
                     "les deux-points et les guillemets de cette ligne.")
        return SplitDocument(None, body, body_line, {})
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.add(rel, 2, "en-tête", "l'en-tête doit être une suite de champs « clé: valeur » "
                     f"(trouvé : {type(value).__name__ if not isinstance(value, list) else 'une liste'}).")
        return SplitDocument(None, body, body_line, {})
    return SplitDocument(value, body, body_line, field_lines)


def parse_document(path: Path, rel: str, required: bool = True):
    """Read and split one file: (SplitDocument or None if unreadable, its problems)."""
    problems = ProblemList()
    text = read_text(path, rel, problems)
    if text is None:
        return None, problems
    return split_front_matter(text, rel, problems, required=required), problems


def load_file(collection: Collection, path: Path, project: Project,
              problems: ProblemList) -> Entry:
    rel = project.rel(path)
    doc, found = parse_document(path, rel)
    problems.extend(found)
    return entry_of(collection, path, rel, doc, read_workflow(project.data_dir))


def entry_of(collection: Collection, path: Path, rel: str, doc: SplitDocument | None,
             workflow: Workflow) -> Entry:
    """The entry of a split file (None: unreadable), its links parsed."""
    if doc is None:
        return Entry(collection, path, rel, {}, "", 1, {}, parsed=False, workflow=workflow)
    return Entry(collection, path, rel, doc.meta or {}, doc.body, doc.body_line, doc.lines,
                 parsed=doc.meta is not None,
                 links=markdown_links.parse(doc.body, doc.body_line, rel), workflow=workflow)


def piece_of(kind: str, path: Path, rel: str, doc: SplitDocument | None) -> Piece:
    """The tender piece of a split file (None: unreadable), its links parsed."""
    if doc is None:
        return Piece(kind, path, rel, {}, "", 1, {})
    return Piece(kind, path, rel, doc.meta or {}, doc.body, doc.body_line, doc.lines,
                 markdown_links.parse(doc.body, doc.body_line, rel))


SYMLINK_REFUSED = ("lien symbolique refusé : un dossier de contenu ne contient que des "
                   "fichiers (un lien ferait lire au site un fichier de la machine ou hors du "
                   "dépôt, comme /etc/passwd). Remplacez le lien par le fichier lui-même.")


def _markdown_names(folder: str, rel_folder: str, problems: ProblemList) -> list[str]:
    # Names as strings, sorted (the same order as by path within one folder): building and
    # comparing Path objects for every file was a visible cost at 10,000 entries.
    # Symbolic links are never followed: reported, and left out.
    names = []
    with os.scandir(folder) as found:
        for e in found:
            if (not e.name.endswith(".md") or e.name in SKIPPED_NAMES
                    or e.name.startswith(("_", "."))):
                continue
            if e.is_symlink():
                problems.add(f"{rel_folder}/{e.name}", 1, "fichier", SYMLINK_REFUSED)
            elif e.is_file():
                names.append(e.name)
    return sorted(names)


def regular_files(folder: Path, suffix: str) -> list[Path]:
    """Files named ``*suffix`` under ``folder``, sorted, symbolic links left out (neither
    files nor folders are followed: a link to /dev/zero must not be read)."""
    found = []
    for here, _dirs, files in os.walk(folder):
        found += [Path(here, name) for name in files
                  if name.endswith(suffix) and not os.path.islink(os.path.join(here, name))]
    return sorted(found)


def refuse_links(project: Project, folders: list[str], problems: ProblemList) -> None:
    """Reports every symbolic link under ``folders`` (relative to the root; the folder itself
    included). MkDocs follows them in its pages folder, Jinja in the theme's."""
    for rel_folder in folders:
        top = project.root / rel_folder
        if top.is_symlink():
            problems.add(rel_folder, 1, "fichier", SYMLINK_REFUSED)
            continue
        for here, dirs, files in os.walk(top):  # does not descend into linked folders
            for name in dirs + files:
                path = os.path.join(here, name)
                if os.path.islink(path):
                    problems.add(project.rel(Path(path)), 1, "fichier", SYMLINK_REFUSED)


@dataclass
class _Job:
    """One file to parse: an entry, or a piece of the entry at ``parent`` in the job list."""

    collection: Collection
    path: str  # absolute; a Path is made when the file is parsed (in a worker, for check)
    rel: str
    piece: str | None = None
    parent: int | None = None


def _plan(project: Project, problems: ProblemList) -> list[_Job]:
    """Every file to parse, in a stable order; layout problems reported on the way."""
    jobs: list[_Job] = []
    root = str(project.root)
    for collection in COLLECTIONS.values():
        rel_folder = collection.folder
        folder = os.path.join(root, rel_folder)
        if os.path.islink(folder):
            problems.add(rel_folder, 1, "fichier", SYMLINK_REFUSED)
            continue
        if not os.path.isdir(folder):
            continue
        if not collection.in_folders:
            jobs += [_Job(collection, os.path.join(folder, name), f"{rel_folder}/{name}")
                     for name in _markdown_names(folder, rel_folder, problems)]
            continue
        for stray in _markdown_names(folder, rel_folder, problems):
            problems.add(f"{rel_folder}/{stray}", 1, "fichier",
                         f"un marché est un dossier : déplacez ce fichier dans "
                         f"{rel_folder}/<nom-du-marché>/index.md.")
        subs = []
        with os.scandir(folder) as found:
            for e in found:
                if e.name.startswith("."):
                    continue
                if e.is_symlink():
                    problems.add(f"{rel_folder}/{e.name}", 1, "fichier", SYMLINK_REFUSED)
                elif e.is_dir():
                    subs.append(e.name)
        for sub_name in sorted(subs):
            sub, rel_sub = os.path.join(folder, sub_name), f"{rel_folder}/{sub_name}"
            names = _markdown_names(sub, rel_sub, problems)
            if "index.md" not in names:
                problems.add(rel_sub, 1, "fichier", "dossier de marché sans fiche index.md.")
                continue
            parent = len(jobs)
            jobs.append(_Job(collection, os.path.join(sub, "index.md"), f"{rel_sub}/index.md"))
            for name in names:
                if name == "index.md":
                    continue
                kind = PIECES.get(name)
                if kind is None:
                    problems.add(f"{rel_sub}/{name}", 1, "fichier",
                                 f"pièce inconnue « {name} » : les pièces d'un "
                                 f"marché s'appellent {', '.join(PIECES)}.")
                    continue
                jobs.append(_Job(collection, os.path.join(sub, name), f"{rel_sub}/{name}",
                                 kind, parent))
    return jobs


def load_entries(project: Project, problems: ProblemList,
                 workflow: Workflow | None = None) -> list[Entry]:
    """All entries of all collections, in a stable order (pieces attached to their tender);
    ``workflow``: the project's statuts.yml, read here when not given."""
    return entries_from_jobs(_plan(project, problems), problems,
                             workflow if workflow is not None else read_workflow(project.data_dir))


def entries_from_jobs(jobs: list[_Job], problems: ProblemList,
                      workflow: Workflow) -> list[Entry]:
    """Parse planned files into entries; a piece's ``parent`` indexes ``jobs``."""
    entries: list[Entry] = []
    by_job: dict[int, Entry] = {}
    for index, job in enumerate(jobs):
        path = Path(job.path)
        doc, found = parse_document(path, job.rel, required=job.piece is None)
        problems.extend(found)
        if job.piece is None:
            by_job[index] = entry_of(job.collection, path, job.rel, doc, workflow)
            entries.append(by_job[index])
        else:
            by_job[job.parent].pieces.append(piece_of(job.piece, path, job.rel, doc))
    return entries


def plan_in_groups(project: Project, problems: ProblemList) -> list[list[tuple]]:
    """The planned files as picklable groups (an entry and its pieces), for worker processes:
    (collection name, path, rel, piece kind or None)."""
    groups: list[list[tuple]] = []
    for job in _plan(project, problems):
        item = (job.collection.name, job.path, job.rel, job.piece)
        if job.piece is None:
            groups.append([item])
        else:
            groups[-1].append(item)
    return groups


def jobs_from_groups(groups: list[list[tuple]]) -> list[_Job]:
    jobs: list[_Job] = []
    for group in groups:
        parent = len(jobs)
        for name, path, rel, piece in group:
            jobs.append(_Job(COLLECTIONS[name], path, rel, piece,
                             parent if piece else None))
    return jobs
