"""Achats durables: the knowledge base of a Region's sustainable public purchasing.

The sub-packages are the stages of one direction of data flow (README « Organisation du
dépôt »), and a module imports only from its own stage or an earlier one
(tests/test_architecture.py): model (files -> entries -> problems) -> git (one git log ->
versions) -> index (IDs, references, backlinks, facets) -> review -> variant (what each
variant shows) -> tender -> render (generated pages as strings) -> site (the only code that
knows MkDocs, and the steps after a build) -> cli. ``problems`` and ``project`` are the
foundation every stage uses.
"""

__version__ = "0.1.0"
