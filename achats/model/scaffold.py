"""`achats new`: a valid entry with the next free ID, a slug, and TODO markers to fill in."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import frontmatter

from achats.files import write_atomically
from achats.model.load import Entry
from achats.problems import AchatsError
from achats.project import Project
from achats.model.schema import COLLECTIONS

PIECE_TITLES = {"rc.md": "Règlement de la consultation",
                "ccap.md": "Cahier des clauses administratives particulières",
                "cctp.md": "Cahier des clauses techniques particulières"}


def slugify(title: str, limit: int = 60) -> str:
    """The one way a name becomes a slug (file and folder names of new entries, the tags
    page's anchors): accents dropped, lowercase ASCII letters and digits between dashes."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "fiche"


def next_id(prefix: str, entries: list[Entry], used=()) -> str:
    """One above the largest ID of ``entries`` and of ``used`` (the IDs git's history ever
    saw): a deleted entry's ID never comes back."""
    numbers = [int(i.split("-")[1]) for i in [e.id for e in entries] + list(used)
               if i and re.fullmatch(rf"{prefix}-\d+", i)]
    return f"{prefix}-{(max(numbers) + 1 if numbers else 1):03d}"


def scaffold(project: Project, collection_name: str, title: str,
             entries: list[Entry], used=()) -> list[Path]:
    """Write the new entry (and a tender's pieces); returns the files written. ``used``:
    IDs seen in history, never handed out again."""
    if not title.strip():
        raise AchatsError("le titre (--title) ne peut pas être vide.")
    collection = COLLECTIONS[collection_name]
    ident = next_id(collection.prefix, [e for e in entries if e.collection is collection],
                    used)
    slug = slugify(title)
    folder = project.root / collection.folder
    meta = {"id": ident, "titre": title.strip(), "resume": "TODO : une ou deux phrases."}
    meta.update(collection.scaffold)
    if collection_name == "apero":
        import datetime as dt
        meta["date"] = dt.date.today()
    body = "\nTODO : rédigez ici le texte de la fiche.\n"
    if collection.in_folders:
        target_dir = folder / slug
        files = {target_dir / "index.md": (meta, body)}
        for name, piece_title in PIECE_TITLES.items():
            files[target_dir / name] = ({"titre": piece_title},
                                        f"\nTODO : rédigez le {piece_title.lower()}.\n")
    else:
        name = f"{ident.lower()}-{slug}.md" if collection_name != "guide" else f"{slug}.md"
        files = {folder / name: (meta, body)}
    for path in files:
        if path.exists():
            raise AchatsError(f"{project.rel(path)} existe déjà : rien n'a été écrit. "
                              "Choisissez un autre titre.")
    if collection.in_folders and (folder / slug).exists():
        raise AchatsError(f"{project.rel(folder / slug)} existe déjà : rien n'a été écrit.")
    written = []
    try:
        for path, (file_meta, file_body) in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            text = frontmatter.dumps(frontmatter.Post(file_body, **file_meta),
                                     sort_keys=False) + "\n"
            # whole or not at all, and never over a file that appeared meanwhile
            write_atomically(path, text, newline="\n", replace=False)
            written.append(path)
    except BaseException:
        for path in written:  # all or nothing
            path.unlink(missing_ok=True)
        raise
    return written
