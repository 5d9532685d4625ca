"""The names a driver or dialect author needs, in one place (go-cloud's ``secrets/driver``).

An application imports :mod:`unikms` (``connect``, ``KmsClient``, the results and the
errors) and nothing from here. Whoever writes a driver for an existing dialect, or a
whole dialect package, imports from here:

* the seam: :class:`Driver` (one native ``call``), its one error :class:`NativeError`,
  typed native actions :class:`Action` and the answers they check
  (:class:`NativeAnswer`, :func:`checked_answer`);
* a dialect's rules and neutral lowering: :class:`DialectRules`,
  :class:`DialectOperations`, :class:`Situation`, :class:`Feature`, :class:`ErrorSpec`,
  :class:`Limits`, :class:`EncryptOptions`;
* what a dialect package declares and how it is registered: :class:`DialectPackage`
  and its parts, :func:`register_dialect` (or the ``unikms.dialects`` entry point);
* :func:`register_scheme`, for a URL scheme that opens a driver (or the
  ``unikms.schemes`` entry point).

The conformance suite a driver runs in its own CI is :mod:`unikms.testing`. How to add
a dialect: ``docs/dialects-howto.md``::

    >>> from unikms.driver import Driver, NativeError, register_scheme
    >>> from unikms.fake import FakeCloud
    >>> isinstance(FakeCloud().service("tencent"), Driver)
    True
"""

from unikms.dialects import (
    dialect_package,
    dialect_packages,
    register_dialect,
    registered_dialect,
    unregister_dialect,
)
from unikms.dialects.base import (
    DialectOperations,
    DialectRules,
    EncryptOptions,
    ErrorSpec,
    Feature,
    Limits,
    Situation,
)
from unikms.dialects.package import (
    AccountFamily,
    CassetteCodec,
    ContractSupport,
    CredentialSpec,
    DialectPackage,
    EmulatorEndpoint,
    EmulatorSupport,
    lazy_call,
    lazy_service,
    lazy_store,
    shown_secret,
)
from unikms.native import (
    ORIGINS,
    Action,
    Driver,
    NativeAnswer,
    NativeCall,
    NativeError,
    NativeParams,
    NativeResponse,
    checked_answer,
)
from unikms.registry import register_scheme

__all__ = [
    "ORIGINS",
    "AccountFamily",
    "Action",
    "CassetteCodec",
    "ContractSupport",
    "CredentialSpec",
    "DialectOperations",
    "DialectPackage",
    "DialectRules",
    "Driver",
    "EmulatorEndpoint",
    "EmulatorSupport",
    "EncryptOptions",
    "ErrorSpec",
    "Feature",
    "Limits",
    "NativeAnswer",
    "NativeCall",
    "NativeError",
    "NativeParams",
    "NativeResponse",
    "Situation",
    "checked_answer",
    "dialect_package",
    "dialect_packages",
    "lazy_call",
    "lazy_service",
    "lazy_store",
    "register_dialect",
    "register_scheme",
    "registered_dialect",
    "shown_secret",
    "unregister_dialect",
]
