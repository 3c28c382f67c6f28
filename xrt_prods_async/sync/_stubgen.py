"""Write the blocking package's stub, ``__init__.pyi``, from the async classes: ``python -m
xrt_prods_async.sync._stubgen``. tests/sync/test_stub.py fails when the stub is stale.

The blocking methods are made at import time, which type checkers cannot see; the stub states them for
``mypy --strict`` and editors. Every method comes from the twin's specification (``_classes.SPECS``): the
async signature with each default written ``...``, the return type without the awaitable, and the twin's
docstring. In an annotation, ``XRTClient``, ``Job``, ``RebinJob``, ``Campaign``, ``JobRef`` and ``RebinRef``
then name the blocking classes, which is what a blocking call takes and gives; every other name is
imported from where the package exports it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._classes import SPECS, Campaign, Job, RebinJob, XRTClient
from ._twin import TwinSpec

__all__ = ["STUB", "render", "write"]

#: Where the stub lives: beside the package's ``__init__.py``.
STUB = Path(__file__).with_name("__init__.pyi")

#: Names the stub itself defines.
LOCAL = frozenset({"XRTClient", "Job", "RebinJob", "Campaign", "JobRef", "RebinRef"})

#: Modules whose exports annotations are imported from, most public first.
PUBLIC = (
    "xrt_prods_async",
    "xrt_prods_async.client",
    "xrt_prods_async.campaign",
    "xrt_prods_async.params",
    "xrt_prods_async.http",
    "xrt_prods_async.wire",
)

#: Standard names the specs' attribute types use, with their modules.
STANDARD = {
    "Any": "typing",
    "Counter": "collections",
    "Literal": "typing",
    "Path": "pathlib",
    "datetime": "datetime",
}

#: What each twin states itself (its ``__init__`` aside), as stub lines.
OWN: dict[str, tuple[str, ...]] = {
    "XRTClient": (
        "def close(self) -> None: ...",
        "def __enter__(self) -> XRTClient: ...",
        "def __exit__(self, *exc_info: object) -> None: ...",
    ),
    "Job": ("client: XRTClient",),
    "RebinJob": ("client: XRTClient",),
    "Campaign": ("client: XRTClient",),
}

#: The twins in the order the stub defines them, with their runtime classes.
TWINS: dict[str, type] = {"XRTClient": XRTClient, "Job": Job, "RebinJob": RebinJob, "Campaign": Campaign}

HEADER = '''"""{doc}
"""

# Written by `python -m xrt_prods_async.sync._stubgen` from the async classes; do not edit by hand.
'''

FOOTER = """
#: A blocking job handle, or a bare JobID.
JobRef = Job | int
#: A blocking rebin handle, or a bare RebinID.
RebinRef = RebinJob | int

__all__ = ["Campaign", "Job", "JobRef", "RebinJob", "RebinRef", "XRTClient"]
"""


class _Imports:
    """The imports the annotations need, each name from the module that exports it."""

    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.names: dict[str, set[str]] = {}

    def need(self, annotation: str, home: dict[str, Any]) -> None:
        """Import every name ``annotation`` uses; ``home`` is the namespace it was written in."""
        for node in ast.walk(ast.parse(annotation, mode="eval")):
            if isinstance(node, ast.Name) and node.id not in LOCAL and not hasattr(builtins, node.id):
                self._add(node.id, home)

    def _add(self, name: str, home: dict[str, Any]) -> None:
        value = home.get(name)
        if inspect.ismodule(value):
            self.modules.add(name)
            return
        module = _exporter(name, value) or _definer(name, value)
        if module is None and name in STANDARD:
            module = STANDARD[name]
        if module is None:
            raise LookupError(f"the stub cannot tell where {name!r} comes from")
        self.names.setdefault(module, set()).add(name)

    def lines(self) -> list[str]:
        """The import statements in ruff's order: standard library, third party, the package; in each,
        ``import`` lines first, then ``from`` lines by module."""
        sections: list[list[str]] = [[], [], []]
        for module in sorted(self.modules):
            sections[_section(module)].append(f"import {module}")
        for module in sorted(self.names):
            names = ", ".join(sorted(self.names[module], key=_name_order))
            sections[_section(module)].append(f"from {module} import {names}")
        return [line for lines in sections if lines for line in (*lines, "")]


def _section(module: str) -> int:
    top = module.split(".")[0]
    return 0 if top in sys.stdlib_module_names else 2 if top == "xrt_prods_async" else 1


def _name_order(name: str) -> tuple[int, str]:
    """isort's order by type: constants, then classes, then the rest."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def _exporter(name: str, value: Any) -> str | None:
    """The most public module of the package that exports ``name`` (as ``value``, when known)."""
    for module in PUBLIC:
        package = importlib.import_module(module)  # its names load on first use (PEP 562): ask, do not look
        if name in package.__all__ and (value is None or getattr(package, name) is value):
            return module
    return None


def _definer(name: str, value: Any) -> str | None:
    """Where ``value`` is defined: a class's or function's module, else the module of the package that
    assigns it at top level (a type alias carries the module of what it aliases, not its own)."""
    if value is None:
        return None
    if inspect.isclass(value) or inspect.isfunction(value):
        return str(value.__module__)
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("xrt_prods_async.") or getattr(module, name, None) is not value:
            continue
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return module_name
    return None


def _text(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _docstring(doc: str | None, indent: str) -> str:
    text = inspect.cleandoc(doc or "").replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    body = "\n".join(f"{indent}{line}" if line else "" for line in text.splitlines())
    return f'{indent}"""{body.lstrip()}\n{indent}"""' if "\n" in text else f'{indent}"""{text}"""'


def _parameters(signature: inspect.Signature, use: Callable[[str], None]) -> str:
    """The parameter list of a stub ``def``: annotations as written, defaults as ``...``."""
    out: list[str] = []
    kinds = [p.kind for p in signature.parameters.values()]
    for index, parameter in enumerate(signature.parameters.values()):
        kind = parameter.kind
        first_keyword = kind is inspect.Parameter.KEYWORD_ONLY and (
            index == 0 or kinds[index - 1] is not inspect.Parameter.KEYWORD_ONLY
        )
        if first_keyword and inspect.Parameter.VAR_POSITIONAL not in kinds:
            out.append("*")
        text = parameter.name
        if kind is inspect.Parameter.VAR_POSITIONAL:
            text = f"*{text}"
        elif kind is inspect.Parameter.VAR_KEYWORD:
            text = f"**{text}"
        if parameter.annotation is not inspect.Parameter.empty:
            annotation = _text(parameter.annotation)
            use(annotation)
            text += f": {annotation}"
        if parameter.default is not inspect.Parameter.empty:
            text += " = ..." if parameter.annotation is not inspect.Parameter.empty else "=..."
        out.append(text)
        last_positional = kind is inspect.Parameter.POSITIONAL_ONLY and (
            index + 1 == len(kinds) or kinds[index + 1] is not inspect.Parameter.POSITIONAL_ONLY
        )
        if last_positional:
            out.append("/")
    return ", ".join(out)


def _def(name: str, signature: inspect.Signature, doc: str | None, use: Callable[[str], None]) -> str:
    returns = "None" if name == "__init__" else _text(signature.return_annotation)
    use(returns)
    head = f"    def {name}({_parameters(signature, use)}) -> {returns}:"
    return f"{head}\n{_docstring(doc, '        ')}"


def _property(name: str, annotation: str, doc: str | None, use: Callable[[str], None]) -> str:
    use(annotation)
    head = f"    @property\n    def {name}(self) -> {annotation}:"
    return f"{head}\n{_docstring(doc, '        ')}" if doc else f"{head} ..."


def _home(obj: Any) -> dict[str, Any]:
    return vars(sys.modules[obj.__module__])


def _class(name: str, spec: TwinSpec, imports: _Imports) -> str:
    twin = TWINS[name]
    home = _home(spec.async_class)
    parts = [f"class {name}:", _docstring(twin.__doc__, "    ")]
    parts += [f"    {line}" for line in OWN[name]]
    if name in ("XRTClient", "Campaign"):
        init = vars(spec.async_class)["__init__"]
        doc = vars(twin)["__init__"].__doc__
        parts.append(_def("__init__", inspect.signature(init), doc, _user(imports, init)))
    for attribute in spec.properties():
        found = getattr(spec.async_class, attribute, None)
        if isinstance(found, property):
            annotation = _text(inspect.signature(found.fget).return_annotation)  # type: ignore[arg-type]
            parts.append(_property(attribute, annotation, found.__doc__, _user(imports, found.fget)))
        else:
            annotation = spec.attributes[attribute]
            parts.append(_property(attribute, annotation, None, lambda text: imports.need(text, home)))
    handles = spec.handle_methods()
    for method in sorted([*spec.methods(), *handles]):
        if method in handles:  # a handle method: the client method it names wrote the annotations
            function = getattr(SPECS["XRTClient"].async_class, handles[method].name)
        else:
            function = getattr(spec.async_class, method)
        runtime = getattr(twin, method)
        signature = inspect.signature(runtime)
        parts.append(_def(method, signature, runtime.__doc__, _user(imports, function)))
    return "\n".join(parts)


def _user(imports: _Imports, source: Any) -> Callable[[str], None]:
    home = _home(source)
    return lambda text: imports.need(text, home)


def render() -> str:
    """The stub's text (before ``ruff format``)."""
    import xrt_prods_async.sync as package

    imports = _Imports()
    classes = [_class(name, SPECS[name], imports) for name in TWINS]
    head = HEADER.format(doc=inspect.cleandoc(package.__doc__ or ""))
    return "\n".join([head, *imports.lines(), "", *(f"\n{c}\n" for c in classes), FOOTER])


def write(path: Path = STUB) -> None:
    """Write the stub to ``path`` and format it with ruff (a dev tool: skipped if it is not installed)."""
    path.write_text(render(), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=False)


if __name__ == "__main__":  # pragma: no cover - run by hand
    write()
    print(f"wrote {STUB}")
