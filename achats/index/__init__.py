"""Stage 3, the index: IDs, references, backlinks and facets."""
