"""A driver's ``call`` raises one thing, :class:`~unikms.native.NativeError`; its
``origin`` says whether the provider answered (``service``) or the transport, the
credentials, the answer or the driver itself failed, and the client maps each origin
to one neutral class (#12: "one error channel").
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

import unikms
from unikms.contract.targets import emulator_urls
from unikms.dialects import rules_for
from unikms.dialects.base import DialectRules
from unikms.emulator.credentials import EmulatorCredentials
from unikms.errors import (
    AccessDeniedError,
    ServiceError,
    TransportError,
    UnsupportedByDialectError,
)
from unikms.fake import FakeCloud
from unikms.fake.service import FakeService
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import Dialect


@pytest.fixture(scope="module")
def dead_urls() -> Iterator[dict[Dialect, str]]:
    """Every adapter's URL at a port nothing listens on."""
    for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
        os.environ.pop(name)
    with tempfile.TemporaryDirectory() as tmp:
        key = EmulatorCredentials().issue_client_key(tmp)
        yield emulator_urls("127.0.0.1:9", str(key.path), key.password)


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_no_answer_is_a_transport_native_error_and_a_transport_error(
    dialect: Dialect, dead_urls: dict[Dialect, str]
) -> None:
    if dialect not in dead_urls:
        pytest.skip(f"{dialect} declares no adapter URL")
    kms = unikms.connect(dead_urls[dialect])
    with pytest.raises(NativeError) as native:
        kms.driver.call("DescribeKey", {"KeyId": "k"})
    assert native.value.origin == "transport"
    with pytest.raises(TransportError) as neutral:
        kms.describe_key("k")
    assert neutral.value.dialect is dialect


@pytest.mark.parametrize(
    ("origin", "kind"),
    [
        ("transport", TransportError),
        ("credentials", AccessDeniedError),
        ("answer", ServiceError),
        ("driver", UnsupportedByDialectError),
    ],
)
@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_every_origin_maps_to_its_one_class(
    dialect: Dialect, origin: str, kind: type[unikms.KmsError]
) -> None:
    rules: DialectRules = rules_for(dialect)
    err = NativeError("X", "what happened", 0, "req-1", origin=origin, field="management")
    neutral = rules.neutral(err)
    assert type(neutral) is kind
    assert (neutral.code, neutral.request_id, neutral.dialect) == ("X", "req-1", dialect)
    if origin == "driver":
        assert neutral.field == "management"


def test_an_unknown_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="origin"):
        NativeError("X", "y", 0, origin="elsewhere")


def test_a_gateway_without_management_refuses_through_the_one_channel(
    dead_urls: dict[Dialect, str],
) -> None:
    url = dead_urls[Dialect.ALIBABA_INSTANCE].split("&management=")[0]
    kms = unikms.connect(url)
    with pytest.raises(NativeError) as native:
        kms.driver.call("CreateKey", {})
    assert (native.value.origin, native.value.field) == ("driver", "management")
    with pytest.raises(UnsupportedByDialectError) as neutral:
        kms.create_key()
    assert neutral.value.field == "management"


class ShortAnswers:
    """A fake service whose answers to ``action`` lose ``field`` (a provider or a driver
    that answers short)."""

    def __init__(self, service: FakeService, action: str, field: str) -> None:
        self.service, self.action, self.field = service, action, field
        self.dialect = service.dialect

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        answer = self.service.call(action, params)
        if action == self.action:
            _drop(answer, self.field)
        return answer

    def close(self) -> None:
        self.service.close()


def _drop(answer: object, field: str) -> None:
    if isinstance(answer, dict):
        answer.pop(field, None)
        for value in answer.values():
            _drop(value, field)
    elif isinstance(answer, list):
        for value in answer:
            _drop(value, field)


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_a_short_answer_is_a_service_error_not_a_key_error(dialect: Dialect) -> None:
    """The operations read every answer through checked_answer: a missing field at any
    depth is a NativeError of origin ``answer``, a ServiceError to the application."""
    cloud = FakeCloud()
    key = unikms.KmsClient(cloud.service(dialect)).create_key().key_id
    for action, field in (("DescribeKey", "KeyId"), ("CreateKey", "KeyId")):
        kms = unikms.KmsClient(ShortAnswers(cloud.service(dialect), action, field))  # type: ignore[arg-type]
        with pytest.raises(ServiceError) as err:
            kms.describe_key(key) if action == "DescribeKey" else kms.create_key()
        assert err.value.code == "MissingField" and field in err.value.message
