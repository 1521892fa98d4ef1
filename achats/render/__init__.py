"""Step 5, render: graph (+ history) -> generated pages as Markdown strings.

``render_site`` returns every generated page of one variant, keyed by source URI; nothing
here knows about MkDocs, so another generator can reuse it.
"""

from __future__ import annotations

from .catalogue import (apero_archive, clause_catalogue, clause_finder, guide_index,
                        legal_index, report_catalogue, tags_page, tender_memory)
from .chart import chart_page
from .context import RenderContext, piece_uri, uri_of
from .entry import render_entry, render_piece
from .news import atom_feed, news_page
from .path import path_index, path_print, path_section


def render_site(ctx: RenderContext) -> dict[str, str]:
    """Source URI -> Markdown (or XML for the feed) for every generated page."""
    if path_section not in ctx.extra_sections:
        ctx.extra_sections.insert(0, path_section)
    pages: dict[str, str] = {}
    for entry in ctx.graph.entries:
        pages[uri_of(entry)] = render_entry(ctx, entry)
        for piece in entry.pieces:
            pages[piece_uri(entry, piece)] = render_piece(ctx, entry, piece)
    pages.update(clause_catalogue(ctx))
    pages["guides/index.md"] = guide_index(ctx)
    pages["base-legale/index.md"] = legal_index(ctx)
    pages["marches/index.md"] = tender_memory(ctx)
    pages["rapports/index.md"] = report_catalogue(ctx)
    pages["aperos/index.md"] = apero_archive(ctx)
    pages["tags.md"] = tags_page(ctx)
    pages["trouver-une-clause.md"] = clause_finder(ctx)
    pages["parcours/index.md"] = path_index(ctx)
    pages["parcours/imprimer.md"] = path_print(ctx)
    pages["mire/index.md"] = chart_page(ctx)
    pages["nouveautes.md"] = news_page(ctx)
    pages["nouveautes.xml"] = atom_feed(ctx)
    return pages
