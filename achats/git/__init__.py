"""Stage 2, git: the one git layer, history of entries and word diffs."""
