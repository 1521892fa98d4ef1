"""The new-arrivals path: an ordered walk through guide chapters, declared in data."""

from __future__ import annotations

from .context import RenderContext, esc, rel, uri_of


def path_steps(ctx: RenderContext) -> list:
    steps = ctx.vocab.path.get("etapes") or []
    return [ctx.graph.by_id[s] for s in steps if isinstance(s, str) and s in ctx.graph.by_id]


def path_index(ctx: RenderContext) -> str:
    uri = "parcours/index.md"
    steps = path_steps(ctx)
    out = [f"# {esc(ctx.vocab.path.get('titre', 'Parcours nouveaux arrivants'))}\n"]
    if ctx.vocab.path.get("introduction"):
        out.append(esc(ctx.vocab.path["introduction"]).strip() + "\n")
    if not steps:
        out.append("_Le parcours est vide (content/data/parcours.yml)._\n")
        return "\n".join(out)
    out.append(f"[Commencer le parcours]({rel(uri, uri_of(steps[0]))}){{ .md-button "
               f".md-button--primary }} [Version imprimable]({rel(uri, 'parcours/imprimer.md')})"
               "{ .md-button }\n")
    out.append("\n".join(f"{i}. {ctx.link(uri, e)}" for i, e in enumerate(steps, 1)) + "\n")
    return "\n".join(out)


def path_section(ctx: RenderContext, entry, uri: str) -> str:
    """Previous / next and the position ("3 / 9") on each page of the path."""
    steps = path_steps(ctx)
    if entry not in steps:
        return ""
    i = steps.index(entry)
    parts = [f'<nav class="achats-parcours" aria-label="Parcours nouveaux arrivants" markdown>\n',
             f"**[Parcours nouveaux arrivants]({rel(uri, 'parcours/index.md')})** — étape "
             f'<span class="achats-parcours-position">{i + 1} / {len(steps)}</span>\n']
    if i > 0:
        parts.append(f"[← Précédent : {esc(steps[i - 1].title)}]({rel(uri, uri_of(steps[i - 1]))})"
                     "{ .achats-precedent }")
    if i + 1 < len(steps):
        parts.append(f"[Suivant : {esc(steps[i + 1].title)} →]({rel(uri, uri_of(steps[i + 1]))})"
                     "{ .achats-suivant }")
    parts.append("\n</nav>\n")
    return "\n".join(parts)


def path_print(ctx: RenderContext) -> str:
    """Every chapter of the path on one page, for printing (headings shifted one level)."""
    uri = "parcours/imprimer.md"
    steps = path_steps(ctx)
    out = [f"# {esc(ctx.vocab.path.get('titre', 'Parcours nouveaux arrivants'))} — version "
           "imprimable\n",
           '<div class="achats-sommaire" markdown>\n\n## Sommaire\n']
    out.append("\n".join(f"{i}. [{esc(e.title)}](#{e.id.lower()})"
                         for i, e in enumerate(steps, 1)) + "\n\n</div>\n")
    for i, e in enumerate(steps, 1):
        body = ctx.resolve_body(e.body, uri).strip()
        body = "\n".join("#" + line if line.startswith("#") else line for line in body.split("\n"))
        out.append(f'## {i}. {esc(e.title)} {{ #{e.id.lower()} .achats-chapitre }}\n\n{body}\n')
    return "\n".join(out)
