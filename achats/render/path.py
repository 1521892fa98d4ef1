"""The new-arrivals path: an ordered walk through guide chapters, declared in data.

``content/data/parcours.yml`` gives the title, an introduction and the chapters' IDs in
reading order. Three renderings share that order:

- ``path_index``: the path's first page (parcours/index.md), with the chapter list, a link to
  the printable page and one to the PDF (written after the build by ``achats.site.pdf``);
- ``path_section``: on each chapter's page, its position ("3 / 9") and the previous and next
  chapters;
- ``path_print``: every chapter on one page (parcours/imprimer.md), links between chapters
  turned into links inside the page. The PDF is made from this page's HTML.

Only the chapters of the variant being built take part: in the public site an internal
chapter is left out of the path, and the positions count the chapters that remain.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import fields

from achats.model.links import change_outside_code, code_lines
from achats.render.context import RenderContext, esc, href, rel, uri_of

INDEX_URI = "parcours/index.md"
PRINT_URI = "parcours/imprimer.md"
# The PDF sits next to the path's first page: site/parcours/parcours-nouveaux-arrivants.pdf.
PDF_NAME = "parcours-nouveaux-arrivants.pdf"
PDF_PATH = f"parcours/{PDF_NAME}"
DEFAULT_TITLE = "Parcours nouveaux arrivants"

_HEADING = re.compile(r"^(#{1,6})(\s|$)")
# An inline Markdown link or image target: ](target) or ](target "title").
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?((?:\s+\"[^\"]*\")?\s*)\)")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", re.IGNORECASE)


def path_title(ctx: RenderContext) -> str:
    return str(ctx.vocab.path.get("titre") or DEFAULT_TITLE)


def path_steps(ctx: RenderContext) -> list:
    """The path's chapters present in this variant, in order, each once."""
    steps, seen = [], set()
    for ident in ctx.vocab.path.get("etapes") or []:
        if isinstance(ident, str) and ident in ctx.graph.by_id and ident not in seen:
            seen.add(ident)
            steps.append(ctx.graph.by_id[ident])
    return steps


def chapter_anchor(entry) -> str:
    """The anchor of a chapter on the printable page (and in the PDF): its ID, lowercased."""
    return entry.id.lower()


def path_index(ctx: RenderContext) -> str:
    uri = INDEX_URI
    steps = path_steps(ctx)
    out = [f"# {esc(path_title(ctx))}\n"]
    if ctx.vocab.path.get("introduction"):
        out.append(esc(ctx.vocab.path["introduction"]).strip() + "\n")
    if not steps:
        out.append("_Le parcours est vide (content/data/parcours.yml)._\n")
        return "\n".join(out)
    n = len(steps)
    out.append(f"Le parcours compte {n} chapitre{'s' if n > 1 else ''}, à lire dans l'ordre ; "
               "chaque chapitre mène au suivant. Pour une formation, il existe aussi en une "
               "seule page à imprimer et en PDF, avec une couverture et un sommaire paginé.\n")
    out.append(f"[Commencer le parcours]({rel(uri, uri_of(steps[0]))}){{ .md-button "
               ".md-button--primary }\n")
    # Raw HTML for the PDF: it is written after the build, so MkDocs cannot check a Markdown
    # link to it (and would refuse the build in strict mode). Hidden when printing.
    pdf_link = (f' <a class="md-button" href="{PDF_NAME}" type="application/pdf">'
                "Télécharger le PDF</a>") if ctx.pdf else ""
    out.append(f'<p class="achats-pdf"><a class="md-button" href="{href(uri, PRINT_URI)}">'
               f"Version imprimable</a>{pdf_link}</p>\n")
    out.append("## Les chapitres\n")
    out.append("\n".join(f"{i}. {ctx.link(uri, e)}" for i, e in enumerate(steps, 1)) + "\n")
    return "\n".join(out)


def path_section(ctx: RenderContext, entry, uri: str) -> str:
    """Previous / next and the position ("3 / 9") on each page of the path.

    Raw HTML (links made with ``href``) so that the position, the previous and the next
    chapter are three separate boxes the stylesheet can lay out, previous on the left and
    next on the right.
    """
    steps = path_steps(ctx)
    if entry not in steps:
        return ""
    i, n = steps.index(entry), len(steps)
    parts = ['<nav class="achats-parcours" aria-label="Parcours nouveaux arrivants">',
             f'<p class="achats-parcours-titre"><a href="{href(uri, INDEX_URI)}">'
             f"{esc(path_title(ctx))}</a> — étape "
             f'<span class="achats-parcours-position">{i + 1} / {n}</span></p>']
    if i > 0:
        before = steps[i - 1]
        parts.append(f'<a class="achats-precedent" rel="prev" href="{href(uri, uri_of(before))}">'
                     f"← Précédent : {esc(before.title)}</a>")
    if i + 1 < n:
        after = steps[i + 1]
        parts.append(f'<a class="achats-suivant" rel="next" '
                     f'href="{href(uri, uri_of(after))}">Suivant : {esc(after.title)} →</a>')
    else:
        parts.append(f'<a class="achats-fin" href="{href(uri, INDEX_URI)}">'
                     "Fin du parcours : retour au sommaire</a>")
    parts.append("</nav>\n")
    return "\n".join(parts)


class _PrintContext(RenderContext):
    """Links to a chapter of the path become links inside the printable page."""

    anchors: dict

    def link(self, from_uri, entry, text=None):
        anchor = self.anchors.get(entry.id)
        if anchor:
            return f"[{esc(text or entry.title)}](#{anchor})"
        return super().link(from_uri, entry, text)


def _print_context(ctx: RenderContext, steps: list) -> _PrintContext:
    printing = _PrintContext(**{f.name: getattr(ctx, f.name) for f in fields(ctx)})
    printing.anchors = {e.id: chapter_anchor(e) for e in steps}
    return printing


def _rebase_links(body: str, from_uri: str, anchors_by_uri: dict) -> str:
    """Relative Markdown links written for ``from_uri``, rewritten for the printable page."""

    def rebase(match: re.Match) -> str:
        target, rest = match.group(1), match.group(2)
        if _EXTERNAL.match(target):
            return match.group(0)
        path, _, fragment = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(from_uri), path))
        if resolved in anchors_by_uri and not fragment:
            return f"](#{anchors_by_uri[resolved]}{rest})"
        new = rel(PRINT_URI, resolved) + (f"#{fragment}" if fragment else "")
        return f"]({new}{rest})"

    if "](" not in body:
        return body
    return change_outside_code(body, lambda part: _LINK_TARGET.sub(rebase, part)
                               if "](" in part else part)


def _shift_headings(body: str) -> str:
    """Drop a leading level-1 heading (the chapter title) and push the others one level down.

    Outside code only; a heading already at level 6 stays at 6.
    """
    lines = body.split("\n")
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is not None and re.match(r"^#(\s|$)", lines[first]):
        del lines[first]
    out = [("#" + line) if not is_code and _HEADING.match(line)
           and not line.startswith("######") else line
           for line, is_code in zip(lines, code_lines(lines))]
    return "\n".join(out).strip()


def path_print(ctx: RenderContext) -> str:
    """Every chapter of the path on one page, for printing and for the PDF.

    Each chapter starts with a level-2 heading ``N. Titre`` whose anchor is the chapter's ID
    (``#gu-003``), then its summary and body (the body's own title dropped, its headings one
    level down) and its recommended clauses.
    """
    uri = PRINT_URI
    steps = path_steps(ctx)
    printing = _print_context(ctx, steps)
    anchors_by_uri = {uri_of(e): chapter_anchor(e) for e in steps}
    out = [f"# {esc(path_title(ctx))} — version imprimable\n"]
    if not steps:
        out.append("_Le parcours est vide (content/data/parcours.yml)._\n")
        return "\n".join(out)
    pdf_link = (f' ou <a href="../{PDF_NAME}" type="application/pdf">téléchargez le PDF</a> '
                "(couverture, sommaire paginé)") if ctx.pdf else ""
    out.append(f'<p class="achats-imprimer-aide">Imprimez cette page (Ctrl+P){pdf_link}.</p>\n')
    out.append('<nav class="achats-sommaire" aria-labelledby="sommaire" markdown>\n\n'
               "## Sommaire { #sommaire }\n")
    out.append("\n".join(f"{i}. [{esc(e.title)}](#{chapter_anchor(e)})"
                         for i, e in enumerate(steps, 1)) + "\n\n</nav>\n")
    for i, e in enumerate(steps, 1):
        # Plain Markdown links first (written for the chapter's own page), then [[ID]] links.
        body = printing.resolve_source_links(e.body, uri_of(e), e.rel)
        body = _rebase_links(body, uri_of(e), anchors_by_uri)
        body = _shift_headings(printing.resolve_body(body, uri))
        part = [f"## {i}. {esc(e.title)} {{ #{chapter_anchor(e)} .achats-chapitre }}\n"]
        if e.meta.get("resume"):
            part.append(f'<p class="achats-resume">{esc(e.meta["resume"])}</p>\n')
        if body:
            part.append(body + "\n")
        clauses = [printing.link_id(uri, ident) for ident in e.meta.get("clauses") or []]
        if clauses:
            part.append("### Clauses recommandées { .achats-clauses-recommandees }\n\n"
                        + "\n".join(f"- {c}" for c in clauses) + "\n")
        out.append("\n".join(part))
    return "\n".join(out)
