"""The neutral API for asyncio: :class:`AsyncKmsClient` over a :class:`~unikms.KmsClient`.

The official SDKs block, so each call of an adapter-backed client runs the
synchronous client in a worker thread (``asyncio.to_thread``, or the executor
you give); one client may be shared by threads (tested on every driver, see
``docs/api.md``). A ``fake://`` client never waits on I/O and answers in
microseconds, so its calls run inline, without a thread hop. Validation, errors
and results are the synchronous client's, unchanged.

    >>> import asyncio
    >>> from unikms import aio
    >>> async def main() -> bytes:
    ...     async with aio.connect("fake://tencent") as kms:
    ...         key = (await kms.create_key(alias="alias/orders")).key_id
    ...         sealed = await kms.encrypt(key, b"card", context={"order": "7"})
    ...         return (await kms.decrypt(sealed.ciphertext, context={"order": "7"})).plaintext
    >>> asyncio.run(main())
    b'card'
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Executor
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from unikms.client import KmsClient
from unikms.errors import InvalidRequestError
from unikms.registry import connect as _connect
from unikms.types import Dialect

__all__ = ["AsyncKmsClient", "connect"]

P = ParamSpec("P")
R = TypeVar("R")


def connect(
    url: str | None = None, *, executor: Executor | None = None, **options: str
) -> AsyncKmsClient:
    """:func:`unikms.connect`, wrapped in an :class:`AsyncKmsClient` (same URLs and options)."""
    return AsyncKmsClient(_connect(url, **options), executor=executor)


def _awaitable(
    method: Callable[Concatenate[KmsClient, P], R],
) -> Callable[Concatenate[AsyncKmsClient, P], Coroutine[Any, Any, R]]:
    """The coroutine version of a :class:`KmsClient` method, with its very signature."""

    async def call(self: AsyncKmsClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        client = self._client
        return await self._run(lambda: method(client, *args, **kwargs))

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = f"Awaitable :meth:`unikms.KmsClient.{method.__name__}` (same arguments)."
    return call


class AsyncKmsClient:
    """Awaitable versions of every :class:`~unikms.KmsClient` call, same arguments.

    ``executor`` (default: asyncio's default thread pool) runs the calls of
    clients that do I/O; a client whose driver declares ``runs_inline = True`` (see
    :mod:`unikms.native`: a ``fake://`` client) runs inline.
    """

    def __init__(self, client: KmsClient, *, executor: Executor | None = None) -> None:
        if not isinstance(client, KmsClient):
            raise InvalidRequestError(
                f"client must be a KmsClient, got {type(client).__name__}", field="client"
            )
        self._client = client
        self._executor = executor
        # a driver that never waits on I/O says so (unikms.native); the fake does
        self._inline = getattr(client.driver, "runs_inline", False) is True

    def __repr__(self) -> str:
        return f"AsyncKmsClient({self._client!r})"

    @property
    def client(self) -> KmsClient:
        """The synchronous client underneath."""
        return self._client

    @property
    def dialect(self) -> Dialect:
        return self._client.dialect

    async def _run(self, call: Callable[[], R]) -> R:
        if self._inline:
            return call()
        if self._executor is None:
            return await asyncio.to_thread(call)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # -- lifecycle --------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the client (its connections); later calls raise ``InvalidRequestError``."""
        await self._run(self._client.close)

    async def __aenter__(self) -> AsyncKmsClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- every call of the synchronous client, awaitable ------------------------
    encrypt = _awaitable(KmsClient.encrypt)
    decrypt = _awaitable(KmsClient.decrypt)
    generate_data_key = _awaitable(KmsClient.generate_data_key)
    create_key = _awaitable(KmsClient.create_key)
    describe_key = _awaitable(KmsClient.describe_key)
    list_keys = _awaitable(KmsClient.list_keys)
    create_alias = _awaitable(KmsClient.create_alias)
    list_aliases = _awaitable(KmsClient.list_aliases)
    enable_key = _awaitable(KmsClient.enable_key)
    disable_key = _awaitable(KmsClient.disable_key)
    schedule_key_deletion = _awaitable(KmsClient.schedule_key_deletion)
    cancel_key_deletion = _awaitable(KmsClient.cancel_key_deletion)
    rotate_key = _awaitable(KmsClient.rotate_key)
    archive_key = _awaitable(KmsClient.archive_key)
    cancel_key_archive = _awaitable(KmsClient.cancel_key_archive)
    re_encrypt = _awaitable(KmsClient.re_encrypt)
    generate_random = _awaitable(KmsClient.generate_random)
    update_key_description = _awaitable(KmsClient.update_key_description)
    update_alias = _awaitable(KmsClient.update_alias)
    delete_alias = _awaitable(KmsClient.delete_alias)
    set_rotation_policy = _awaitable(KmsClient.set_rotation_policy)
    tag_key = _awaitable(KmsClient.tag_key)
    untag_key = _awaitable(KmsClient.untag_key)
    list_key_tags = _awaitable(KmsClient.list_key_tags)
    sign = _awaitable(KmsClient.sign)
    verify = _awaitable(KmsClient.verify)
    get_public_key = _awaitable(KmsClient.get_public_key)
    encrypt_asymmetric = _awaitable(KmsClient.encrypt_asymmetric)
    decrypt_asymmetric = _awaitable(KmsClient.decrypt_asymmetric)

    def max_plaintext(
        self,
        key: str = "",
        *,
        context: Mapping[str, str] | None = None,
        algorithm: str | None = None,
        iv: bytes | None = None,
        aad: bytes | None = None,
        padding: str | None = None,
    ) -> int:
        """:meth:`unikms.KmsClient.max_plaintext` (no I/O, so not a coroutine)."""
        return self._client.max_plaintext(
            key, context=context, algorithm=algorithm, iv=iv, aad=aad, padding=padding
        )
