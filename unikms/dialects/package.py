"""What a dialect package declares: one value that the core, the fake cloud, the
emulator, the contract tests, the envelope keyring, the CLI and the pytest plugin
read, so that none of them names a dialect.

A dialect package exports a :class:`DialectPackage` and names it in the entry-point
group ``unikms.dialects`` under the dialect's name (or registers it at run time with
:func:`unikms.dialects.register_dialect`). Only ``rules`` and ``operations`` are
required; a package without ``service`` has no fake, one without ``emulator`` is not
served by ``unikms serve``. ``docs/dialects-howto.md`` walks through a new one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from unikms.dialects.base import DialectOperations, DialectRules
from unikms.types import redacted

if TYPE_CHECKING:  # annotations only: the fake and the emulator load when used
    from unikms.emulator.credentials import EmulatorCredentials
    from unikms.emulator.wire import ProtocolHandler
    from unikms.fake.keystore import KeyStore
    from unikms.fake.service import FakeService, Throttle

#: what a banner shows in place of a secret that is not the documented default
HIDDEN_SECRET = "<from your --credentials file>"  # noqa: S105 -- a placeholder

__all__ = [
    "HIDDEN_SECRET",
    "AccountFamily",
    "CassetteCodec",
    "ContractSupport",
    "CredentialSpec",
    "DialectPackage",
    "EmulatorEndpoint",
    "EmulatorSupport",
    "lazy_call",
    "lazy_service",
    "lazy_store",
    "shown_secret",
]


def _imported(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def lazy_store(target: str) -> Callable[[str, str, Callable[[], datetime]], KeyStore]:
    """An :class:`AccountFamily`'s ``new_store`` from ``"module:function"`` (taking the
    account, the region and ``clock=``), imported on first use: declaring a dialect
    loads none of its fake.

    >>> new_store = lazy_store("unikms.dialects.tencent.fake:new_tencent_store")
    >>> new_store("100000000001", "ap-shanghai", lambda: None).region
    'ap-shanghai'
    """

    def new_store(account: str, region: str, clock: Callable[[], datetime]) -> KeyStore:
        return _imported(target)(account, region, clock=clock)  # type: ignore[no-any-return]

    return new_store


def lazy_service(target: str) -> Callable[[KeyStore, Throttle | None], FakeService]:
    """A package's ``service`` from ``"module:FakeServiceClass"`` (taking the store and
    ``throttle=``), imported on first use."""

    def service(store: KeyStore, throttle: Throttle | None) -> FakeService:
        return _imported(target)(store, throttle=throttle)  # type: ignore[no-any-return]

    return service


def lazy_call(target: str) -> Callable[[], Any]:
    """``"module:function"`` called with no arguments, imported on first use (a
    :class:`ContractSupport`'s ``doc_examples``)."""

    def call() -> Any:
        return _imported(target)()

    return call


@attrs.frozen
class CredentialSpec:
    """How a family's access keys are named in the emulator's credentials file, and
    the documented local default the emulator accepts (``docs/emulator.md``)."""

    id_field: str
    secret_field: str
    token_field: str
    default_id: str
    default_secret: str = attrs.field(repr=redacted)


def shown_secret(credentials: EmulatorCredentials, family: str, spec: CredentialSpec) -> str:
    """The family's default secret if the emulator still accepts it, else a placeholder."""
    key = credentials.access_key(family, spec.default_id)
    known = key is not None and key.secret == spec.default_secret
    return spec.default_secret if known else HIDDEN_SECRET


@attrs.frozen
class AccountFamily:
    """Dialects that see one account's keys share a family (Alibaba's classic API
    and its instance gateway do); each family is one store in the fake cloud, one
    section of a seed file and one row of the emulator's state file.

    ``new_store(account, region, clock)`` makes the family's empty store.
    """

    name: str
    default_account: str
    default_region: str
    new_store: Callable[[str, str, Callable[[], datetime]], KeyStore]
    credentials: CredentialSpec | None = None


@attrs.frozen
class EmulatorEndpoint:
    """Where an emulator listens, and the gateway client key it issued (if any):
    what a dialect needs to point its adapter there."""

    endpoint: str
    client_key_file: str | None = None
    client_key_password: str | None = attrs.field(default=None, repr=redacted)
    client_key_password_file: str | None = None


@attrs.frozen
class CassetteCodec:
    """How a recorded HTTP request of one wire protocol is recognised and compared.

    ``label(headers, params)`` returns the action when the request (lower-cased
    headers; query and form parameters merged) belongs to this protocol, else
    ``None``; recordings name the operation ``<prefix>:<action>``. ``body`` says how
    its bodies are compared and scrubbed: ``"json"``, ``"form"`` (parameters) or
    ``"protobuf"``; for protobuf, ``scrub_protobuf(action, body, standin)`` returns
    the answer with every secret field replaced by ``standin(raw)``.
    """

    prefix: str
    label: Callable[[Mapping[str, str], Mapping[str, str]], str | None]
    body: str = "form"
    scrub_protobuf: Callable[[str, bytes, Callable[[bytes], bytes]], bytes] | None = None
    #: headers (lower case) and parameters that carry credentials or signatures:
    #: written as ``<scrubbed>``
    secret_headers: tuple[str, ...] = ()
    secret_parameters: tuple[str, ...] = ()
    #: parameters that change on every request and do not decide a match
    volatile_parameters: tuple[str, ...] = ()


@attrs.frozen
class EmulatorSupport:
    """The dialect's wire protocol, for ``unikms serve``.

    ``protocol(service, credentials, save, options)`` builds the protocol handler
    over the dialect's fake service; ``save(action)`` persists after a state change;
    ``options`` are the emulator's protocol options (e.g. ``tc3_sign_action``).
    ``adapter_url`` gives the URL that points this dialect's adapter at an emulator.
    ``action_headers`` are the headers where requests name their action (access log).
    ``banner(at, credentials)`` gives the lines ``unikms serve`` prints to show how
    this dialect's SDKs connect (never a secret but the documented local default).
    """

    protocol: Callable[
        [FakeService, EmulatorCredentials, Callable[[str], None], Mapping[str, Any]],
        ProtocolHandler,
    ]
    read_only_actions: frozenset[str]
    action_headers: tuple[str, ...] = ()
    adapter_url: Callable[[EmulatorEndpoint], str] | None = None
    cassette: CassetteCodec | None = None
    banner: Callable[[EmulatorEndpoint, EmulatorCredentials], list[str]] | None = None


@attrs.frozen
class ContractSupport:
    """What the contract scenarios need to know of a dialect.

    ``absent_key_id`` is well formed but names no key; ``ciphertext_shape`` describes
    a ciphertext's layout without its random parts (transcripts compare shapes).
    ``doc_examples()`` returns the vendor's documented Encrypt, Decrypt and
    GenerateDataKey examples and their documented errors
    (:mod:`unikms.contract.doc_examples`), which ``cassettes/docs/build.py`` records
    through the dialect's adapter; it is called only then.
    """

    absent_key_id: str
    ciphertext_shape: Callable[[bytes], dict[str, Any]]
    doc_examples: Callable[[], Sequence[Mapping[str, Any]]] | None = None


@attrs.frozen
class DialectPackage:
    """One dialect, declared once.

    >>> from unikms.dialects import dialect_package
    >>> package = dialect_package("tencent")
    >>> package.rules.limits.max_plaintext, package.family.name
    (4096, 'tencent')
    """

    name: str
    title: str
    rules: DialectRules
    operations: type[DialectOperations]
    family: AccountFamily
    #: ``service(store, throttle)``: the dialect's fake service over a family store
    service: Callable[[KeyStore, Throttle | None], FakeService] | None = None
    emulator: EmulatorSupport | None = None
    contract: ContractSupport | None = None
    #: URL schemes of the dialect's adapters (declared as ``unikms.schemes`` entry points)
    adapter_schemes: tuple[str, ...] = ()
    #: the prefix of this dialect's ARNs (``acs:``), ``None`` where it has none
    arn_prefix: str | None = None
    #: dialects whose ciphertexts this dialect's decrypt also opens (the Alibaba
    #: instance gateway opens classic blobs, ``docs/ciphertext.md``); the envelope
    #: keyring tries such a client when no exact one is given
    opens_ciphertexts_of: tuple[str, ...] = ()
