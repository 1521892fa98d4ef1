"""Fingerprint of a clause's validated text: a validation is void once this changes."""

from __future__ import annotations

import hashlib
import json

from achats.model.yamlsource import to_jsonable

# What the legal service validates: the words that go into a tender and how they are checked.
# Commentary, tags or sources may change without voiding a validation.
VALIDATED_FIELDS = ("titre", "type", "document", "base_legale", "texte", "verification",
                    "ponderation")


def fingerprint(meta: dict) -> str:
    payload = {}
    for name in VALIDATED_FIELDS:
        value = meta.get(name)
        if isinstance(value, str):
            # Trailing spaces and line-ending style are not changes of text.
            value = "\n".join(line.rstrip() for line in value.strip().splitlines())
        payload[name] = to_jsonable(value)
    digest = hashlib.sha256(
        json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return f"sha256:{digest[:16]}"
