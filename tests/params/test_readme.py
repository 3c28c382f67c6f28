"""The README's "Parameters" section stays true: its example runs and its error text is what we print."""

from __future__ import annotations

from pathlib import Path

import pytest

from xrt_prods_async._errors import InvalidRequestError
from xrt_prods_async.params import JobRequest

SECTION = (
    (Path(__file__).resolve().parents[2] / "README.md")
    .read_text(encoding="utf-8")
    .split("## Parameters", 1)[1]
)


def test_readme_example_runs() -> None:
    code = SECTION.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert isinstance(namespace["again"], JobRequest)
    assert namespace["again"] == namespace["req"]


def test_readme_error_text_is_current() -> None:
    shown = SECTION.split("```python", 2)[2].split("```", 1)[0].strip().splitlines()
    call = shown[0].removeprefix(">>> ")
    with pytest.raises(InvalidRequestError) as caught:
        eval(call, {"JobRequest": JobRequest})
    assert shown[1:] == f"InvalidRequestError: {caught.value}".splitlines()
