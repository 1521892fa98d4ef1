"""The statuses' life cycle, declared in ``content/data/statuts.yml`` (schema in data.py).

For clauses and tenders: from each status, the statuses a merge request may move an entry
to (achats review-check), and for tenders the statuses of a published tender (public by
default, never deleted, pieces frozen: achats.model.schema.collections, review checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from pathlib import Path

from achats.model import yamlsource
from achats.problems import ProblemList

STATUSES_FILE = "statuts.yml"  # in content/data


@dataclass(frozen=True)
class Workflow:
    # collection name -> {status: statuses it may move to}
    transitions: dict = dc_field(default_factory=dict)
    # statuses of a published tender; empty (no tender public by its status) when the file
    # is missing or unreadable, which `achats check` reports
    published_tender: frozenset = frozenset()


NO_WORKFLOW = Workflow()


def workflow_of(value, lines: dict, rel: str, problems: ProblemList) -> Workflow:
    """The life cycle of a parsed statuts.yml, already checked against its schema: only its
    well-formed items are kept. A status given twice as « de » is a problem."""
    if not isinstance(value, dict):
        return NO_WORKFLOW
    transitions: dict[str, dict[str, frozenset]] = {}
    for collection, cycle in value.items():
        items = cycle.get("transitions") if isinstance(cycle, dict) else None
        moves: dict[str, frozenset] = {}
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            start, targets = item.get("de"), item.get("vers")
            if not isinstance(start, str) or not isinstance(targets, list):
                continue
            if start in moves:
                field = f"{collection}.transitions[{index}].de"
                problems.add(rel, yamlsource.line_of(lines, field, default=1), field,
                             f"statut « {start} » déjà décrit plus haut : réunissez ses "
                             "passages (vers) en une seule entrée.")
                continue
            moves[start] = frozenset(t for t in targets if isinstance(t, str))
        transitions[str(collection)] = moves
    tenders = value.get("marche")
    published = tenders.get("publies") if isinstance(tenders, dict) else None
    return Workflow(transitions, frozenset(s for s in published or [] if isinstance(s, str))
                    if isinstance(published, list) else frozenset())


def read_workflow(data_dir: Path) -> Workflow:
    """The project's life cycle, read quietly (what is wrong with the file, `achats check`
    says: load_vocabularies): for the loader, which decides default visibility."""
    from achats.model.schema.data import DATA_FILES
    from achats.model.schema.vocabularies import check_data_file, read_data_file

    found = ProblemList()
    value, lines = read_data_file(data_dir / STATUSES_FILE, STATUSES_FILE, found)
    if found or value is None:
        return NO_WORKFLOW
    check_data_file(DATA_FILES[STATUSES_FILE], value, lines, STATUSES_FILE, found, [])
    return workflow_of(value, lines, STATUSES_FILE, found)
