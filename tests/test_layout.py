"""The layout holds: each floor imports only the floors below it, production never imports `sandbox`, small modules.

The floors, top to bottom (SPEC.md, Layout): bot -> handlers -> relay -> core -> blocks -> flowroute_api.
Imports are read from the source (ast), wherever they sit in a module, so a lazy import inside a function counts.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["flowroute_api", "blocks", "core", "relay", "handlers", "bot"]  # bottom first
OURS = set(FLOORS) | {"sandbox", "tests", "bench"}
MAX_LINES = 400
MAX_SANDBOX_LINES = 800  # the stand-ins carry their spec in docstrings, so they may run longer
# `blocks` stays pure: data in, blocks out, with nothing but the standard library, the Flowroute client and
# matplotlib (blocks/chart.py renders a report to PNG bytes with the Agg backend: no display, no I/O).
PURE = {"blocks": {"flowroute_api", "matplotlib"}}


def production_modules() -> list[Path]:
    return sorted(path for floor in FLOORS for path in (ROOT / floor).rglob("*.py"))


def is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imported_packages(path: Path) -> set[str]:
    """The top-level packages `path` imports, skipping `if TYPE_CHECKING:` blocks.

    Those blocks never run: they only name a class of a higher floor for readers and type checkers
    (core/deps.py names the relay's classes that way), so they cannot create an upward dependency at run time.
    """
    found: set[str] = set()
    package = path.relative_to(ROOT).parts[0]

    def visit(node: ast.AST) -> None:
        if is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return found


def problems_of(path: Path) -> list[str]:
    relative = path.relative_to(ROOT).as_posix()
    floor = FLOORS.index(relative.split("/")[0])
    problems = []
    for package in sorted(imported_packages(path)):
        if package == "sandbox":
            problems.append(f"{relative} imports sandbox: production never does")
        elif package in FLOORS and FLOORS.index(package) > floor:
            problems.append(f"{relative} imports {package}, a floor above it")
        elif package in OURS - set(FLOORS):
            problems.append(f"{relative} imports {package}")
        pure = PURE.get(FLOORS[floor])
        if pure is not None and package not in pure | {FLOORS[floor]} and package not in sys.stdlib_module_names:
            problems.append(f"{relative} imports {package}: {FLOORS[floor]} takes only the stdlib and "
                            f"{', '.join(sorted(pure))}")
    return problems + too_long(path, MAX_LINES)


def test_the_floors_are_all_there():
    assert [floor for floor in FLOORS if (ROOT / floor / "__init__.py").is_file()] == FLOORS
    assert len(production_modules()) > 40


@pytest.mark.parametrize("path", production_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_imports_point_down_and_modules_stay_small(path):
    assert problems_of(path) == []


def test_the_check_sees_an_upward_import_a_sandbox_import_and_a_long_module(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "core").mkdir()
    bad = tmp_path / "core" / "bad.py"
    bad.write_text("from typing import TYPE_CHECKING\n\nimport relay.service\n\n\ndef later():\n"
                   "    from sandbox.slack import SlackEmulator\n\n\nif TYPE_CHECKING:\n    import handlers\n"
                   + "\n" * MAX_LINES)
    assert problems_of(bad) == [
        "core/bad.py imports relay, a floor above it",
        "core/bad.py imports sandbox: production never does",
        f"core/bad.py has {MAX_LINES + 11} lines (more than {MAX_LINES}): split it",
    ]
    (tmp_path / "blocks").mkdir()
    impure = tmp_path / "blocks" / "impure.py"
    impure.write_text("import json\n\nimport requests\n\nfrom flowroute_api import format_number\n")
    assert problems_of(impure) == ["blocks/impure.py imports requests: blocks takes only the stdlib and "
                                   "flowroute_api, matplotlib"]


def sandbox_modules() -> list[Path]:
    return sorted((ROOT / "sandbox").rglob("*.py"))


def too_long(path: Path, limit: int) -> list[str]:
    lines = len(path.read_text().splitlines())
    if lines <= limit:
        return []
    return [f"{path.relative_to(ROOT).as_posix()} has {lines} lines (more than {limit}): split it"]


@pytest.mark.parametrize("path", sandbox_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_sandbox_modules_stay_under_800_lines(path):
    assert too_long(path, MAX_SANDBOX_LINES) == []


def test_the_sandbox_check_sees_a_long_module(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "sandbox").mkdir()
    long_module = tmp_path / "sandbox" / "fake.py"
    long_module.write_text("x = 1\n" * (MAX_SANDBOX_LINES + 1))
    assert too_long(long_module, MAX_SANDBOX_LINES) == [f"sandbox/fake.py has {MAX_SANDBOX_LINES + 1} lines "
                                                       f"(more than {MAX_SANDBOX_LINES}): split it"]
    long_module.write_text("x = 1\n" * MAX_SANDBOX_LINES)
    assert too_long(long_module, MAX_SANDBOX_LINES) == []


# Notes kept outside the repository, which a clone does not have: comments cite the public pages instead.
PRIVATE_NOTES = ("flowroute-api.md", "slack-notes.md", "notes/seed.md")


def cited_private_notes(path: Path) -> list[str]:
    text = path.read_text()
    return [f"{path.relative_to(ROOT).as_posix()} cites {note}" for note in PRIVATE_NOTES if note in text]


def test_comments_cite_public_documentation_not_notes_outside_the_repository():
    sources = [path for package in sorted(OURS) for path in sorted((ROOT / package).rglob("*.py"))]
    sources += [ROOT / "README.md", ROOT / "Makefile", ROOT / "manifest.yml"]
    assert len(sources) > 100
    assert [problem for path in sources if path.name != "test_layout.py" for problem in cited_private_notes(path)] == []


def test_the_citation_check_sees_a_private_note(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "note.py").write_text("# Guess (flowroute-api.md §2.4): both are accepted.\n")
    assert cited_private_notes(tmp_path / "note.py") == ["note.py cites flowroute-api.md"]


def test_every_package_says_what_lives_there():
    packages = sorted({path.parent for path in production_modules() + sandbox_modules()})
    undocumented = [package.relative_to(ROOT).as_posix() for package in packages
                    if not ast.get_docstring(ast.parse((package / "__init__.py").read_text()))]
    assert undocumented == []
