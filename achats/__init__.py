"""Achats durables: the knowledge base of a Region's sustainable public purchasing.

The package follows one direction of data flow (see README):
load (files -> entries) -> validate (entries -> problems) -> graph (IDs, references,
backlinks, facets) -> history (one git log) -> render (generated pages as strings).
Only ``achats.site`` knows about MkDocs; the CLI and the hooks are thin layers on top.
"""

__version__ = "0.1.0"
