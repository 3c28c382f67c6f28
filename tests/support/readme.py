"""The README's examples: each python block right after a ``<!-- readme-example: NAME ... -->`` marker."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

_EXAMPLE = re.compile(r"<!-- readme-example: (?P<name>[\w-]+)\b.*?-->\s*```python\n(?P<code>.*?)```", re.S)


def readme_examples() -> dict[str, str]:
    """Every marked example of the README, by the name its marker gives."""
    text = README.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in _EXAMPLE.finditer(text):
        name = match.group("name")
        assert name not in found, f"README: two examples are named {name!r}"
        found[name] = match.group("code")
    assert text.count("<!-- readme-example:") == len(found), "README: a marker with no python block after it"
    return found


def run_example(name: str) -> None:
    """Run one README example as a script would (its own globals, ``__name__`` not ``__main__``)."""
    code = readme_examples()[name]
    exec(compile(code, f"{README}:{name}", "exec"), {"__name__": "__readme__"})
