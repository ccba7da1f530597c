"""What a deployment installs: the lock file, the declared packages, the npm manifest."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL = {"app", "models", "blueprints", "koalicje", "conftest"}


def _declared(*groups: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for group in groups:
        specs += project["optional-dependencies"][group]
    return {re.split(r"[=<>!~\[ ]", spec)[0].lower().replace("_", "-") for spec in specs}


def _imported_top_level(paths) -> set[str]:
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - LOCAL - set(sys.stdlib_module_names) - {"__future__"}


def test_lock_file_names_packages_and_hashes_not_where_one_machine_found_them():
    text = (ROOT / "requirements.lock").read_text()
    options = [line for line in text.splitlines() if line.startswith("-")]
    assert options == [], "index or find-links lines belong in pip.conf, not in the lock"
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==\S+ \\\n((?:\s+--hash=sha256:\w+ ?\\?\n?)+)",
                        text, re.M)
    assert len(pinned) == len(re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)) > 20


# `make bench` is a developer's tool run from the full install (the test extras included).
DEV_TOOLS = ("koalicje/ops/bench.py", "koalicje/ops/bench_data.py")


@pytest.mark.parametrize(("paths", "groups"), [
    (lambda: [p for p in [ROOT / "app.py", ROOT / "models.py", *ROOT.glob("koalicje/**/*.py"),
                          *ROOT.glob("blueprints/**/*.py")]
              if str(p.relative_to(ROOT)) not in DEV_TOOLS], ("postgres",)),
    (lambda: [ROOT / name for name in DEV_TOOLS], ("postgres", "test")),
], ids=["app", "dev-tools"])
def test_every_package_the_app_imports_is_declared_in_pyproject(paths, groups):
    code = paths()
    distributions = packages_distributions()
    declared = _declared(*groups)
    missing = {}
    for module in _imported_top_level(code):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert missing == {}


def test_every_lock_entry_declared_directly_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [s for group in project["optional-dependencies"].values()
                                       for s in group]
    assert all("==" in spec for spec in specs)
    lock = (ROOT / "requirements.lock").read_text().lower()
    for spec in specs:
        assert f"\n{spec.lower().replace('_', '-')} \\" in lock, spec


def test_axe_core_is_a_development_dependency():
    package = json.loads((ROOT / "package.json").read_text())
    assert "axe-core" not in package.get("dependencies", {})
    assert package["devDependencies"]["axe-core"]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/axe-core"].get("dev") is True
