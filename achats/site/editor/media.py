"""Files uploaded through the web editor, and which variant may publish them.

Decap CMS writes every upload into one folder of the pages (``content/pages/assets/fiches``),
which MkDocs copies into both variants. An agent attaching an internal document to an
internal entry must not publish it: the public variant carries an upload only when a public
entry cites it (its text, a public field, a piece of a public tender), in the form the public
variant shows (internal fields removed). The public build leaves the others out (like the
internal entries themselves), and the public audit refuses a site that still holds one: a
file that ever was cited by internal entries only is not public until a public entry cites
it in a reviewed merge request.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from achats.model.yamlsource import strings

# In the pages folder (docs_dir): where Decap writes uploads, and their address in the site.
UPLOADS = "assets/fiches"
MEDIA_FOLDER = f"content/pages/{UPLOADS}"
PUBLIC_FOLDER = f"/{UPLOADS}"

# A citation: the folder's path followed by a file name, however the link was written
# (/assets/fiches/x.pdf, ../assets/fiches/x.pdf, percent-encoded or not).
_CITED = re.compile(re.escape(UPLOADS) + r"/([^\s()\[\]<>\"'?#|]+)")


def cited_uploads(entries) -> set[str]:
    """File names (relative to the uploads folder) that these entries cite."""
    cited: set[str] = set()
    for entry in entries:
        texts = [text for _field, text in strings(entry.meta)] + [entry.body or ""]
        texts += [piece.body or "" for piece in getattr(entry, "pieces", [])]
        for text in texts:
            if UPLOADS in text:
                cited.update(unquote(m.group(1)) for m in _CITED.finditer(text))
    return cited


def unpublished_uploads(paths, public_entries) -> list[str]:
    """Of ``paths`` (site- or docs-relative, POSIX), the uploads no public entry cites."""
    prefix = UPLOADS + "/"
    uploads = [p for p in paths if p.startswith(prefix)]
    if not uploads:
        return []
    cited = cited_uploads(public_entries)
    return sorted(p for p in uploads if p[len(prefix):] not in cited)


def uploads_in_site(site_dir: Path) -> list[str]:
    """The uploads folder's files in a built site, site-relative."""
    folder = Path(site_dir) / UPLOADS
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(site_dir).as_posix() for p in folder.rglob("*") if p.is_file())
