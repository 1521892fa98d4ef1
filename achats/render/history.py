"""History on the site: a short section on each entry page, and one HTML page per entry.

History pages are lightweight standalone HTML written after the build, not Markdown pages
rendered through the theme: at 2,000 entries a themed page per entry would double the build.
They list the versions and show, for the latest ones, a word-level difference that a
non-developer can read: insertions in <ins>, deletions in <del>, front-matter changes as
« champ « statut » : « proposee » → « validee » ».
"""

from __future__ import annotations

import html
import json
import posixpath

from achats.git.diff import abridge
from achats.git.log import Version
from achats.model.load import Entry
from achats.render.context import RenderContext, page_url, relative_path, uri_of
from achats.render.html import raw

DEFAULT_DIFFS = 5  # versions with a difference shown (mkdocs.yml: extra.historique_diffs)
SITE_NAME = "Achats durables"


def history_dir(entry: Entry) -> str:
    """Folder of the entry's history page in the site."""
    return f"historique/{entry.id.lower()}"


def history_href(from_uri: str, entry: Entry) -> str:
    """Relative URL from the page of source URI ``from_uri`` to the entry's history page."""
    here = page_url(from_uri).rstrip("/") or "."
    return relative_path(history_dir(entry), here) + "/"


# The themed « Historique » page: one page of the site for every entry, which loads the
# entry's versions (historique/<id>/versions.json) with assets/historique.js.
SHELL_URI = "historique/index.md"
DATA_NAME = "versions.json"


def shell_href(from_uri: str, entry: Entry) -> str:
    """Relative URL from the page of ``from_uri`` to the themed history of ``entry``."""
    here = page_url(from_uri).rstrip("/") or "."
    return relative_path("historique", here) + f"/?fiche={entry.id.lower()}"


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


# -- the section on the entry page ------------------------------------------------------------

# The class keeps the section out of the search index (achats.site.search.EXCLUDED).
_HEADING = "## Historique { .achats-historique }\n\n"


def history_section(ctx: RenderContext, entry: Entry, uri: str) -> str:
    """Markdown block « Historique » for an entry page (raw HTML: the link is not a page)."""
    history = ctx.history
    if history is None or not entry.id:
        return ""
    if not history.complete:
        return (_HEADING + "<p class=\"achats-historique\">Historique des versions "
                "indisponible dans cette construction du site (historique git incomplet) : "
                "date de mise à jour inconnue.</p>\n")
    commits = history.entry_commits(entry)
    if not commits:
        return (_HEADING + "<p class=\"achats-historique\">Cette fiche n'est pas encore "
                "enregistrée dans l'historique git.</p>\n")
    text = (f"Mis à jour le {history.entry_updated(entry).strftime('%d/%m/%Y')}, "
            f"{_plural(len(commits), 'version')}.")
    authors = history.authors(entry)
    if authors:
        text += f" Contributions : {', '.join(authors)}."
    return (_HEADING + f"<p class=\"achats-historique\">{_e(text)} "
            f"<a href=\"{_e(shell_href(uri, entry))}\">Voir l'historique et comparer deux "
            f"versions</a> (ou <a href=\"{_e(history_href(uri, entry))}\">les dernières "
            "différences, sans JavaScript</a>)</p>\n")


# -- the standalone pages ---------------------------------------------------------------------

def _plans(ctx: RenderContext) -> list[tuple[Entry, list[list[Version]]]]:
    """The entries that get a history page, with their versions grouped by commit."""
    history = ctx.history
    if history is None or not history.complete:
        return []
    plans = []
    for entry in ctx.graph.entries:
        commits = history.entry_commits(entry)
        if entry.id and commits:
            plans.append((entry, commits))
    return plans


def history_workload(ctx: RenderContext, diffs: int = DEFAULT_DIFFS) -> tuple[int, int, int]:
    """What writing the history pages and their version data will cost, before doing it:
    (pages, differences, versions)."""
    plans = _plans(ctx)
    differences = sum(1 for _entry, commits in plans for group in commits[:diffs]
                      for version in group if version.status not in ("A", "D"))
    versions = sum(len(group) for _entry, commits in plans for group in commits)
    return len(plans), differences, versions


def history_html_pages(ctx: RenderContext, css_hrefs: list[str],
                       diffs: int = DEFAULT_DIFFS) -> dict[str, str]:
    """Output path in the site -> HTML page, for every entry of the variant with a history.

    ``css_hrefs`` are stylesheet paths relative to the site root; ``diffs`` is how many of
    the latest versions get a difference against the version before them. What each
    version shows (message, difference) is the history view's decision (achats.variant).
    """
    plans = _plans(ctx)
    if not plans:
        return {}
    # One `git cat-file` for these differences and for every version history_data writes.
    ctx.history.prepare([(entry, commits[:diffs]) for entry, commits in plans], every=plans)
    return {f"{history_dir(entry)}/index.html": _page(ctx, entry, commits, css_hrefs, diffs)
            for entry, commits in plans}


UNPUBLISHED_SUBJECT = "modification"


def _subject(ctx: RenderContext, version: Version) -> str:
    """The message as the view shows it, or « modification » when it may not."""
    return ctx.history.subject(version) or UNPUBLISHED_SUBJECT


# The page's layout; insertions and deletions are styled by achats.css, linked like the
# theme's stylesheets.
_STYLE = """
body { margin: 0; }
.achats-histoire { max-width: 61rem; margin: 0 auto; padding: 1.2rem 1.2rem 3rem; }
.achats-histoire nav { font-size: .8rem; margin-bottom: 1rem; }
.achats-histoire table { border-collapse: collapse; font-size: .8rem; width: 100%; }
.achats-histoire th, .achats-histoire td { border-bottom: 1px solid #ccc; padding: .3rem .5rem;
  text-align: left; vertical-align: top; }
.achats-histoire .achats-diff { font-size: .85rem; }
.achats-version { border-top: 1px solid #ccc; margin-top: 1.5rem; }
.achats-omis { color: #555; font-style: italic; }
"""


def _page(ctx: RenderContext, entry: Entry, commits: list[list[Version]], css_hrefs,
          diffs: int) -> str:
    root = "../../"  # historique/<id>/index.html
    entry_href = root + page_url(uri_of(entry))
    links = "\n".join(f'<link rel="stylesheet" href="{_e(root + href)}">' for href in css_hrefs)
    title = f"Historique : {entry.title}"
    # Authors only where the view gives them (never in the public variant).
    authors = any(v.author for group in commits for v in group)
    rows = "\n".join(_row(ctx, entry, group, authors) for group in commits)
    author_head = '<th scope="col">Auteur</th>' if authors else ""
    shown = min(diffs, len(commits))
    sections = "\n".join(_version_section(ctx, entry, group) for group in commits[:diffs])
    intro = (f"{_plural(len(commits), 'version')} enregistrée"
             f"{'s' if len(commits) > 1 else ''} dans git, de la plus récente à la plus "
             "ancienne.")
    diffs_title = (f"Ce qui a changé dans les {shown} dernières versions" if shown > 1
                   else "Ce qui a changé dans la dernière version")
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} — {SITE_NAME}</title>
{links}
<style>{_STYLE}</style>
</head>
<body dir="ltr" data-md-color-scheme="default">
<a class="md-skip" href="#contenu">Aller au contenu</a>
<header class="achats-histoire">
<nav aria-label="Fil d'Ariane"><a href="{root}">Accueil — {SITE_NAME}</a> › <a href="{_e(entry_href)}">{_e(entry.title)}</a> › Historique</nav>
</header>
<main id="contenu" class="achats-histoire md-typeset" data-pagefind-ignore="all">
<h1>{_e(title)}</h1>
<p>Fiche <strong>{_e(entry.id)}</strong> · {_e(intro)} <a href="{_e(entry_href)}">Revenir à la fiche</a></p>
<h2>Versions</h2>
<table>
<caption>Versions de la fiche {_e(entry.id)}</caption>
<thead><tr><th scope="col">Date</th>{author_head}<th scope="col">Modification</th><th scope="col">Fichiers</th><th scope="col">Version</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h2>{_e(diffs_title)}</h2>
<p>Légende : <ins>texte ajouté</ins>, <del>texte supprimé</del>. Les passages inchangés trop longs sont abrégés « […] ».</p>
{sections}
</main>
<footer class="achats-histoire"><p><a href="{_e(entry_href)}">Revenir à la fiche</a> · <a href="{root}">Accueil</a></p></footer>
</body>
</html>
"""


def _when(version: Version) -> str:
    return version.date.strftime("%d/%m/%Y à %H:%M")


def _row(ctx: RenderContext, entry: Entry, group: list[Version], authors: bool) -> str:
    first = group[0]
    author = f"<td>{_e(first.author)}</td>" if authors else ""
    files = ", ".join(_e(posixpath.basename(v.path)) for v in group)
    note = ctx.history.note(first, entry)
    what = _e(_subject(ctx, first)) + (f'<br><em class="achats-retrait">{_e(note)}</em>'
                                       if note else "")
    return (f'<tr><td>{_e(_when(first))}</td>{author}<td>{what}</td>'
            f'<td>{files}</td><td><a href="#version-{_e(first.short)}"><code>'
            f'{_e(first.short)}</code></a></td></tr>')


def _version_section(ctx: RenderContext, entry: Entry, group: list[Version]) -> str:
    first = group[0]
    by = f" — par {first.author}" if first.author else ""
    out = [f'<section class="achats-version" aria-labelledby="version-{_e(first.short)}">',
           f'<h3 id="version-{_e(first.short)}">Version {_e(first.short)} du '
           f'{_e(_when(first))}</h3>',
           f"<p>« {_e(_subject(ctx, first))} »{_e(by)}</p>"]
    note = ctx.history.note(first, entry)
    if note:
        out.append(f'<p class="achats-retrait"><strong>{_e(note)}</strong></p>')
    for version in group:
        if entry.pieces or version.path != entry.rel:
            out.append(f"<h4>{_e(_file_label(entry, version))}</h4>")
        out.append(_file_change(ctx.history.change(entry, version)))
    out.append("</section>")
    return "\n".join(out)


def _file_label(entry: Entry, version: Version) -> str:
    if version.path == entry.rel:
        return "Fiche du marché (index.md)" if entry.pieces else "Fiche"
    name = posixpath.basename(version.path)
    return f"Pièce {name[:-3].upper()} ({name})"


def _file_change(change) -> str:
    if change.note:
        return f'<p class="achats-omis">{_e(change.note)}</p>'
    out = []
    if change.renamed_from:
        out.append(f"<p>Fichier renommé : « {_e(change.renamed_from)} » → "
                   f"« {_e(change.version.path)} ».</p>")
    if change.old is None or change.new is None:
        out.append('<p class="achats-omis">Version précédente introuvable dans git.</p>')
        return "\n".join(out)
    diff = change.diff()
    if diff.unreadable and not diff.body:
        out.append('<p class="achats-omis">Différence non publiée (en-tête illisible dans '
                   "l'une des versions).</p>")
        return "\n".join(out)
    if diff.fields:
        out.append("<p><strong>Champs de l'en-tête</strong></p>\n<ul>")
        out += [f"<li>{_field_html(change)}</li>" for change in diff.fields]
        out.append("</ul>")
    if diff.body_changed:
        label = "Texte complet (en-tête illisible)" if diff.unreadable else "Texte"
        out.append(f"<p><strong>{label}</strong></p>\n{_ops_html(diff.body)}")
    if not diff.fields and not diff.body_changed:
        out.append('<p class="achats-omis">Aucun changement de contenu (mise en forme '
                   "seulement).</p>")
    return "\n".join(out)


def _field_html(change) -> str:
    name = f"champ « {_e(change.field)} »"
    if change.kind == "ajout":
        value = f"« {_e(change.new)} »" if change.words is None else _ops_html(
            [("+", change.new)])
        return f"{name} ajouté : {value}"
    if change.kind == "suppression":
        value = f"« {_e(change.old)} »" if change.words is None else _ops_html(
            [("-", change.old)])
        return f"{name} supprimé (valeur précédente : {value})"
    if change.words is not None:
        return f"{name} modifié :\n{_ops_html(change.words)}"
    return f"{name} : « <del>{_e(change.old)}</del> » → « <ins>{_e(change.new)}</ins> »"


def _ops_html(ops: list[tuple[str, str]]) -> str:
    out = []
    for index, (op, text) in enumerate(ops):
        if op == "=":
            out.append(_e(abridge(text, keep_start=index > 0, keep_end=index < len(ops) - 1)))
        else:
            out.append(f"<{'ins' if op == '+' else 'del'}>{_e(text)}</"
                       f"{'ins' if op == '+' else 'del'}>")
    return f'<div class="achats-diff">{"".join(out)}</div>'



# -- the themed page and the per-entry version data ---------------------------------------------

def history_shell(ctx: RenderContext) -> str:
    """The themed « Historique » page: header, tabs and search of the site; the entry's
    versions are loaded and compared in the browser (assets/historique.js). Without
    JavaScript it says where the pages without script are."""
    html_block = (
        '<nav class="achats-fil" aria-label="Fil d\'Ariane" data-historique-fil></nav>\n'
        '<div class="achats-comparaison" data-historique data-pagefind-ignore="all">\n'
        '<p data-historique-etat aria-live="polite">Chargement des versions… Cette page a '
        "besoin de JavaScript ; sans lui, chaque fiche garde un lien vers ses dernières "
        "différences (page sans script).</p>\n"
        "</div>\n")
    # (historique/ is out of the search index: content/theme/main.html.)
    return "# Historique d'une fiche\n" + raw(html_block)


def history_data(ctx: RenderContext) -> dict[str, str]:
    """Output path in the site -> JSON of the entry's versions, one small file per entry.

    Every version the view shows, newest first, with what the view allows: message (or
    « modification »), author (intranet), withdrawal note, and for each file it changed its
    front-matter fields and body as the view shows them (achats.variant: the public view
    has no internal version, field, message or author). The browser rebuilds an entry's
    state at any version from the files changed up to it.
    """
    plans = _plans(ctx)
    if not plans:
        return {}
    ctx.history.prepare_versions(plans)
    root = "../"  # from historique/, where the page that reads the data is
    out = {}
    for entry, commits in plans:
        versions = []
        for group in commits:
            first = group[0]
            files = []
            for version in group:
                doc = ctx.history.version(entry, version)
                item = {"cle": _file_key(entry, version), "nom": _file_label(entry, version)}
                if doc is None:
                    item["absent"] = True  # deleted, or not readable in this view
                else:
                    item.update(doc)
                files.append(item)
            record = {"rev": first.short, "date": first.date.isoformat(),
                      "quand": _when(first), "message": _subject(ctx, first),
                      "fichiers": files}
            if first.author:
                record["auteur"] = first.author
            note = ctx.history.note(first, entry)
            if note:
                record["note"] = note
            versions.append(record)
        data = {"fiche": entry.id, "titre": entry.title,
                "page": root + page_url(uri_of(entry)),
                "sans_script": f"{entry.id.lower()}/", "versions": versions}
        if ctx.settings.get("restaurer"):
            data["restaurer"] = f"achats revert {entry.id} --to"
        out[f"{history_dir(entry)}/{DATA_NAME}"] = json.dumps(
            data, ensure_ascii=False, separators=(",", ":"))
    return out


def _file_key(entry: Entry, version: Version) -> str:
    """The same file across renames: the entry's own file, or a tender's piece by name."""
    name = posixpath.basename(version.path)
    return "fiche" if version.path == entry.rel or not entry.pieces or name == "index.md" \
        else name
