"""Print the README's table of every RNNCORE_* setting (generated from rnncore/environment.py) as markdown; with
--write, put it into README.md between the env-table markers."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnncore.environment import markdown_table  # noqa: E402

START, END = "<!-- env-table:start -->\n", "<!-- env-table:end -->"


def readme_table(readme: str) -> str:
    """The table as it stands in README.md's text (between the markers)."""
    return readme.split(START, 1)[1].split(END, 1)[0]


def main(argv: list[str]) -> int:
    """Print the table, or with --write replace README.md's copy of it."""
    table = markdown_table()
    if "--write" not in argv:
        sys.stdout.write(table)
        return 0
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    readme.write_text(before + START + table + END + rest.split(END, 1)[1], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
