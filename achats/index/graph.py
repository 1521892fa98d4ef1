"""Step 3, index: one in-memory graph of entries, references, backlinks and facets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field as dc_field

from achats.model.load import Entry
from achats.model.schema import COLLECTIONS
from achats.model.schema.vocabularies import Vocabularies

# Front-matter fields that reference other entries, per collection (Field.ref in the schema).
REFERENCE_FIELDS = {c.name: c.reference_fields for c in COLLECTIONS.values()
                    if c.reference_fields}

# Clause facets, from the schema's declarations (Field.facet): (front-matter field,
# vocabulary or None for legal articles, URL segment, label).
FACETS = [(f.name, f.vocabulary, f.facet.segment, f.facet.label)
          for f in COLLECTIONS["clause"].facets]


@dataclass
class Reference:
    source: Entry
    target: Entry
    field: str  # front-matter field or "texte"


@dataclass
class Graph:
    entries: list[Entry]
    vocab: Vocabularies
    by_id: dict[str, Entry] = dc_field(default_factory=dict)
    references: list[Reference] = dc_field(default_factory=list)
    backlinks: dict[str, list[Reference]] = dc_field(default_factory=lambda: defaultdict(list))

    def of(self, collection: str) -> list[Entry]:
        return [e for e in self.entries if e.collection.name == collection]

    def cited_by(self, entry: Entry) -> dict[str, list[Entry]]:
        """Entries citing ``entry``, grouped by collection name, each once, sorted by ID."""
        groups: dict[str, dict[str, Entry]] = defaultdict(dict)
        for ref in self.backlinks.get(entry.id, []):
            if ref.source is not entry:
                groups[ref.source.collection.name][ref.source.id] = ref.source
        return {name: sorted(found.values(), key=lambda e: e.id)
                for name, found in groups.items()}

    def tender_use(self, clause: Entry) -> tuple[list[Entry], list[Entry]]:
        """(tenders using the clause, those of them that were unsuccessful)."""
        tenders = sorted({r.source.id: r.source for r in self.backlinks.get(clause.id, [])
                          if r.source.collection.name == "marche" and r.field == "clauses"}
                         .values(), key=lambda e: e.id)
        failed = [t for t in tenders if t.meta.get("statut") == "infructueux"
                  or (t.meta.get("resultat") or {}).get("issue") == "infructueux"]
        return tenders, failed

    def facet_values(self, field: str, vocab_name: str | None) -> dict[str, list[Entry]]:
        """Facet value -> clauses, for every known value (zero counts kept, in vocabulary order)."""
        known = (self.vocab.vocabularies.get(vocab_name, {}) if vocab_name
                 else self.vocab.articles)
        result: dict[str, list[Entry]] = {key: [] for key in known}
        for clause in self.of("clause"):
            value = clause.meta.get(field)
            for item in value if isinstance(value, list) else [value]:
                if item in result:
                    result[item].append(clause)
        return result


def build_graph(entries: list[Entry], vocab: Vocabularies) -> Graph:
    graph = Graph([e for e in entries if e.id], vocab)
    for entry in graph.entries:
        graph.by_id.setdefault(entry.id, entry)
    for entry in graph.entries:
        for field in REFERENCE_FIELDS.get(entry.collection.name, ()):
            for target in entry.meta.get(field) or []:
                _link(graph, entry, target, field)
        for text in (entry, *entry.pieces):
            for target in text.links.targets():
                _link(graph, entry, target, "texte")
    return graph


def _link(graph: Graph, source: Entry, target_id, field: str) -> None:
    target = graph.by_id.get(target_id) if isinstance(target_id, str) else None
    if target is not None:
        ref = Reference(source, target, field)
        graph.references.append(ref)
        graph.backlinks[target.id].append(ref)


def restrict(graph: Graph, keep) -> Graph:
    """A graph of only the entries ``keep`` accepts (the public variant's view)."""
    return build_graph([e for e in graph.entries if keep(e)], graph.vocab)
