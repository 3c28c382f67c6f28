"""Warning categories the client emits about the service itself (filter them with ``warnings``)."""

from __future__ import annotations

__all__ = ["NewerServiceVersionWarning", "ServiceDeprecationWarning", "XRTWarning"]


class XRTWarning(UserWarning):
    """Base class of the warnings xrt_prods_async emits."""


class ServiceDeprecationWarning(XRTWarning):
    """The service announced (``deprecationWarning``) that something this client uses will go away.

    Shown once per announcement ``type`` per session.
    """


class NewerServiceVersionWarning(XRTWarning):
    """The service speaks a newer API version than this client; an update may be advisable. Shown once."""
