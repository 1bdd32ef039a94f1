"""DEVELOPERS.md "Where things live" is the one map of the tree (README links to it): every path it names
exists, and every package and module at the top of bot/ is on it."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEXT = (ROOT / "DEVELOPERS.md").read_text(encoding="utf-8")


def _map_rows() -> list[str]:
    section = TEXT.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def _paths(cell: str) -> list[str]:
    return [p for p in re.findall(r"`([^`]+)`", cell) if "/" in p or re.search(r"\.(py|yml|md)$", p)]


def test_the_map_has_rows():
    assert len(_map_rows()) >= 15


def test_every_path_on_the_map_exists():
    missing = []
    for row in _map_rows():
        first = row.split("|")[1]
        for path in _paths(first):
            if not (ROOT / path.rstrip("/")).exists():
                missing.append(path)
    assert not missing, f"DEVELOPERS.md names paths that do not exist: {missing}"


def test_every_top_level_part_of_bot_is_on_the_map():
    named = " ".join(row.split("|")[1] for row in _map_rows())
    parts = [p for p in sorted((ROOT / "bot").iterdir())
             if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and not p.name.startswith("__"))]
    absent = [p.name for p in parts if f"bot/{p.name}" not in named]
    assert not absent, f"bot/ parts missing from DEVELOPERS.md's map: {absent}"


def test_readme_links_to_the_map_instead_of_keeping_its_own():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "DEVELOPERS.md#where-things-live" in readme
    assert "| path | what |" not in readme
