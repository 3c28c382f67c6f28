"""What the one-job commands print: rich tables within 80 columns on a terminal, plain text without escape
codes anywhere else, and strict JSON (no NaN) for scripts."""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import POLL, Run
from tests.support.cli import SCIENCE_TOML, toml_request
from xrt_prods_async.cli import _output
from xrt_prods_async.emulator import RunningEmulator

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_on_an_80_column_terminal_every_table_fits(
    tmp_path: Path, run: Run, service: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_name = toml_request(tmp_path, SCIENCE_TOML).read_text().replace("GRB 200416A", "GRB 200416A " * 6)
    (tmp_path / "long.toml").write_text(long_name)
    job = run("submit", tmp_path / "long.toml", "--wait", "--poll-interval", POLL).out.splitlines()[0]
    service.state.clock.set_time_scale(1.0)
    running = run("submit", toml_request(tmp_path)).out.strip()

    monkeypatch.setattr(_output, "is_terminal", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "80")
    for command in (
        ("status", job),
        ("jobs",),
        ("results", job, "pos"),
        ("results", job, "spec"),
        ("results", job, "sources"),
        ("cancel", running),  # the service's long sentences wrap within their column
    ):
        ran = run(*command)
        assert ran.status == 0, (command, ran.text)
        assert ANSI.search(ran.out), command  # drawn by rich, with styles
        widths = [len(ANSI.sub("", line)) for line in ran.out.splitlines()]
        assert max(widths) <= 80, (command, ran.out)


def test_off_a_terminal_output_is_plain_text() -> None:
    stream = io.StringIO()
    _output.show(_output.Shown("Title", (("key", "value [bold]not markup[/bold]"),)), stream=stream)
    assert stream.getvalue() == "Title\n  key  value [bold]not markup[/bold]\n"


def test_json_is_strict() -> None:
    stream = io.StringIO()
    _output.emit_json(
        {"rate": math.nan, "limit": math.inf, "rows": ((1.0, "x"),), "path": Path("a")}, stream=stream
    )
    assert json.loads(stream.getvalue()) == {"rate": None, "limit": None, "rows": [[1.0, "x"]], "path": "a"}


@pytest.mark.parametrize(
    "command", ["submit", "status", "wait", "download", "cancel", "jobs", "count", "results"]
)
def test_help_lists_the_exit_statuses(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    from xrt_prods_async.cli import main
    from xrt_prods_async.cli._exit import EXIT_STATUS_HELP

    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert text.rstrip().endswith(EXIT_STATUS_HELP)
    assert "--user USER_ID" in text
    assert "--json" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_streamed_json_is_the_text_json_dumps_prints_and_reads_items_as_it_writes() -> None:
    """A Streamed list gives exactly the document ``json.dumps(indent=2)`` gives for the same values, and its
    items are drawn one at a time while the text is written (a 100,000-source status never sits whole)."""
    document = {
        "when": Path("/tmp/x"),
        "nan": math.nan,
        "empty": {},
        "none": [],
        "nested": {"a": [1, 2.5, {"b": (True, None)}], "é": "ü"},
    }
    expected = json.dumps(_output.jsonable({**document, "sources": [{"i": i} for i in range(3)]}), indent=2,
                          ensure_ascii=False)  # fmt: skip
    written: list[int] = []
    out = io.StringIO()

    def items() -> Iterator[dict[str, int]]:
        for i in range(3):
            written.append(len(out.getvalue()))
            yield {"i": i}

    _output.emit_json({**document, "sources": _output.Streamed(items())}, stream=out)
    assert out.getvalue() == expected + "\n"
    assert json.loads(out.getvalue())["sources"] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert written[0] < written[1] < written[2]  # each item was asked for after the previous one was out
    empty = io.StringIO()
    _output.emit_json({"sources": _output.Streamed(iter(()))}, stream=empty)
    assert empty.getvalue() == json.dumps({"sources": []}, indent=2) + "\n"
