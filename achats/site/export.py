"""`achats export`: the site as a plain docs tree that MkDocs without hooks, and Zensical,
both build.

Material for MkDocs reaches its end of life on 5 May 2027; Zensical reads ``mkdocs.yml``
but ignores ``hooks:`` and Python plugins, and MkDocs 2.0 drops plugins. Every generated
page of our site comes from the hooks (achats.site.build). So this module runs the same
pipeline the hooks run (load → validate → index → variant → render, through
``achats.site.build._prepare``) and writes what they would hand MkDocs as files, with the
work they do at page time done once, here:

- hand-written pages: ``[[ID]]`` and relative links to source files resolved
  (``on_page_markdown``);
- generated blocks (``achats.render.html.raw``, opaque comments until ``on_page_content``
  puts them back) written as the HTML they stand for, with the glossary's tooltips and
  through the sanitiser (``clean_generated``);
- the glossary's tooltips in the Markdown text: Markdown's own ``abbr`` definitions, only
  for the abbreviations the page holds (the theme shows them as tooltips, as on our site);
- the sanitiser, defence in depth as in the build: a page whose Markdown would render into
  anything the allow-list removes is written as its cleaned HTML instead (its headings then
  leave the table of contents; `achats check` refuses such content anyway);
- what ``on_post_build`` writes next to the pages (history pages and their version data,
  the tenders' Word/ODT files) written into the docs tree, which both generators copy as
  they are.

Left to post-steps on the built export (``achats export --finir``): the search index
(Pagefind), the path's PDF and, for the public variant, the leak audit of the built site.
Not carried at all: the Content-Security-Policy (its hashes are those of Material's inline
scripts), the web editor (/admin/), the navigation rendered once per folder (a speed-up
only), and ``serve``'s rebuilds on content changes.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import markdown
import yaml

from achats.model.sanitize import (GENERATED_ATTRIBUTES, GENERATED_PREFIXES, GENERATED_TAGS,
                                   clean_generated, html_findings)
from achats.problems import AchatsError
from achats.project import PAGES_DIR, Project
from achats.render.dce_links import dce_enabled
from achats.model.links import change_outside_code
from achats.render.context import page_url
from achats.render.html import unwrap
from achats.site.sitedir import (StopOnSignals, check_site_dir, fresh_folder_beside,
                                 source_folders, swap_in)

EXPORT_MARKER = ".export-achats-durables"
EXPORT_MARKER_TEXT = ("Export écrit par « achats export » (Achats durables). Ce dossier est "
                      "remplacé en entier à chaque export : n'y rangez rien.\n")
DOCS_DIR = "docs"
THEME_DIR = "theme"
CONFIG_FILE = "mkdocs.yml"
SITE_DIR = "site"  # where `mkdocs build` / `zensical build` put the export's site
# Material's stylesheets, copied for the standalone history pages: Zensical's theme has
# stylesheets of its own, under other names.
HISTORY_CSS_DIR = "assets/export"
# Overrides that only make the hooks' build faster (Material's navigation rendered once per
# folder, through globals the hooks add to the theme): the theme's own partials instead.
HOOK_ONLY_TEMPLATES = {"partials/nav.html", "partials/tabs.html",
                       "partials/achats-par-dossier.html"}
_BLOCK = re.compile(r"(?m)^([ \t]*)(.*?)<!--achats-html:([A-Za-z0-9+/=]*)-->")
_FRONT_MATTER = re.compile(r"\A(---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n)", re.S)
_FIRST_TAG = re.compile(r"\s*<([A-Za-z][A-Za-z0-9]*)")


@dataclass
class ExportResult:
    out: Path
    variant: str
    pages: int = 0  # Markdown pages written
    files: int = 0  # every file of the docs tree
    as_html: list[str] = field(default_factory=list)  # pages written as cleaned HTML
    state: object = field(default=None, repr=False)  # the BuildState it was rendered from

    def summary(self) -> str:
        text = (f"export ({self.variant}) écrit dans {self.out} : {self.pages} pages, "
                f"{self.files} fichiers dans {DOCS_DIR}/")
        if self.as_html:
            text += (f" ; {len(self.as_html)} page(s) écrite(s) en HTML nettoyé "
                     f"(contenu que le nettoyage modifie) : {', '.join(self.as_html[:5])}")
        return text


def export_tree(public: bool = False, out: str | Path = "export",
                project: Project | None = None) -> ExportResult:
    """Writes the export into ``out``: a fresh folder beside it, swapped in once complete
    (and, for the public variant, audited); on any failure ``out`` is left as it was."""
    from achats.site import commands

    project = project or Project.find()
    with StopOnSignals():
        config = _load_config(project, public)
        target = check_site_dir(
            out, project.root, source_folders(project, config), marker=EXPORT_MARKER,
            kind="un export écrit par achats export", advice="un export précédent")
        # Also refused: the output folder of the configuration (a build would empty it).
        if target == Path(config.site_dir).resolve():
            raise AchatsError(f"« {out} » est le dossier de sortie de "
                              f"{commands.CONFIG_FILES[public]} : choisissez-en un autre.")
        checked = commands._check_first(project)
        building = fresh_folder_beside(target)
        try:
            result = _write(project, config, checked, building, public)
            if public:
                _audit_tree(building / DOCS_DIR, result.state, target)
            (building / EXPORT_MARKER).write_text(EXPORT_MARKER_TEXT, encoding="utf-8")
            swap_in(building, target)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    result.out = target
    return result


def _load_config(project: Project, public: bool):
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    from achats.site import commands

    options = commands.public_site_url_option() if public else {}
    try:
        config = load_config(str(commands._config_file(project, public)), **options)
    except ConfigurationError as exc:
        raise AchatsError(f"configuration invalide : {exc}") from None
    if public:
        commands.require_public_variant(config)
        commands.refuse_unreal_site_url(config)
    return config


def _rendered(project: Project, config, checked, public: bool):
    """The BuildState of this variant, made as the hooks' on_config makes it (same checks,
    one `git log`, same view and pages: achats.site.build._prepare)."""
    from mkdocs.exceptions import PluginError

    from achats.git.log import start_history
    from achats.site import build

    try:
        variant, diffs = build._check_settings(config)
        build.hand_over_check(config, checked)
        reading = start_history(project.root, public=public)
        try:
            build._prepare(config, project, variant, diffs, reading)
        finally:
            reading.close()
    except PluginError as exc:
        raise AchatsError(str(exc)) from None
    return build.state_of(config)


def _write(project: Project, config, checked, folder: Path, public: bool) -> ExportResult:
    state = _rendered(project, config, checked, public)
    result = ExportResult(folder, state.variant, state=state)
    docs = folder / DOCS_DIR
    converter = markdown.Markdown(extensions=config.markdown_extensions,
                                  extension_configs=config.mdx_configs)
    glossary_terms = dict(state.result.vocab.glossary or {})
    base = site_path(config.site_url)

    def page(uri: str, text: str) -> str:
        result.pages += 1
        written, cleaned = export_page(text, uri, state.glossary, glossary_terms, converter,
                                       base)
        if cleaned:
            result.as_html.append(uri)
        return with_source(written, uri)

    hand_written = Path(config.docs_dir)
    generated = state.pages
    for path in sorted(hand_written.rglob("*")):
        if not path.is_file():
            continue
        uri = path.relative_to(hand_written).as_posix()
        if uri in generated:
            raise AchatsError(f"{hand_written.name}/{uri} : ce fichier porte le nom d'une page "
                              "générée par la base ; renommez-le.")
        target = docs / uri
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            front, body = split_front_matter(text)
            body = state.ctx.resolve_body(body, uri, f"{PAGES_DIR}/{uri}")
            target.write_text(page(uri, front + body), encoding="utf-8")
        else:
            shutil.copy2(path, target)
    for uri, content in generated.items():
        text = content() if callable(content) else content
        target = docs / uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(uri, text) if uri.endswith(".md") else text, encoding="utf-8")
    _write_after_pages(project, config, state, docs)
    _write_theme(config, folder / THEME_DIR)
    (folder / CONFIG_FILE).write_text(export_config(config), encoding="utf-8")
    result.files = sum(1 for p in docs.rglob("*") if p.is_file())
    return result


def site_path(site_url: str | None) -> str:
    """The path of the site's address, « / » at least, ending with « / »."""
    path = urlsplit(site_url or "").path or "/"
    return path if path.endswith("/") else path + "/"


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter with its fences, or "", body)."""
    match = _FRONT_MATTER.match(text)
    return (match.group(1), text[match.end():]) if match else ("", text)


SOURCE_KEY = "achats_source"


def with_source(text: str, uri: str) -> str:
    """The page with its source path in its front matter (``achats_source``): main.html
    reads it under Zensical, whose pages have no ``page.file``."""
    line = f"{SOURCE_KEY}: {json.dumps(uri)}\n"
    front, body = split_front_matter(text)
    if front:
        return front[:front.index("\n") + 1] + line + front[front.index("\n") + 1:] + body
    return f"---\n{line}---\n{body}"


def export_page(text: str, uri: str, glossary, terms: dict, converter: markdown.Markdown,
                base: str = "/") -> tuple[str, bool]:
    """The page ``uri``'s Markdown as the export writes it, and whether it had to be written
    as cleaned HTML (its Markdown renders into something the sanitiser removes).

    ``glossary`` is the build's (achats.render.glossary.Glossary), ``terms`` its definitions,
    ``converter`` Python-Markdown with the configuration's extensions, ``base`` the path of
    the site's address (site_url), for the links of raw HTML (see absolute_links).
    """
    front, body = split_front_matter(text)
    converter.reset()
    bare = converter.convert(_BLOCK.sub(lambda m: m.group(1) + m.group(2), body))
    if _removed(bare):
        # What the build's on_page_content would make of it, pre-rendered.
        converter.reset()
        page_html = clean_generated(glossary.apply(unwrap(converter.convert(body))))
        page_html = absolute_links(page_html, uri, base)
        return f'{front}<div class="achats-export">\n{page_html}\n</div>\n', True
    body = change_outside_code(body, lambda part: absolute_links(part, uri, base))
    body = _BLOCK.sub(lambda m: _block(m, glossary, uri, base), body)
    return front + body + _abbreviations(bare, terms), False


_LINK_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def absolute_links(fragment: str, uri: str, base: str) -> str:
    """Relative links of raw HTML made absolute paths (``base`` + the page they point to).

    MkDocs leaves raw HTML as written, so our renderers write its links relative to the
    page's URL (``../../guides/x/`` from ``/aperos/ap-001/``); Zensical rewrites them as if
    relative to the source file (one ``../`` more from a page that is not an index). An
    absolute path reads the same in both. Markdown links (``[x](../a.md)``) are not raw
    HTML: both generators resolve them alike, they stay relative.
    """
    if "=" not in fragment:
        return fragment
    page = "http://site" + base + page_url(uri)

    def absolute(match: re.Match) -> str:
        value = match.group(2)
        if not value or value.startswith(("#", "/")) or _SCHEME.match(value):
            return match.group(0)
        parts = urlsplit(urljoin(page, html.unescape(value)))
        target = parts.path + (f"?{parts.query}" if parts.query else "") + (
            f"#{parts.fragment}" if parts.fragment else "")
        return match.group(1) + html.escape(target, quote=True) + match.group(3)

    return _LINK_ATTRIBUTE.sub(absolute, fragment)


# The HTML parser of html_findings reads attribute names in lower case (SVG's viewBox).
_GENERATED_ATTRIBUTES = {tag: names | {n.lower() for n in names}
                         for tag, names in GENERATED_ATTRIBUTES.items()}


def _removed(page_html: str) -> list:
    """What clean_generated would remove from ``page_html`` (our renderers write some HTML
    into the Markdown: search filters, the chart's SVG), data-* attributes being allowed."""
    return [f for f in html_findings(page_html, GENERATED_TAGS, _GENERATED_ATTRIBUTES)
            if not (len(f.needles) == 1
                    and any(f.needles[0].startswith(p) for p in GENERATED_PREFIXES))]


def _block(match: re.Match, glossary, uri: str, base: str) -> str:
    """A generated block as clean HTML that Markdown passes through untouched: it starts a
    line with a block-level element (a <div> is added around anything else), and its
    further lines keep the indentation of the first (a block inside a list or a note)."""
    import base64

    indent, before = match.group(1), match.group(2)
    fragment = absolute_links(clean_generated(glossary.apply(
        base64.b64decode(match.group(3)).decode("utf-8"))), uri, base)
    first = _FIRST_TAG.match(fragment)
    if first is None or not markdown.util.BLOCK_LEVEL_ELEMENTS.__contains__(first.group(1).lower()):
        fragment = f"<div>{fragment}</div>"
    if before.strip():  # inside a line (never done by the renderers today): left inline
        return indent + before + fragment
    return indent + fragment.replace("\n", "\n" + indent)


_WORD = r"(?<![\w]){}(?![\w])"


def _abbreviations(page_html: str, terms: dict) -> str:
    """Markdown ``abbr`` definitions for the glossary terms found in the page's text."""
    found = [(term, " ".join(str(text).split())) for term, text in sorted(terms.items())
             if term and text and "]" not in term
             and re.search(_WORD.format(re.escape(term)), page_html)]
    if not found:
        return ""
    return "\n\n" + "\n".join(f"*[{term}]: {text}" for term, text in found) + "\n"


def _write_after_pages(project: Project, config, state, docs: Path) -> None:
    """What on_post_build writes next to the pages, written into the docs tree."""
    from achats.site.build import history_files
    from achats.tender.dce import write_site_documents

    css = [f"{HISTORY_CSS_DIR}/{path.name}" for path in _material_stylesheets()]
    (docs / HISTORY_CSS_DIR).mkdir(parents=True, exist_ok=True)
    for path in _material_stylesheets():
        shutil.copy2(path, docs / HISTORY_CSS_DIR / path.name)
    for rel, text in history_files(config, state, css).items():
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if dce_enabled(state.ctx):
        write_site_documents(state.project, state.graph, docs)


def _material_stylesheets() -> list[Path]:
    """Material's main and palette stylesheets (the history pages use them)."""
    import material

    folder = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    return sorted([*folder.glob("main.*.min.css"), *folder.glob("palette.*.min.css")])


# main.html's two uses of what the hooks add to the theme: the Content-Security-Policy
# (hashes of Material's inline scripts; none for Zensical's) and the plain-text filter
# (two striptags give the same plain text: the second removes what the first decoded).
_THEME_CHANGES = [
    (re.compile(r'[ \t]*\{#- First in <head>.*?-#\}\n[ \t]*<meta http-equiv="Content-Security'
                r'-Policy"[^\n]*\n', re.S), ""),
    (re.compile(r"\| texte_brut \|"), "| striptags |"),
]


def _write_theme(config, folder: Path) -> None:
    """The theme overrides (content/theme), without what only the hooks provide."""
    source = Path(config.theme.custom_dir) if config.theme.custom_dir else None
    if source is None or not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source).as_posix()
        if not path.is_file() or rel in HOOK_ONLY_TEMPLATES:
            continue
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == "main.html":
            text = path.read_text(encoding="utf-8")
            for pattern, replacement in _THEME_CHANGES:
                text, count = pattern.subn(replacement, text)
                if count == 0:
                    raise AchatsError(f"{path} : gabarit modifié, l'export ne sait plus "
                                      f"l'adapter ({pattern.pattern[:40]}…).")
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copy2(path, target)


def export_config(config) -> str:
    """The export's mkdocs.yml: the project's (inherited settings merged), without hooks,
    with the export's folders; the variant's site_url as given."""
    from mkdocs.utils.yaml import yaml_load

    with open(config.config_file_path, "rb") as handle:
        data = yaml_load(handle)
    data.pop("hooks", None)
    data.pop("INHERIT", None)
    data["site_url"] = config.site_url or data.get("site_url")
    data["docs_dir"] = DOCS_DIR
    data["site_dir"] = SITE_DIR
    theme = dict(data.get("theme") or {})
    if theme.get("custom_dir"):
        theme["custom_dir"] = THEME_DIR
    data["theme"] = theme
    data["plugins"] = []
    header = ("# Écrit par « achats export » : le site « Achats durables » sans hooks, que\n"
              "# « mkdocs build » et « zensical build » construisent. Ne pas modifier à la\n"
              "# main : relancer achats export (README, « Après Material for MkDocs »).\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _audit_tree(docs: Path, state, target: Path) -> None:
    """The public export's docs tree, audited like the public site (achats.site.audit); a
    refused tree is moved beside the export's folder (``<out>.refuse``) for examination."""
    from achats.site.audit import audit_public_site

    state.site_target = target
    audit_public_site(docs, state)


def finish_site(site: str | Path, public: bool = False,
                project: Project | None = None) -> list[str]:
    """The post-steps of a site built from an export (by MkDocs or Zensical): the path's PDF
    and the search index as ``extra.pdf`` and ``extra.recherche`` ask, then, for the public
    variant, the leak audit of the whole built site. Lines to print, in French."""
    from achats.site import commands
    from achats.site.audit import audit_public_site
    from achats.site.pdf import write_path_pdf
    from achats.site.search import index_site

    project = project or Project.find()
    site = Path(site).resolve()
    if not (site / "index.html").is_file():
        raise AchatsError(f"{site} n'est pas un site construit (index.html absent) : "
                          "construisez d'abord l'export (mkdocs build ou zensical build).")
    config = _load_config(project, public)
    state = _rendered(project, config, commands._check_first(project), public)
    variant = state.variant
    done = []
    if state.ctx.pdf:
        write_path_pdf(site, state.graph, site_url=config.site_url or "",
                       site_name=config.site_name, variant=variant, history=state.history)
        done.append("PDF du parcours écrit.")
    if (config.extra or {}).get("recherche", True):
        stats = index_site(site, variant)
        done.append(f"Recherche : {stats.summary()}.")
    if public:
        state.site_target = site
        audit_public_site(site, state)
        done.append("Audit de la variante publique : aucune fuite.")
    return done or ["Rien à faire (extra.pdf et extra.recherche sont à false)."]


# Pages of `achats build` that a site built from the export does not have, and why.
NOT_EXPORTED = {
    "admin/": "éditeur web de l'intranet (Decap CMS) : écrit par achats build seulement",
}


def site_pages(site: Path) -> set[str]:
    """The HTML pages of a built site, the theme's files (assets/) aside."""
    site = Path(site)
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")
            if not p.relative_to(site).as_posix().startswith("assets/")}


def compare_pages(ours: Path, exported: Path) -> tuple[list[str], list[str]]:
    """(explained, unexplained) differences between the pages of our build and those of a
    build of the export, one French line each."""
    explained, unexplained = [], []
    mine, theirs = site_pages(ours), site_pages(exported)
    for rel in sorted(mine - theirs):
        why = next((text for prefix, text in NOT_EXPORTED.items() if rel.startswith(prefix)),
                   None)
        (explained if why else unexplained).append(
            f"{rel} : absente de l'export" + (f" ({why})" if why else ""))
    unexplained += [f"{rel} : seulement dans l'export" for rel in sorted(theirs - mine)]
    return explained, unexplained


def report_comparison(ours: Path, exported: Path) -> int:
    """Prints the comparison of the two sites' pages (French); 1 on any unexplained one."""
    explained, unexplained = compare_pages(ours, exported)
    print(f"{len(site_pages(ours))} pages construites par achats, "
          f"{len(site_pages(exported))} construites depuis l'export.")
    for line in explained:
        print(f"  attendu : {line}")
    for line in unexplained:
        print(f"  INATTENDU : {line}")
    if unexplained:
        print(f"{len(unexplained)} différence(s) inattendue(s).")
        return 1
    print("Mêmes pages, aux différences attendues près.")
    return 0


if __name__ == "__main__":  # scripts/export-zensical.sh
    import sys

    if len(sys.argv) != 3:
        print("usage : python -m achats.site.export SITE_ACHATS SITE_EXPORT", file=sys.stderr)
        sys.exit(2)
    sys.exit(report_comparison(Path(sys.argv[1]), Path(sys.argv[2])))
