"""Names a package re-exports, loaded on first use (PEP 562), so importing the package costs almost nothing.

``import xrt_prods_async`` must stay quick in a notebook or a command line that needs a tenth of the package:
each package ``__init__`` lists which private module holds each name it re-exports, and the module is imported
when the name is first looked up (``xrt_prods_async.XRTClient``, ``from xrt_prods_async import XRTClient``).
The same ``__init__`` imports every name under ``TYPE_CHECKING``, so type checkers and IDEs see them all;
tests/test_startup.py checks that the two lists and ``__all__`` agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_names"]


def lazy_names(
    package: str,
    where: Mapping[str, Iterable[str]],
    *,
    subpackages: Iterable[str] = (),
    after: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``.

    ``where`` maps a module (relative to the package, as in ``{"._api": ("XRTClient",)}``) to the names it
    provides; a subpackage named in ``subpackages`` is imported when it is looked up as an attribute, as
    if the package had imported it. ``after`` keeps an import order an eager ``__init__`` kept by its
    order: ``{"._job": "._api"}`` imports ``_api`` before ``_job`` (``_api`` imports ``_job`` at its end).
    A name, once loaded, is stored in the package's namespace, so it is looked up only once.
    """
    module_of = {name: module for module, names in where.items() for name in names}
    first = dict(after or {})
    children = frozenset(subpackages)
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> object:  # noqa: N807 - the PEP 562 hook
        module = module_of.get(name)
        if module is not None:
            if module in first:
                importlib.import_module(first[module], package)
            value = getattr(importlib.import_module(module, package), name)
        elif name in children:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return sorted(set(namespace) | set(module_of) | children)

    return __getattr__, __dir__
