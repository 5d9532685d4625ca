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
    ...         key = (await kms.create_key(alias="orders")).key_id
    ...         sealed = await kms.encrypt(key, b"card", context={"order": "7"})
    ...         return (await kms.decrypt(sealed.ciphertext, context={"order": "7"})).plaintext
    >>> asyncio.run(main())
    b'card'
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from types import TracebackType
from typing import ParamSpec, TypeVar

from unikms.client import KmsClient
from unikms.errors import InvalidRequestError
from unikms.registry import connect as _connect
from unikms.types import (
    DataKey,
    DecryptResult,
    Dialect,
    EncryptResult,
    KeyInfo,
    KeySpec,
    KeyVersion,
)

__all__ = ["AsyncKmsClient", "connect"]

P = ParamSpec("P")
R = TypeVar("R")


def connect(
    url: str | None = None, *, executor: Executor | None = None, **options: str
) -> AsyncKmsClient:
    """:func:`unikms.connect`, wrapped in an :class:`AsyncKmsClient` (same URLs and options)."""
    return AsyncKmsClient(_connect(url, **options), executor=executor)


class AsyncKmsClient:
    """Awaitable versions of every :class:`~unikms.KmsClient` call.

    ``executor`` (default: asyncio's default thread pool) runs the calls of
    clients that do I/O; a ``fake://`` client runs inline.
    """

    def __init__(self, client: KmsClient, *, executor: Executor | None = None) -> None:
        if not isinstance(client, KmsClient):
            raise InvalidRequestError(
                f"client must be a KmsClient, got {type(client).__name__}", field="client"
            )
        from unikms.fake.service import FakeService

        self._client = client
        self._executor = executor
        self._inline = isinstance(client.driver, FakeService)

    def __repr__(self) -> str:
        return f"AsyncKmsClient({self._client!r})"

    @property
    def client(self) -> KmsClient:
        """The synchronous client underneath."""
        return self._client

    @property
    def dialect(self) -> Dialect:
        return self._client.dialect

    async def _run(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        if self._inline:
            return call(*args, **kwargs)
        if self._executor is None:
            return await asyncio.to_thread(call, *args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(call, *args, **kwargs))

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

    # -- crypto -----------------------------------------------------------------
    async def encrypt(
        self,
        key: str,
        plaintext: bytes,
        *,
        context: Mapping[str, str] | None = None,
        version: KeyVersion = KeyVersion.PRIMARY,
        algorithm: str | None = None,
        iv: bytes | None = None,
        aad: bytes | None = None,
        padding: str | None = None,
        dry_run: bool = False,
    ) -> EncryptResult:
        """:meth:`unikms.KmsClient.encrypt`."""
        return await self._run(
            self._client.encrypt,
            key,
            plaintext,
            context=context,
            version=version,
            algorithm=algorithm,
            iv=iv,
            aad=aad,
            padding=padding,
            dry_run=dry_run,
        )

    async def decrypt(
        self,
        ciphertext: bytes | str,
        *,
        context: Mapping[str, str] | None = None,
        key: str | None = None,
        algorithm: str | None = None,
        iv: bytes | None = None,
        aad: bytes | None = None,
        padding: str | None = None,
        dry_run: bool = False,
    ) -> DecryptResult:
        """:meth:`unikms.KmsClient.decrypt`."""
        return await self._run(
            self._client.decrypt,
            ciphertext,
            context=context,
            key=key,
            algorithm=algorithm,
            iv=iv,
            aad=aad,
            padding=padding,
            dry_run=dry_run,
        )

    async def generate_data_key(
        self,
        key: str,
        *,
        context: Mapping[str, str] | None = None,
        number_of_bytes: int = 32,
        version: KeyVersion = KeyVersion.PRIMARY,
        dry_run: bool = False,
    ) -> DataKey:
        """:meth:`unikms.KmsClient.generate_data_key`."""
        return await self._run(
            self._client.generate_data_key,
            key,
            context=context,
            number_of_bytes=number_of_bytes,
            version=version,
            dry_run=dry_run,
        )

    # -- key management ---------------------------------------------------------
    async def create_key(
        self,
        *,
        spec: KeySpec = KeySpec.AES_256,
        description: str = "",
        alias: str | None = None,
        external: bool = False,
        hsm: bool = False,
    ) -> KeyInfo:
        """:meth:`unikms.KmsClient.create_key`."""
        return await self._run(
            self._client.create_key,
            spec=spec,
            description=description,
            alias=alias,
            external=external,
            hsm=hsm,
        )

    async def describe_key(self, key: str) -> KeyInfo:
        return await self._run(self._client.describe_key, key)

    async def list_keys(self) -> list[str]:
        return await self._run(self._client.list_keys)

    async def create_alias(self, alias: str, key: str) -> None:
        await self._run(self._client.create_alias, alias, key)

    async def list_aliases(self) -> dict[str, str]:
        return await self._run(self._client.list_aliases)

    async def enable_key(self, key: str) -> None:
        await self._run(self._client.enable_key, key)

    async def disable_key(self, key: str) -> None:
        await self._run(self._client.disable_key, key)

    async def schedule_key_deletion(self, key: str, days: int) -> None:
        await self._run(self._client.schedule_key_deletion, key, days)

    async def cancel_key_deletion(self, key: str) -> None:
        await self._run(self._client.cancel_key_deletion, key)

    async def rotate_key(self, key: str) -> str | None:
        return await self._run(self._client.rotate_key, key)

    async def archive_key(self, key: str) -> None:
        await self._run(self._client.archive_key, key)

    async def cancel_key_archive(self, key: str) -> None:
        await self._run(self._client.cancel_key_archive, key)

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
