"""The products the service builds, with every name each one goes by.

One enum holds the short name (the wire ``what`` value, status and cancel keys, archive stem), the submit
flag, the swifttools long name, the human label and the ``listOldJobs`` key, so no other module keeps its
own table of product names.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from xrt_prods_async._errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class _ProductNames:
    flag: str
    long_name: str
    label: str
    history_key: str | None


_NAMES: dict[str, _ProductNames] = {
    "lc": _ProductNames("lc", "LightCurve", "light curve", "LightCurve"),
    "spec": _ProductNames("spec", "Spectrum", "spectrum", "Spectrum"),
    "psf": _ProductNames("dopsf", "StandardPos", "standard position", "StandardPos"),
    "enh": _ProductNames("doenh", "EnhancedPos", "enhanced position", "EnhancedPos"),
    "xastrom": _ProductNames("doxastrom", "AstromPos", "astrometric position", "AstromPos"),
    "image": _ProductNames("image", "Image", "image", "Image"),
    "sourceDet": _ProductNames("sourceDet", "SourceDet", "source detection", None),
}

#: Products the service adds whenever another is requested: ``doxastrom=1`` forces ``dopsf=1``, because the
#: astrometric position corrects the standard one (docs/protocol.md §5.1).
_IMPLIES: dict[str, tuple[str, ...]] = {"xastrom": ("psf",)}


class Product(enum.StrEnum):
    """A product of the XRT service; the value is the short (wire) name."""

    LIGHT_CURVE = "lc"
    SPECTRUM = "spec"
    STANDARD_POS = "psf"
    ENHANCED_POS = "enh"
    ASTROM_POS = "xastrom"
    IMAGE = "image"
    SOURCE_DET = "sourceDet"

    @property
    def short(self) -> str:
        """Short name: the wire ``what`` value and the key in status and cancel replies."""
        return self.value

    @property
    def flag(self) -> str:
        """Submit flag set to 1 to request this product (``lc``, ``dopsf``, ...)."""
        return _NAMES[self.value].flag

    @property
    def long_name(self) -> str:
        """The swifttools name of the product (``LightCurve``, ``StandardPos``, ...)."""
        return _NAMES[self.value].long_name

    @property
    def label(self) -> str:
        """Human label used in messages (``light curve``, ``standard position``, ...)."""
        return _NAMES[self.value].label

    @property
    def stem(self) -> str:
        """Archive stem: the product's archive is ``{URL}/{stem}.{format}``."""
        return self.value

    @property
    def history_key(self) -> str | None:
        """Key of the boolean flag for this product in ``listOldJobs`` entries, if any."""
        return _NAMES[self.value].history_key

    @property
    def implies(self) -> tuple[Product, ...]:
        """Products the service builds too whenever this one is requested (the astrometric position needs
        the standard one)."""
        return tuple(Product(short) for short in _IMPLIES.get(self.value, ()))

    @classmethod
    def with_implied(cls, products: Iterable[Product]) -> tuple[Product, ...]:
        """The products a job has when ``products`` are requested: each implied product is put just before
        the first product that implies it, unless already present; order is otherwise kept, no repeats."""
        wanted = tuple(products)
        out: list[Product] = []
        for product in wanted:
            for implied in product.implies:
                if implied not in out and implied not in wanted:
                    out.append(implied)
            if product not in out:
                out.append(product)
        return tuple(out)

    @classmethod
    def parse(cls, name: str | Product) -> Product:
        """Accept a short name, long name, submit flag or label, case-insensitively.

        Raises ``ConfigurationError`` (a ``ValueError``) naming every accepted spelling when ``name``
        matches none.
        """
        if isinstance(name, Product):
            return name
        if not isinstance(name, str):
            raise ConfigurationError(f"expected a product name, got {name!r}")
        key = name.strip().lower()
        for product in cls:
            names = _NAMES[product.value]
            spellings = {product.value, names.flag, names.long_name, names.label, product.name}
            if key in {s.lower() for s in spellings}:
                return product
        options = ", ".join(f"{p.value!r} ({p.long_name})" for p in cls)
        raise ConfigurationError(f"{name!r} is not a product of the XRT service; use one of {options}")

    @classmethod
    def parse_many(cls, names: str | Product | object) -> tuple[Product, ...]:
        """Parse one name, a comma-separated string or an iterable of names, keeping order, no repeats."""
        if isinstance(names, (str, Product)):
            items: list[str | Product] = [n for n in str(names).split(",") if n.strip()]
        else:
            try:
                items = list(names)  # type: ignore[call-overload]
            except TypeError:
                raise ConfigurationError(f"expected product names, got {names!r}") from None
        out: list[Product] = []
        for item in items:
            product = cls.parse(item)
            if product not in out:
                out.append(product)
        return tuple(out)


#: Every product in the order the service documents them.
ALL_PRODUCTS: tuple[Product, ...] = tuple(Product)


def join_short_names(products: tuple[Product, ...] | list[Product]) -> str:
    """The wire form of a product list: short names joined by commas, no spaces."""
    return ",".join(p.short for p in products)
