"""The start-up budget, guarded without timing: what ``import xrt_prods_async`` and ``xrt-prods-async --help``
may load, and the lazy name tables behind the package's flat face (``_lazy.lazy_names``).

benchmarks/startup.py times the same things; here, a heavy import that creeps back into the import or into a
command's registration fails a test on any machine, however fast.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import xrt_prods_async

#: Never loaded by ``import xrt_prods_async`` or by parsing the command line: the brief's list (display,
#: plotting, tables, the emulator's server, the campaign ledger, httpx's own command line) and the client's
#: stack (HTTP, validation, the event loop, retries), which the commands import only when they run.
HEAVY = (
    "rich", "matplotlib", "pandas", "astropy", "starlette", "uvicorn", "sqlite3", "click", "pygments",
    "httpx", "pydantic", "anyio", "asyncio", "stamina", "numpy",
)  # fmt: skip

#: The packages whose ``__init__`` loads its names on first use.
LAZY_PACKAGES = (
    "xrt_prods_async",
    "xrt_prods_async.campaign",
    "xrt_prods_async.client",
    "xrt_prods_async.emulator",
    "xrt_prods_async.http",
    "xrt_prods_async.params",
    "xrt_prods_async.wire",
)

_REPORT = "import json, sys; print(json.dumps(sorted(sys.modules)))"


def _loaded_by(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{_REPORT}"], capture_output=True, text=True, check=True, timeout=120
    )
    return {name.split(".")[0] for name in json.loads(out.stdout.splitlines()[-1])}


def test_importing_the_package_loads_nothing_heavy() -> None:
    loaded = _loaded_by("import xrt_prods_async")
    assert sorted(loaded & set(HEAVY)) == []


def test_help_loads_nothing_heavy() -> None:
    """``--help`` registers every command (and the campaign's sub-commands), so no command module may import
    what its commands need to run."""
    code = (
        "import contextlib, io\n"
        "from xrt_prods_async.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert sorted(_loaded_by(code) & set(HEAVY)) == []


def test_campaign_status_loads_no_client(tmp_path: Path) -> None:
    """``campaign status`` reads the ledger and prints: it never loads the scheduler or the HTTP stack, which
    would double its time (benchmarks/campaign_memory.py times it on 100,000 entries)."""
    from xrt_prods_async.campaign import CampaignStore

    ledger = tmp_path / "c.campaign.sqlite"
    with CampaignStore.open(ledger) as store:
        store.set_meta("settings", {"base_url": "http://127.0.0.1:1/", "output": str(tmp_path / "out")})
    code = (
        "import contextlib, io, json, sys\n"
        "from xrt_prods_async.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main(['campaign', 'status', {str(ledger)!r}])\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert "sqlite3" in loaded  # it did read the ledger
    unwanted = {
        "httpx",
        "stamina",
        "anyio",
        "xrt_prods_async.campaign._scheduler",
        "xrt_prods_async.client._api",
    }
    assert sorted(loaded & unwanted) == []


@pytest.mark.parametrize("name", ["Job", "RebinJob", "NOT_REBINNABLE"])
def test_a_handle_can_be_the_first_name_loaded(name: str) -> None:
    """``_api`` imports ``_job`` and ``_rebin`` at its end; the client's table loads it first (``after``)."""
    _loaded_by(f"from xrt_prods_async.client import {name}")


# --- the lazy tables --------------------------------------------------------------------------------------


def _init_tree(package: ModuleType) -> ast.Module:
    assert package.__file__ is not None
    return ast.parse(Path(package.__file__).read_text(encoding="utf-8"))


def _typing_imports(tree: ast.Module) -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` (what mypy and IDEs see)."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                module = "." * statement.level + (statement.module or "")
                found.update({alias.name: module for alias in statement.names})
    return found


def _lazy_call(tree: ast.Module) -> ast.Call:
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "lazy_names"
    ]
    assert len(calls) == 1
    return calls[0]


def _lazy_table(tree: ast.Module) -> dict[str, str]:
    """Name -> module of the table given to ``lazy_names`` (what the running package loads)."""
    where: dict[str, tuple[str, ...]] = ast.literal_eval(_lazy_call(tree).args[1])
    pairs = [(name, module) for module, names in where.items() for name in names]
    assert len({name for name, _ in pairs}) == len(pairs), "a name is listed under two modules"
    return dict(pairs)


def _after(tree: ast.Module) -> dict[str, str]:
    for keyword in _lazy_call(tree).keywords:
        if keyword.arg == "after":
            value: dict[str, str] = ast.literal_eval(keyword.value)
            return value
    return {}


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_the_typing_imports_and_the_lazy_table_agree(name: str) -> None:
    tree = _init_tree(importlib.import_module(name))
    table = _lazy_table(tree)
    assert table == _typing_imports(tree)
    assert set(_after(tree)) <= set(table.values())


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_exported_name_loads_from_its_module(name: str) -> None:
    package = importlib.import_module(name)
    table = _lazy_table(_init_tree(package))
    eager = {"__version__"} if name == "xrt_prods_async" else set()
    assert set(package.__all__) == set(table) | eager
    for exported, module in table.items():
        value: Any = getattr(package, exported)
        assert value is getattr(importlib.import_module(module, name), exported), exported
    assert set(package.__all__) <= set(dir(package))


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_an_unknown_name_is_an_attribute_error(name: str) -> None:
    package = importlib.import_module(name)
    with pytest.raises(AttributeError, match=f"module '{name}' has no attribute 'no_such_name'"):
        getattr(package, "no_such_name")  # noqa: B009 - the attribute is the point


def test_subpackages_are_attributes_of_the_package() -> None:
    """As when ``__init__`` imported them: ``xrt_prods_async.client.XRTClient`` works after ``import
    xrt_prods_async``."""
    for sub in ("campaign", "cli", "client", "emulator", "http", "params", "sync", "wire"):
        assert getattr(xrt_prods_async, sub) is importlib.import_module(f"xrt_prods_async.{sub}")
