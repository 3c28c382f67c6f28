"""How a blocking twin is made from an async class: its methods, its handles' methods, its attributes.

Nothing here states a method of its own. :func:`install` reads the async class and gives the twin one
blocking method per public method (same name, signature and docstring, plus a line saying it blocks), one
method per handle method (``Job.status`` -> the blocking ``XRTClient.status`` with the job bound) and one
read-only property per attribute; a method added to the async class appears on its twin with no edit here.
Arguments that are twins are handed to the async side as the objects they drive, and results that are
async handles come back as their twins.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xrt_prods_async.client._job import OnHandle

from ._portal import Portal

__all__ = [
    "Twin",
    "TwinSpec",
    "async_methods",
    "attribute_names",
    "handle_methods",
    "install",
    "register",
    "to_async",
    "to_twin",
    "with_note",
]

#: Twin classes by the async class they drive, with how to make one around an async object.
_TWINS: dict[type, Callable[[Any, Any], Twin]] = {}


class Twin:
    """Base of the blocking twins: the async object driven (``_async``), the portal it is driven through
    (``_portal``) and the blocking client that wraps what comes back (``_client``)."""

    _async: Any
    _portal: Portal

    @property
    def _client(self) -> Twin:
        return self

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Twin) and other._async is self._async

    def __hash__(self) -> int:
        return hash(id(self._async))

    def __repr__(self) -> str:
        return f"<blocking {self._async!r}>"


def register(async_class: type, make: Callable[[Any, Any], Twin]) -> None:
    """``make(client, obj)`` turns an async ``async_class`` object into its twin, bound to ``client``."""
    _TWINS[async_class] = make


def to_async(value: Any) -> Any:
    """The async object a twin drives (anything else unchanged): what the async methods take."""
    return value._async if isinstance(value, Twin) else value


def to_twin(value: Any, client: Twin) -> Any:
    """The twin of an async handle (anything else unchanged): what the blocking methods give back."""
    make = _TWINS.get(type(value))
    return make(client, value) if make is not None else value


def async_methods(async_class: type, *, exclude: Iterable[str] = ()) -> list[str]:
    """The public methods of ``async_class`` (coroutine functions or not), but ``exclude``."""
    skip = set(exclude)
    return [
        name
        for name, value in inspect.getmembers(async_class, inspect.isfunction)
        if not name.startswith("_") and name not in skip
    ]


def handle_methods(async_class: type) -> dict[str, OnHandle[Any, Any, Any]]:
    """The methods of an async handle that are its client's with the handle bound, by attribute name."""
    return {name: value for name, value in vars(async_class).items() if isinstance(value, OnHandle)}


def attribute_names(async_class: type) -> list[str]:
    """The public properties of ``async_class`` (its plain attributes are named by each twin)."""
    return [
        name
        for name, value in inspect.getmembers(async_class)
        if isinstance(value, property) and not name.startswith("_")
    ]


def with_note(doc: str | None, note: str) -> str:
    """``doc`` with a paragraph added, wrapped to fit the package's line length in any docstring."""
    text = inspect.cleandoc(doc or "")
    paragraph = textwrap.fill(note, width=96)
    return f"{text}\n\n{paragraph}" if text else paragraph


def _note(doc: str | None, target: str) -> str:
    return with_note(
        doc, f"Blocking: runs ``{target}`` on the client's event-loop thread and returns its result."
    )


def _with_self(signature: inspect.Signature) -> inspect.Signature:
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return signature.replace(parameters=[this, *signature.parameters.values()])


def _describe(
    method: Callable[..., Any], owner: type, name: str, signature: inspect.Signature, doc: str
) -> None:
    method.__name__ = name
    method.__qualname__ = f"{owner.__name__}.{name}"
    method.__module__ = owner.__module__
    method.__doc__ = doc
    method.__signature__ = signature  # type: ignore[attr-defined]


def blocking(owner: type, async_class: type, name: str) -> Callable[..., Any]:
    """The blocking twin of ``async_class.name``: the same call, run on the portal, results as twins."""
    function = getattr(async_class, name)

    def method(self: Twin, /, *args: Any, **kwargs: Any) -> Any:
        target = getattr(self._async, name)
        passed = {key: to_async(value) for key, value in kwargs.items()}
        result = self._portal.run(target, *(to_async(arg) for arg in args), **passed)
        return to_twin(result, self._client)

    target = f"xrt_prods_async.{async_class.__name__}.{name}"
    _describe(method, owner, name, inspect.signature(function), _note(function.__doc__, target))
    return method


def on_handle(owner: type, attribute: str, descriptor: OnHandle[Any, Any, Any]) -> Callable[..., Any]:
    """A twin handle's method: the blocking client method ``descriptor`` names, with the handle bound."""
    name = descriptor.name

    def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.client, name)(self, *args, **kwargs)

    signature = _with_self(descriptor.bound_signature)
    _describe(
        method, owner, attribute, signature, _note(descriptor.__doc__, f"xrt_prods_async.XRTClient.{name}")
    )
    return method


def delegated(name: str, doc: str | None) -> property:
    """A read-only property showing the async object's attribute ``name`` (handles as their twins)."""

    def get(self: Twin) -> Any:
        return to_twin(getattr(self._async, name), self._client)

    return property(get, doc=doc)


@dataclass(frozen=True)
class TwinSpec:
    """What a twin shows of its async class: every public method and property but ``exclude`` (those the
    twin does its own way: ``aclose`` -> ``close``, or async machinery such as ``session``), and the plain
    instance attributes named in ``attributes`` (with their type, for the stub)."""

    async_class: type
    attributes: Mapping[str, str] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()

    def methods(self) -> list[str]:
        """The blocking methods: the async class's public methods but the excluded."""
        return async_methods(self.async_class, exclude=self.exclude)

    def handle_methods(self) -> dict[str, OnHandle[Any, Any, Any]]:
        """The handle methods (the client's, with the handle bound), by attribute."""
        return handle_methods(self.async_class)

    def properties(self) -> list[str]:
        """The read-only attributes: the class's public properties and the named plain attributes."""
        names = [*attribute_names(self.async_class), *self.attributes]
        return [name for name in names if name not in self.exclude]


def install(twin: type, spec: TwinSpec) -> None:
    """Give ``twin`` the blocking methods, handle methods and properties ``spec`` names."""
    for name in spec.methods():
        setattr(twin, name, blocking(twin, spec.async_class, name))
    for attribute, descriptor in spec.handle_methods().items():
        setattr(twin, attribute, on_handle(twin, attribute, descriptor))
    for name in spec.properties():
        found = getattr(spec.async_class, name, None)
        setattr(twin, name, delegated(name, found.__doc__ if isinstance(found, property) else None))
