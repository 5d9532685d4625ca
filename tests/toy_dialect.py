"""A dialect from outside unikms: ``toy-kms``, declared here and registered at run time.

It holds the claim of ``docs/dialects-howto.md``: a dialect is one package, and
adding one touches no shared file. Everything a dialect package can declare is
here: rules and neutral operations (Tencent's semantics under another name, to
keep the toy small), an account family with its own store and emulator
credentials, a fake service, a wire protocol of its own (JSON over ``POST /`` with
an ``X-Toy-Action`` header and an HMAC-SHA256 signature), an adapter that speaks
that protocol (URL scheme ``toy-kms``), a cassette codec and the contract hooks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult

import attrs

from unikms.dialects.package import (
    AccountFamily,
    CassetteCodec,
    ContractSupport,
    CredentialSpec,
    DialectPackage,
    EmulatorEndpoint,
    EmulatorSupport,
)
from unikms.dialects.tencent import rules as tencent_rules
from unikms.dialects.tencent.fake import TencentService, new_tencent_store
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import ProtocolHandler, Request, Response
from unikms.fake.keystore import KeyStore
from unikms.fake.service import FakeService, Throttle
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import Dialect

NAME = "toy-kms"
ACCESS_KEY_ID = "toy-id"
ACCESS_KEY_SECRET = "toy-secret"


def _new_store(account: str, region: str, clock: Callable[[], datetime]) -> KeyStore:
    return new_tencent_store(account, region, clock=clock)


FAMILY = AccountFamily(
    name="toy",
    default_account="toy-account",
    default_region="toy-region-1",
    new_store=_new_store,
    credentials=CredentialSpec(
        id_field="key_id",
        secret_field="secret",
        token_field="token",
        default_id=ACCESS_KEY_ID,
        default_secret=ACCESS_KEY_SECRET,
    ),
)


def sign(secret: str, action: str, body: bytes) -> str:
    return hmac.new(secret.encode(), action.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class ToyProtocol:
    """The toy's wire protocol in the emulator."""

    name = NAME

    def __init__(
        self,
        service: FakeService,
        credentials: EmulatorCredentials,
        save: Callable[[str], None],
    ) -> None:
        self.service = service
        self.credentials = credentials
        self.save = save

    def matches(self, request: Request) -> bool:
        return "x-toy-action" in request.headers

    def _answer(self, status: int, doc: Mapping[str, Any], request_id: str) -> Response:
        return Response(status, json.dumps(doc).encode(), "application/json", request_id=request_id)

    def handle(self, request: Request) -> Response:
        action = request.header("x-toy-action")
        key = self.credentials.access_key(FAMILY.name, request.header("x-toy-key"))
        given = request.header("x-toy-signature")
        if key is None or not hmac.compare_digest(sign(key.secret, action, request.body), given):
            return self._answer(403, {"Error": {"Code": "AuthFailure", "Message": "bad"}}, "-")
        try:
            params = json.loads(request.body or b"{}")
            answer = self.service.call(action, params)
        except NativeError as err:
            doc = {"Error": {"Code": err.code, "Message": err.message}, "RequestId": err.request_id}
            return self._answer(err.http_status, doc, err.request_id or "-")
        except ValueError:
            doc = {"Error": {"Code": "InvalidParameter", "Message": "the body is not JSON"}}
            return self._answer(400, doc, "-")
        self.save(action)
        return self._answer(200, {"Response": answer}, str(answer.get("RequestId", "")))

    def internal_error(self, request: Request) -> Response:
        return self._answer(500, {"Error": {"Code": "InternalError", "Message": "-"}}, "-")

    def too_large(self, request: Request) -> Response:
        return self._answer(413, {"Error": {"Code": "TooLarge", "Message": "-"}}, "-")


class ToyAdapter:
    """The toy's adapter: a :class:`~unikms.native.Driver` over its wire protocol."""

    def __init__(self, endpoint: str, key_id: str, secret: str) -> None:
        self.endpoint = endpoint
        self.key_id = key_id
        self._secret = secret

    @property
    def dialect(self) -> Dialect:
        return Dialect(NAME)

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        body = json.dumps(dict(params)).encode()
        request = urllib.request.Request(
            f"http://{self.endpoint}/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Toy-Action": action,
                "X-Toy-Key": self.key_id,
                "X-Toy-Signature": sign(self._secret, action, body),
            },
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as answer:
                status, doc = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            status, doc = err.code, json.loads(err.read())
        if "Error" in doc:  # Tencent's codes answer in a 200, as the toy's fake does
            error = doc["Error"]
            raise NativeError(error["Code"], error["Message"], status, doc.get("RequestId"))
        return dict(doc["Response"])

    def close(self) -> None:
        pass


def open_url(parts: SplitResult, options: dict[str, str]) -> ToyAdapter:
    """``toy-kms://<endpoint>?key_id=...&secret=...``"""
    key_id = options.pop("key_id", ACCESS_KEY_ID)
    secret = options.pop("secret", ACCESS_KEY_SECRET)
    return ToyAdapter(parts.netloc, key_id, secret)


def _protocol(
    service: FakeService,
    credentials: EmulatorCredentials,
    save: Callable[[str], None],
    options: Mapping[str, Any],
) -> ProtocolHandler:
    return ToyProtocol(service, credentials, save)


def _adapter_url(at: EmulatorEndpoint) -> str:
    return f"{NAME}://{at.endpoint}?key_id={ACCESS_KEY_ID}&secret={ACCESS_KEY_SECRET}"


def _label(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    return headers.get("x-toy-action")


def make_package() -> DialectPackage:
    """Declare ``toy-kms`` and build its package (rules name their dialect, so the
    name exists from here on: call it where it is registered, as a plug-in's
    import would)."""
    toy = Dialect.declare(NAME)
    rules = attrs.evolve(tencent_rules.RULES, dialect=toy)

    class ToyOperations(tencent_rules.TencentOperations):
        """The neutral operations: Tencent's lowering, under the toy's rules."""

    class ToyService(TencentService):
        """The toy's fake: Tencent's behaviour, answering as ``toy-kms``."""

    ToyOperations.rules = rules
    ToyService.rules = rules

    def service(store: KeyStore, throttle: Throttle | None) -> FakeService:
        return ToyService(store, throttle=throttle)

    return DialectPackage(
        name=NAME,
        title="A toy KMS registered from outside unikms (tests/toy_dialect.py)",
        rules=rules,
        operations=ToyOperations,
        family=FAMILY,
        service=service,
        emulator=EmulatorSupport(
            protocol=_protocol,
            read_only_actions=frozenset({"Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey"}),
            action_headers=("x-toy-action",),
            adapter_url=_adapter_url,
            cassette=CassetteCodec(
                prefix="toy",
                label=_label,
                body="json",
                secret_headers=("x-toy-key", "x-toy-signature"),
            ),
            banner=lambda at, credentials: [f"toy-kms: {_adapter_url(at)}"],
        ),
        contract=ContractSupport(
            absent_key_id="00000000-0000-1000-8000-00000000a0a0",
            ciphertext_shape=lambda blob: {"length": len(blob)},
        ),
        adapter_schemes=(NAME,),
    )
