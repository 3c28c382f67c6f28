"""The README's command-line session runs against the emulator and prints what the README shows (``…`` stands
for anything), and its exit-status list is the one ``--help`` prints."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.support.emulator import USER
from xrt_prods_async.cli._exit import EXIT_STATUS_HELP
from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID
from xrt_prods_async.emulator import EmulatorConfig, RunningEmulator, emulator_in_thread

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- readme-cli-example:"
PROG = "xrt-prods-async"


def blocks() -> tuple[str, str]:
    """The TOML request and the console session right after the marker."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    request = re.search(r"```toml\n(.*?)```", after, re.S)
    session = re.search(r"```console\n(.*?)```", after, re.S)
    assert request is not None, "README: no toml block after the readme-cli-example marker"
    assert session is not None, "README: no console block after the readme-cli-example marker"
    return request.group(1), session.group(1)


def steps(session: str) -> list[tuple[list[str], list[str]]]:
    """Each ``$ command`` (its comment dropped) with the lines shown after it."""
    out: list[tuple[list[str], list[str]]] = []
    for line in session.splitlines():
        if line.startswith("$ "):
            words = shlex.split(line[2:], comments=True)
            assert words[0] == PROG, line
            out.append((words[1:], []))
        else:
            out[-1][1].append(line.rstrip())
    return out


def shown_line(expected: str) -> re.Pattern[str]:
    """A shown line as a pattern: itself, ``…`` standing for any text."""
    return re.compile(".*".join(re.escape(part) for part in expected.split("…")))


def settled(emu: RunningEmulator) -> None:
    """Wait (briefly, on the fast clock) until no job is active, so ``wait``'s first poll finds it done."""
    deadline = time.monotonic() + 10
    while emu.state.metrics_snapshot()["users"].get(USER.lower(), {}).get("active_jobs", 0):
        assert time.monotonic() < deadline, "the emulator's jobs did not finish"
        time.sleep(0.01)


def test_the_readme_session_runs_as_shown(tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    request, session = blocks()
    (tmp_path / "grb.toml").write_text(request, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with emulator_in_thread(EmulatorConfig(time_scale=1_000_000, users=[USER])) as emu:
        monkeypatch.setenv(ENV_USER_ID, USER)
        monkeypatch.setenv(ENV_BASE_URL, emu.base_url)
        for argv, shown in steps(session):
            settled(emu)
            ran = run(*argv)
            assert ran.status == 0, (argv, ran.text)
            printed = ran.text.splitlines()
            for line in shown:
                pattern = shown_line(line)
                assert any(pattern.fullmatch(p.rstrip()) for p in printed), (argv, line, ran.text)
    assert (tmp_path / "grb200416a" / "psf.tar.gz").is_file()
    assert (tmp_path / "grb-lc.csv").read_text().startswith("dataset,Time,")


def test_the_readme_lists_the_exit_statuses_help_prints() -> None:
    assert EXIT_STATUS_HELP in README.read_text(encoding="utf-8")
