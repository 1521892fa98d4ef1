"""Generated index pages: catalogues, facets, legal-basis index, archives, tags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from achats.index.graph import FACETS
from achats.model.load import Entry
from achats.model.scaffold import slugify
from achats.render.context import RenderContext, esc, href, rel, uri_of
from achats.render.entry import facet_uri
from achats.render.html import html_list, html_table, raw
from achats.render.search_meta import CLAUSE_FILTERS, kind_label_of


def _clause_table(ctx: RenderContext, uri: str, clauses: list[Entry]) -> str:
    if not clauses:
        return "<p><em>Aucune clause.</em></p>\n"
    rows = []
    for c in sorted(clauses, key=lambda e: e.id):
        pillars = ", ".join(ctx.label("piliers", p) for p in c.meta.get("piliers") or [])
        rows.append([f"<code>{esc(c.id)}</code>", ctx.a(uri, c),
                     esc(ctx.label("types_clause", c.meta.get("type"))), esc(pillars),
                     esc(ctx.label("statuts_clause", c.meta.get("statut")))])
    return html_table(["ID", "Clause", "Type", "Piliers", "Statut"], rows)


def clause_catalogue(ctx: RenderContext) -> dict[str, str]:
    """The catalogue, one page per facet value, and one index page per facet."""
    pages: dict[str, str] = {}
    clauses = ctx.graph.of("clause")
    uri = "clauses/index.md"
    out = ["# Clauses et critères\n",
           f"La bibliothèque compte **{len(clauses)} clauses**. Filtrez-les avec "
           f"[Trouver une clause]({rel(uri, 'trouver-une-clause.md')}) ou parcourez-les par "
           "facette.\n"]
    facets: list[str] = []
    for field, vocab_name, segment, label in FACETS:
        values = ctx.graph.facet_values(field, vocab_name)
        facet_index = f"clauses/{segment}/index.md"
        links = []
        for value, matching in values.items():
            if not matching and vocab_name is None:
                continue  # articles never used: listed on the legal-basis index instead
            name = ctx.label(vocab_name, value) if vocab_name else value
            links.append(f'<a href="{href(uri, facet_uri(segment, value))}">{esc(name)}</a> '
                         f"({len(matching)})")
            pages[facet_uri(segment, value)] = (
                f"# {esc(label)} : {esc(name)}\n\n"
                f"{len(matching)} clause{'s' if len(matching) > 1 else ''}. "
                f"[Toutes les clauses]({rel(facet_uri(segment, value), uri)}) · "
                f"[Toutes les valeurs]({rel(facet_uri(segment, value), facet_index)})\n\n"
                + _clause_table(ctx, facet_uri(segment, value), matching))
        facets.append(f"<p><strong>{esc(label)}</strong> : " + " · ".join(links) + "</p>")
        pages[facet_index] = (
            f"# Clauses par {esc(label.lower())}\n\n" + html_list(
                f'<a href="{href(facet_index, facet_uri(segment, v))}">'
                f"{esc(ctx.label(vocab_name, v) if vocab_name else v)}</a> : {len(m)}"
                for v, m in values.items() if m or vocab_name))
    out.append(raw("".join(facets)))
    out.append("## Toutes les clauses\n")
    out.append(_clause_table(ctx, uri, clauses))
    pages[uri] = "\n".join(out)
    return pages


NATURE_LABELS = {"obligation": "Obligation", "faculte": "Faculté", "definition": "Définition",
                 "procedure": "Règle de procédure"}


def _date_fr(value) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value or "")


OBJET_LABELS = {"fournitures_services": "fournitures et services", "travaux": "travaux",
                "tous": "tous"}


def _article_links(ctx: RenderContext, articles: list) -> str:
    return ", ".join(f'<a href="#{esc(a.lower())}">{esc(a)}</a>' if a in ctx.vocab.articles
                     else esc(a) for a in articles)


def _calendar_tables(ctx: RenderContext, uri: str) -> list[str]:
    """Thresholds and dated obligations of content/data/seuils.yml, as two tables."""
    calendar = ctx.vocab.calendar
    if not calendar.thresholds and not calendar.obligations:
        return []
    out = ["## Seuils et obligations datées\n",
           "Repris de `content/data/seuils.yml`, qui sert aussi aux vérifications des marchés. "
           "Montants hors taxes.\n"]
    rows = []
    for t in sorted(calendar.thresholds, key=lambda t: (t.id, t.du)):
        period = f"du {_date_fr(t.du)}" + (f" au {_date_fr(t.au)}" if t.au else " (sans terme)")
        amount = f"{t.montant_ht:,}".replace(",", "\u202f") + " €"
        rows.append([esc(t.libelle), esc(OBJET_LABELS.get(t.objet, t.objet)), amount,
                     esc(period), _article_links(ctx, t.articles)])
    out.append(html_table(["Seuil", "Objet", "Montant", "Période", "Texte"], rows))
    rows = []
    for ob in sorted(calendar.obligations, key=lambda o: (o.depuis, o.id)):
        scope = esc(OBJET_LABELS.get(ob.objet, ob.objet))
        if ob.seuil:
            scope += f", à partir du seuil « {esc(ob.seuil)} »"
        if ob.exclusions:
            scope += f" ; hors : {esc(ob.exclusions)}"
        rows.append([esc(ob.libelle), esc(_date_fr(ob.depuis)), esc(ob.exige), scope,
                     _article_links(ctx, ob.articles)])
    out.append(html_table(["Obligation", "Depuis", "Ce qu'elle exige", "Marchés concernés",
                           "Texte"], rows))
    return out


def legal_index(ctx: RenderContext) -> str:
    uri = "base-legale/index.md"
    values = ctx.graph.facet_values("base_legale", None)
    out = ["# Base légale\n",
           "Les textes sur lesquels reposent les clauses — Code de la commande publique tel "
           "qu'en vigueur en novembre 2026, puis les autres codes et lois — ce qu'ils imposent "
           "ou permettent, la version lue, et les clauses qui s'en servent. Ce qui n'a pas pu "
           "être vérifié sur une source sûre est signalé « à confirmer ».\n"]
    out.extend(_calendar_tables(ctx, uri))
    out.append("## Les articles\n")
    for article, info in ctx.vocab.articles.items():
        clauses = sorted(values.get(article, []), key=lambda e: e.id)
        out.append(f"### {esc(article)} — {esc(info.get('titre', ''))} {{ #{article.lower()} }}\n")
        nature = NATURE_LABELS.get(info.get("nature"), "")
        out.append(f"**{esc(nature)}** · {esc(info.get('texte', ''))} · version du "
                   f"{esc(_date_fr(info.get('version')))}\n" if nature else "")
        out.append(esc(info.get("regle", "")).strip() + "\n")
        applicable = info.get("applicable")
        if isinstance(applicable, dict):
            out.append(f"**Applicable depuis le {esc(_date_fr(applicable.get('depuis')))}** : "
                       f"{esc(str(applicable.get('portee', '')).strip())}\n")
        if info.get("legifrance"):
            out.append(f"_Référence : {esc(info['legifrance'])}._\n")
        if info.get("ancien_cmp"):
            out.append(f"_Ancienne référence : {esc(info['ancien_cmp'])}._\n")
        if info.get("a_confirmer"):
            out.append(f"**À confirmer** : {esc(str(info['a_confirmer']).strip())}\n")
        if clauses:
            out.append(raw(f"<p><strong>{len(clauses)} clause{'s' if len(clauses) > 1 else ''}"
                           "</strong> : " + ", ".join(ctx.a(uri, c) for c in clauses) + "</p>"))
        else:
            out.append("Aucune clause de la bibliothèque ne s'appuie encore sur cet article.\n")
    return "\n".join(out)


def _opening(title: str, intro: str) -> list[str]:
    """A catalogue page's first lines: its title, then what it holds."""
    return [f"# {title}\n", f"{intro}\n"]


def guide_index(ctx: RenderContext) -> str:
    uri = "guides/index.md"
    chapters = ctx.graph.of("guide")
    out = _opening("Guide des achats durables",
                   "Les chapitres sont rangés selon les étapes du processus d'achat. Pour une "
                   f"première lecture, suivez le [parcours nouveaux arrivants]"
                   f"({rel(uri, 'parcours/index.md')}).")
    for step, label in ctx.vocab.vocabularies.get("etapes", {}).items():
        here = sorted((c for c in chapters if c.meta.get("etape") == step),
                      key=lambda c: (c.meta.get("ordre") or 0, c.id))
        if not here:
            continue
        out.append(f"## {esc(label)}\n")
        out.append(html_list(
            ctx.a(uri, c) + (f" — {esc(c.meta['resume'])}" if c.meta.get("resume") else "")
            for c in here))
    return "\n".join(out)


def tender_memory(ctx: RenderContext) -> str:
    uri = "marches/index.md"
    tenders = ctx.graph.of("marche")
    out = _opening("Mémoire des marchés",
                   "Les marchés écrits dans le wiki-marché : procédure, montant, clauses "
                   "utilisées et résultat.")
    if not tenders:
        out.append("_Aucun marché._\n")
        return "\n".join(out)
    rows = []
    for t in sorted(tenders, key=lambda e: e.id):
        amount = t.meta.get("montant_estime")
        amount_text = f"{amount:,.0f} €".replace(",", " ") if isinstance(amount, (int, float)) \
            else "—"
        used = [ctx.a_id(uri, i, i) for i in t.meta.get("clauses") or []]
        result = t.meta.get("resultat") or {}
        issue = ctx.label("issues_marche", result.get("issue")) if result.get("issue") else "—"
        rows.append([f"<code>{esc(t.id)}</code>", ctx.a(uri, t),
                     esc(ctx.label("procedures", t.meta.get("procedure"))), amount_text,
                     ", ".join(used) or "—",
                     esc(ctx.label("statuts_marche", t.meta.get("statut"))), esc(issue)])
    out.append(html_table(["ID", "Marché", "Procédure", "Montant estimé", "Clauses", "Statut",
                       "Issue"], rows))
    return "\n".join(out)


def report_catalogue(ctx: RenderContext) -> str:
    uri = "rapports/index.md"
    reports = sorted(ctx.graph.of("rapport"), key=lambda e: e.id)
    out = _opening("Rapports d'étonnement",
                   "Ce que les agents ont retenu de leurs visites chez des fournisseurs "
                   "(micro-voyages d'étude).")
    if not reports:
        out.append("_Aucun rapport publié._\n")
    items = []
    for r in reports:
        date = r.meta.get("date")
        when = date.strftime("%d/%m/%Y") if isinstance(date, dt.date) else "date inconnue"
        items.append(f"{ctx.a(uri, r)} — {esc(r.meta.get('lieu') or 'lieu non précisé')}, "
                     f"{when}")
    if items:
        out.append(html_list(items))
    return "\n".join(out)


def apero_archive(ctx: RenderContext) -> str:
    uri = "aperos/index.md"
    editions = sorted(ctx.graph.of("apero"), key=lambda e: (str(e.meta.get("date")), e.id))
    out = ["# Apéros-défis\n",
           "Un défi, des intervenants de la Région et d'ailleurs, six diapositives en six "
           "minutes, des questions de la salle.\n", "## Par année\n"]
    by_year: dict[str, list[Entry]] = defaultdict(list)
    for e in editions:
        date = e.meta.get("date")
        by_year[str(date.year) if isinstance(date, dt.date) else "Année inconnue"].append(e)
    for year in sorted(by_year, reverse=True):
        out.append(f"### {year}\n")
        out.append(html_list(f"{ctx.a(uri, e)} (n° {esc(e.meta.get('numero'))})"
                             for e in by_year[year]))
    out.append("## Par défi\n")
    by_challenge: dict[str, list[Entry]] = defaultdict(list)
    for e in editions:
        by_challenge[str(e.meta.get("defi") or "Défi non précisé")].append(e)
    out.append(html_list(
        f"{esc(challenge)} : " + ", ".join(ctx.a(uri, e) for e in by_challenge[challenge])
        for challenge in sorted(by_challenge)))
    return "\n".join(out)


def tags_page(ctx: RenderContext) -> str:
    uri = "tags.md"
    by_tag: dict[str, list[Entry]] = defaultdict(list)
    for e in ctx.graph.entries:
        for tag in e.meta.get("tags") or []:
            if isinstance(tag, str):
                by_tag[tag].append(e)
    out = ["# Mots-clés\n"]
    for tag in sorted(by_tag, key=str.lower):
        out.append(f"## {esc(tag)} {{ #{slugify(tag)} }}\n")
        out.append(html_list(ctx.a(uri, e) for e in sorted(by_tag[tag], key=lambda e: e.id)))
    if not by_tag:
        out.append("_Aucun mot-clé._\n")
    return "\n".join(out)


FINDER_FIELDS = [("piliers", "piliers", "Pilier"), ("type", "types_clause", "Type"),
                 ("familles", "familles", "Famille d'achat"),
                 ("categories", "categories_achat", "Catégorie d'achat"),
                 ("base_legale", None, "Article"), ("procedures", "procedures", "Procédure"),
                 ("statut", "statuts_clause", "Statut")]


def clause_finder(ctx: RenderContext) -> str:
    """A filterable clause list, with full-text search when the site's search index is there.

    Without JavaScript the page is the full list. The filters run in the browser (see
    assets/achats.js) on the list's data attributes, so they work even from file://; the text
    field searches the clauses' full text through Pagefind's filters when the index can be
    loaded, and only their titles and IDs otherwise.
    """
    uri = "trouver-une-clause.md"
    clauses = sorted(ctx.graph.of("clause"), key=lambda e: e.id)
    pagefind_key = {field: key for key, (field, _vocab) in CLAUSE_FILTERS.items()}
    out = ["# Trouver une clause\n",
           "Tapez des mots du texte et choisissez un ou plusieurs filtres : la liste se réduit "
           "aux clauses qui correspondent à tous.\n",
           f'<form class="achats-filtres" data-filtres="clauses" role="search" '
           f'aria-label="Filtrer les clauses" data-racine="{esc(href(uri, "index.md"))}" '
           f'data-fiche="{esc(kind_label_of("clause"))}">',
           '<label class="achats-filtres__texte">Mots du texte <input type="search" '
           'name="texte" data-texte autocomplete="off" placeholder="ex. insertion, énergie…">'
           '</label>']
    for field, vocab_name, label in FINDER_FIELDS:
        values = ctx.graph.facet_values(field, vocab_name)
        options = "".join(
            f'<option value="{esc(v)}" data-libelle="{esc(name)}">{esc(name)} ({len(m)})</option>'
            for v, m in values.items() if m
            for name in [ctx.label(vocab_name, v) if vocab_name else v])
        out.append(f'<label>{esc(label)} <select name="{field}" data-filtre="{field}" '
                   f'data-pagefind-filtre="{pagefind_key.get(field, field)}">'
                   f'<option value="">Tous</option>{options}</select></label>')
    out.append("</form>\n")
    out.append('<p class="achats-compteur" aria-live="polite" data-compteur="clauses">'
               f"{len(clauses)} clauses</p>\n")
    out.append('<ol class="achats-resultats-texte" data-resultats-texte="clauses" hidden></ol>')
    out.append('<ul class="achats-resultats" data-resultats="clauses">')
    for c in clauses:
        attrs = []
        for field, _vocab, _label in FINDER_FIELDS:
            value = c.meta.get(field)
            values = value if isinstance(value, list) else [value]
            attrs.append(f'data-{field}="{esc(" ".join(str(v) for v in values if v))}"')
        out.append(f'<li {" ".join(attrs)}><a href="{href(uri, uri_of(c))}"><code>{c.id}</code> '
                   f"{esc(c.title)}</a> — {esc(ctx.label('types_clause', c.meta.get('type')))}</li>")
    out.append("</ul>\n")
    # Below both lists (the ranked one and the full one): it adds results at their end.
    out.append('<p><button type="button" class="md-button" data-plus="clauses" hidden>'
               "Afficher plus de résultats</button></p>\n")
    # Everything after the title and the introduction is ready HTML: one opaque block.
    return "\n".join(out[:2]) + raw("\n".join(out[2:]))
