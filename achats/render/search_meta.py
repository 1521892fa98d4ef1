"""What the search index learns about an entry page besides its text.

Pagefind reads ``data-pagefind-meta`` (shown with each result) and ``data-pagefind-filter``
(facets) attributes from the built HTML. Entry pages end with a hidden block of empty
elements carrying them, with inline values (``clé:valeur``), so nothing is shown or indexed
twice. Values are the French labels a reader sees; legal articles are their own label.
"""

from __future__ import annotations

import html

from achats.model.load import Entry
from achats.model.sanitize import plain_text
from achats.model.schema import COLLECTIONS
from achats.render.context import RenderContext

# Meta keys shown in results (Pagefind UI capitalises them: « Fiche : Clause »).
META_KIND = "fiche"
META_ID = "identifiant"

# Filter key -> (front-matter field, vocabulary or None when the value is its own label):
# the clause facets the schema declares as search filters (Facet.search).
CLAUSE_FILTERS = {f.facet.search: (f.name, f.vocabulary)
                  for f in COLLECTIONS["clause"].facets if f.facet.search}
KIND_FILTER = "fiche"  # on every entry page: clause, chapter, tender, report, apéro-défi


def kind_label_of(collection: str) -> str:
    """« Clause », « Chapitre du guide »…: the kind of entry as shown and filtered on."""
    label = COLLECTIONS[collection].label
    return label[:1].upper() + label[1:]


def kind_label(entry: Entry) -> str:
    return kind_label_of(entry.collection.name)


def filter_values(ctx: RenderContext, entry: Entry) -> dict[str, list[str]]:
    """Filter key -> labels for one entry (the kind for all, the facets for clauses)."""
    values = {KIND_FILTER: [kind_label(entry)]}
    if entry.collection.name == "clause":
        for key, (field, vocab) in CLAUSE_FILTERS.items():
            raw = entry.meta.get(field)
            items = raw if isinstance(raw, list) else ([raw] if raw is not None else [])
            labels = [ctx.label(vocab, item) if vocab else str(item) for item in items]
            if labels:
                values[key] = labels
    return values


def _attribute(kind: str, key: str, value: str) -> str:
    # Inline syntax « key:value »: Pagefind takes everything after the first colon, so a
    # value may hold colons or commas; it is alone in its attribute.
    # Plain text: Pagefind UI shows the value as it is in the index.
    value = plain_text(value)
    return f'<span data-pagefind-{kind}="{html.escape(f"{key}:{value}", quote=True)}"></span>'


def search_block(ctx: RenderContext, entry: Entry) -> str:
    """The hidden HTML block appended to an entry page's Markdown (empty without an ID)."""
    if not entry.id:
        return ""
    parts = [_attribute("meta", META_KIND, kind_label(entry)),
             _attribute("meta", META_ID, entry.id)]
    for key, labels in filter_values(ctx, entry).items():
        parts += [_attribute("filter", key, label) for label in labels]
    return '<div class="achats-recherche-meta" hidden>' + "".join(parts) + "</div>\n"
