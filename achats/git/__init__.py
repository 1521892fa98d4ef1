"""Stage 2, git: the one git layer.

- ``repo``: the only code that runs git (gitpython: one ``Repo`` per project and process,
  its persistent ``cat-file`` for old contents, the background ``git log``), fork-safe;
- ``log``: the one-pass `git log` parsed into versions per file (``History``);
- ``history``: what the history commands work on (an entry or a file) and its contents at a
  commit;
- ``diff``: readable differences (front-matter fields, word diff of the body);
- ``restore``: `achats revert`, an earlier version restored as a new commit;
- ``identifiers``: every ID the history ever saw.
"""
