"""unikms.aio: the neutral API for asyncio, on every driver."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import unikms
from tests.drivers import Harness
from unikms import aio


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.submitted = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.submitted += 1
        return super().submit(*args, **kwargs)


def test_round_trips_and_errors(harness: Harness) -> None:
    async def main() -> None:
        kms = aio.AsyncKmsClient(harness.client)
        assert kms.dialect is harness.dialect and kms.client is harness.client
        key = (await kms.create_key()).key_id
        sealed = await kms.encrypt(key, b"async", context={"a": "1"})
        opened = await kms.decrypt(sealed.ciphertext, context={"a": "1"})
        assert (opened.plaintext, opened.key_id) == (b"async", key)
        dk = await kms.generate_data_key(key, number_of_bytes=16)
        assert (await kms.decrypt(dk.ciphertext)).plaintext == dk.plaintext
        assert (await kms.describe_key(key)).key_id == key
        assert key in await kms.list_keys()
        assert kms.max_plaintext() == harness.client.max_plaintext()
        with pytest.raises(unikms.DecryptionFailedError):  # the same typed errors
            await kms.decrypt(sealed.ciphertext, context={"a": "2"})
        await kms.disable_key(key)
        with pytest.raises(unikms.KeyUnavailableError):
            await kms.encrypt(key, b"x")

    asyncio.run(main())


def test_concurrent_calls_on_one_client(harness: Harness) -> None:
    async def main() -> list[bool]:
        kms = aio.AsyncKmsClient(harness.client)
        key = (await kms.create_key()).key_id

        async def one(n: int) -> bool:
            data = b"message %d" % n
            sealed = await kms.encrypt(key, data)
            return (await kms.decrypt(sealed.ciphertext)).plaintext == data

        return list(await asyncio.gather(*(one(n) for n in range(40))))

    assert asyncio.run(main()) == [True] * 40


def test_the_fake_runs_inline_and_adapters_in_the_executor(harness: Harness) -> None:
    executor = CountingExecutor()

    async def main() -> None:
        kms = aio.AsyncKmsClient(harness.client, executor=executor)
        await kms.encrypt((await kms.create_key()).key_id, b"x")

    try:
        asyncio.run(main())
    finally:
        executor.shutdown()
    if harness.cloud is not None:  # a fake: no thread hop for microsecond calls
        assert executor.submitted == 0
    else:
        assert executor.submitted == 2


class _Wrapped:
    """A driver around the fake that declares (or not) that it runs inline."""

    def __init__(self, inner: Any, runs_inline: bool | None) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        if runs_inline is not None:
            self.runs_inline = runs_inline

    def call(self, action: str, params: Any) -> Any:
        return self.inner.call(action, params)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize(("declared", "submitted"), [(True, 0), (False, 2), (None, 2)])
def test_a_driver_declares_whether_it_runs_inline(declared: bool | None, submitted: int) -> None:
    """``runs_inline`` (unikms.native), not the driver's class, decides: absent means no."""
    from unikms.fake import FakeCloud

    executor = CountingExecutor()
    driver = _Wrapped(FakeCloud().service(unikms.Dialect.TENCENT), declared)

    async def main() -> None:
        kms = aio.AsyncKmsClient(unikms.KmsClient(driver), executor=executor)
        await kms.encrypt((await kms.create_key()).key_id, b"x")

    try:
        asyncio.run(main())
    finally:
        executor.shutdown()
    assert executor.submitted == submitted


def test_connect_and_close() -> None:
    async def main() -> None:
        async with aio.connect("fake://alibaba-instance") as kms:
            key = (await kms.create_key(hsm=True)).key_id
            sealed = await kms.encrypt(
                key, b"cbc", algorithm="AES_CBC", version=unikms.KeyVersion.INITIAL
            )
            assert (await kms.decrypt(sealed.ciphertext)).plaintext == b"cbc"
        with pytest.raises(unikms.InvalidRequestError):  # closed
            await kms.list_keys()

    asyncio.run(main())
    with pytest.raises(unikms.InvalidRequestError) as err:
        aio.AsyncKmsClient("fake://tencent")  # type: ignore[arg-type]
    assert err.value.field == "client"


def test_every_call_of_the_client_is_awaitable() -> None:
    """Each KMS call of :class:`KmsClient` (the ones :func:`unikms.observe.traced` wraps,
    and the hot three) has its coroutine, the asymmetric calls included."""
    calls = [
        name
        for name, member in vars(unikms.KmsClient).items()
        if callable(member) and hasattr(member, "__wrapped__") and not name.startswith("_")
    ] + ["encrypt", "decrypt", "generate_data_key"]
    assert {"sign", "verify", "get_public_key", "encrypt_asymmetric", "decrypt_asymmetric"} <= set(
        calls
    )
    for name in calls:
        assert asyncio.iscoroutinefunction(getattr(aio.AsyncKmsClient, name)), name

    async def main() -> bool:
        kms = aio.connect("fake://alibaba-classic")
        key = (await kms.create_key(spec="EC_P256")).key_id
        signed = await kms.sign(key, message=b"m", algorithm="ECDSA_SHA_256")
        return await kms.verify(key, signed.signature, message=b"m", algorithm="ECDSA_SHA_256")

    assert asyncio.run(main())
