"""The package's folders are the stages of the data flow, and imports only run forwards.

Read from the source (ast), not by importing: a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "achats"

# The order of the flow (README « Architecture »). A module may import its own stage and any
# earlier one, never a later one. `problems` and `project` are the foundation everybody uses.
STAGES = ["foundation", "model", "git", "index", "review", "variant", "tender", "render", "site",
          "cli"]
FOUNDATION = {"achats", "achats.problems", "achats.project", "achats.files"}
LOOSE_MODULES_AT_MOST = 8


def stage_of(module: str) -> str:
    if module in FOUNDATION:
        return "foundation"
    parts = module.split(".")
    if parts[1] == "bench":  # the benchmark drives every stage, as the CLI does
        return "cli"
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from achats.model import load` imports the module achats.model.load
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                      if (PACKAGE.parent / Path(*f"{target}.{alias.name}".split("."))).with_suffix(
                          ".py").exists()]
    return found


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_known_stage():
    unknown = [module_name(p) for p in modules() if stage_of(module_name(p)) not in STAGES]
    assert not unknown, f"modules outside the stages {STAGES}: {unknown}"


def test_imports_never_run_back_from_a_later_stage():
    backwards = []
    for path in modules():
        mine = STAGES.index(stage_of(module_name(path)))
        for line, target in imports_of(path):
            if not target.startswith("achats"):
                continue
            theirs = STAGES.index(stage_of(target))
            if theirs > mine:
                backwards.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not backwards, "\n".join(backwards)


def test_mkdocs_is_imported_only_under_site():
    outside = []
    for path in modules():
        if stage_of(module_name(path)) == "site":
            continue
        for line, target in imports_of(path):
            if target == "mkdocs" or target.startswith("mkdocs.") or target.startswith("material"):
                outside.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not outside, "\n".join(outside)


def test_few_modules_lie_loose_at_the_package_root():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= LOOSE_MODULES_AT_MOST, loose


def test_the_checker_sees_a_backward_import(tmp_path):
    # The rule above is only worth something if a backward import is caught: an import of the
    # site from the model, written the ways a module could write it.
    for source in ("from achats.site import build\n", "from ..site.build import on_config\n",
                   "def later():\n    import achats.render.entry\n"):
        fake = PACKAGE / "model" / "_architecture_probe.py"
        fake.write_text(source, encoding="utf-8")
        try:
            targets = [t for _, t in imports_of(fake)]
        finally:
            fake.unlink()
        assert any(STAGES.index(stage_of(t)) > STAGES.index("model")
                   for t in targets if t.startswith("achats")), source


# -- git runs in one place ---------------------------------------------------------------------

GIT_LAYER = PACKAGE / "git"


def git_calls_of(path: Path) -> list[tuple[int, str]]:
    """Where ``path`` would start git itself or use gitpython: a command list or tuple
    beginning with "git", "git" (or "git …") given to a call, an import of gitpython."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def is_git(node) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str) and (
            node.value == "git" or node.value.startswith("git ")
            or node.value.endswith("/git"))

    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and is_git(node.elts[0]):
            found.append((node.lineno, "commande git"))
        elif isinstance(node, ast.Call) and any(is_git(arg) for arg in node.args):
            found.append((node.lineno, "appel avec « git »"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name == "git" or a.name.startswith("git.")]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                node.module == "git" or node.module.startswith("git.")):
            found.append((node.lineno, f"from {node.module} import"))
    return found


def test_only_the_git_layer_runs_git():
    """Every git process starts in achats/git/ (through gitpython): one place knows the
    process count, the fork safety and the errors."""
    outside = [f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
               for path in modules() if GIT_LAYER not in path.parents
               for line, what in git_calls_of(path)]
    assert not outside, outside


def test_the_git_checker_sees_git_run_elsewhere(tmp_path):
    probe = tmp_path / "probe.py"
    for source in ('subprocess.run(["git", "log"], cwd=root)\n',
                   'subprocess.Popen(("git", "cat-file", "--batch"))\n',
                   'os.system("git status")\n', "import git\n", "from git import Repo\n",
                   'shutil.which("git")\n'):
        probe.write_text(source, encoding="utf-8")
        assert git_calls_of(probe), source
    probe.write_text('MODE = "git"\nsubprocess.run(["ssh-keygen", "-Y", "sign"])\n',
                     encoding="utf-8")
    assert not git_calls_of(probe)
