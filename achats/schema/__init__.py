"""Collection declarations and the vocabularies they are checked against."""

from .collections import BY_PREFIX, COLLECTIONS, PIECE_FIELDS, PIECES, Collection
from .fields import CheckContext, Field, check_mapping, json_schema
from .vocabularies import Vocabularies, load_vocabularies

__all__ = [
    "BY_PREFIX", "COLLECTIONS", "PIECES", "PIECE_FIELDS", "Collection", "CheckContext",
    "Field", "check_mapping", "json_schema", "Vocabularies", "load_vocabularies",
]
