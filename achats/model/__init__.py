"""Stage 1, the model: schemas, YAML source, loading, validation, signatures."""
