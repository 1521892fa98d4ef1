"""Collection declarations and the vocabularies they are checked against."""

from achats.model.schema.collections import BY_PREFIX, COLLECTIONS, PIECE_FIELDS, PIECES, Collection
from achats.model.schema.fields import CheckContext, Field, check_mapping, json_schema
from achats.model.schema.vocabularies import Vocabularies, load_vocabularies

__all__ = [
    "BY_PREFIX", "COLLECTIONS", "PIECES", "PIECE_FIELDS", "Collection", "CheckContext",
    "Field", "check_mapping", "json_schema", "Vocabularies", "load_vocabularies",
]
