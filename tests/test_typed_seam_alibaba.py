"""The two Alibaba dialects call their drivers through typed actions only
(``unikms.dialects.alibaba.classic_api``, ``gateway_api``): every action is one the
fake and the emulator answer, its fields are the wire's (the SDK's models, the gateway's
protobuf) with their types, and an answer of the wrong type is a ``ServiceError``
naming the field, through the operations and through the native crypto bridges."""

from __future__ import annotations

import ast
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from unikms import KmsClient
from unikms.dialects.alibaba import classic_api, gateway_api, instance
from unikms.dialects.alibaba.classic import KNOWN_PARAMS, NativeClassicCrypto
from unikms.dialects.alibaba.fake import AlibabaClassicService, AlibabaInstanceService
from unikms.dialects.alibaba.instance import NativeGatewayCrypto
from unikms.dialects.base import Situation
from unikms.errors import ServiceError
from unikms.fake import FakeCloud
from unikms.fake.service import FakeService
from unikms.native import Action, Driver, NativeError, NativeParams, NativeResponse
from unikms.testing.harness import adapter_harness
from unikms.types import Dialect, KeySpec, KeyUsage, SigningAlgorithm

CLASSIC = Dialect.ALIBABA_CLASSIC
INSTANCE = Dialect.ALIBABA_INSTANCE
ALIBABA = Path(instance.__file__).parent

#: the classic actions the instance dialect's operations send: its key management and
#: the asymmetric calls that name a version (the classic crypto actions it has not:
#: the gateway's Encrypt, Decrypt and GenerateDataKey answer for it, and it declares
#: neither re_encrypt nor public-key encryption)
NOT_SENT_BY_INSTANCE = {
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "ReEncrypt",
    "AsymmetricEncrypt",
    "AsymmetricDecrypt",
}
SENT: dict[Dialect, tuple[Action[Any, Any], ...]] = {
    CLASSIC: classic_api.ACTIONS,
    INSTANCE: gateway_api.ACTIONS
    + tuple(a for a in classic_api.ACTIONS if a.name not in NOT_SENT_BY_INSTANCE),
}


def _ids(actions: Sequence[Action[Any, Any]]) -> list[str]:
    return [a.name for a in actions]


def _sample(hint: Any) -> Any:
    """A value of type ``hint``: a dummy of its class, a TypedDict filled in."""
    if typing.is_typeddict(hint):
        return {name: _sample(h) for name, h in typing.get_type_hints(hint).items()}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        return [_sample(args[0])]
    if origin is dict:
        return {"k": _sample(args[1])}
    if args:  # X | None
        return _sample(next(a for a in args if a is not type(None)))
    return {str: "x", int: 1, bool: True, bytes: b"x"}[hint]


def _request(action: Action[Any, Any]) -> dict[str, Any]:
    """The request's required fields, each a dummy (``KeyId``: a key that is not there)."""
    hints = typing.get_type_hints(action.request)
    return {name: _sample(hints[name]) for name in action.request.__required_keys__}


# -- (a) every action is one the fake answers and the emulator routes ---------------------
def test_every_action_is_named_and_typed_once() -> None:
    for module in (classic_api, gateway_api):
        assert len({a.name for a in module.ACTIONS}) == len(module.ACTIONS)
        for action in module.ACTIONS:
            assert action.request.__name__ == f"{action.name}Request"
            assert action.answer.__name__ == f"{action.name}Answer"
            assert "RequestId" in action.answer.__required_keys__
            action.checked({"RequestId": "r"})  # every type compiles to a check
        for name in dir(module):
            shape = getattr(module, name)
            if typing.is_typeddict(shape) and shape.__module__ == module.__name__:
                assert shape.__doc__, f"{module.__name__}.{name} names no model"


@pytest.mark.parametrize("dialect", [CLASSIC, INSTANCE], ids=str)
def test_the_fake_answers_every_action_its_operations_send(dialect: Dialect) -> None:
    service = FakeCloud().service(dialect)
    assert isinstance(service, (AlibabaClassicService, AlibabaInstanceService))
    for action in SENT[dialect]:
        assert action.name in service.actions, action
        if dialect is INSTANCE:  # the gateway's own, or key management (the classic API's)
            served = instance.gateway_serves(action.name, _request(action))
            assert served is (action in gateway_api.ACTIONS), action
    _answered(service, SENT[dialect])


def _answered(driver: Driver, actions: Sequence[Action[Any, Any]]) -> None:
    """Each action is answered (or refused for its dummy parameters), never as an action
    the service does not know, nor (the classic API, which checks) with a parameter it
    does not know (the gateway's protobuf would not carry one: the adapter refuses it)."""
    unknown = {
        instance.RULES.situation(Situation.UNKNOWN_ACTION).code,
        instance.MANAGEMENT_RULES.situation(Situation.UNKNOWN_ACTION).code,
        instance.MANAGEMENT_RULES.situation(Situation.UNKNOWN_PARAMETER).code,
    }
    for action in actions:
        try:
            driver.call(action.name, _request(action))
        except NativeError as err:
            assert err.origin == "service", (action, err)
            assert err.code not in unknown, (action, err)


@pytest.fixture(scope="module")
def adapters() -> Iterator[dict[Dialect, Driver]]:
    """The SDK adapter and the gateway adapter, through the shared emulator."""
    yield {d: adapter_harness(d.value).client.driver for d in (CLASSIC, INSTANCE)}


@pytest.mark.parametrize("dialect", [CLASSIC, INSTANCE], ids=str)
def test_the_emulator_routes_every_action_its_operations_send(
    dialect: Dialect, adapters: dict[Dialect, Driver]
) -> None:
    _answered(adapters[dialect], SENT[dialect])


@pytest.mark.parametrize("action", gateway_api.ACTIONS, ids=_ids(gateway_api.ACTIONS))
def test_a_gateway_action_has_the_fields_and_types_of_its_protobuf_messages(
    action: Action[Any, Any],
) -> None:
    pytest.importorskip("google.protobuf")
    from google.protobuf.descriptor import FieldDescriptor

    from unikms.dialects.alibaba.dkms.wire import MESSAGES

    kinds = {
        FieldDescriptor.TYPE_STRING: str,
        FieldDescriptor.TYPE_BYTES: bytes,
        FieldDescriptor.TYPE_INT32: int,
        FieldDescriptor.TYPE_BOOL: bool,
    }
    for shape, message in zip((action.request, action.answer), MESSAGES[action.name], strict=True):
        fields = {f.name: kinds[f.type] for f in message.DESCRIPTOR.fields}
        for name, hint in typing.get_type_hints(shape).items():
            wanted = fields.get(name)
            assert wanted is not None, f"{message.__name__} has no {name}"
            assert {a for a in typing.get_args(hint) or (hint,) if a is not type(None)} == {
                wanted
            }, f"{shape.__name__}.{name}"


@pytest.mark.parametrize("action", classic_api.ACTIONS, ids=_ids(classic_api.ACTIONS))
def test_a_classic_action_has_the_fields_and_types_of_the_sdk_models(
    action: Action[Any, Any],
) -> None:
    models = pytest.importorskip("alibabacloud_kms20160120.models")
    documented = KNOWN_PARAMS.get(action.name)  # what the fake checks requests against
    assert documented is None or set(typing.get_type_hints(action.request)) <= documented
    request = _sample(action.request)
    assert getattr(models, f"{action.name}Request")().from_map(request).to_map() == request
    answer = _sample(action.answer)
    body = getattr(models, f"{action.name}ResponseBody")
    assert body().from_map(answer).to_map() == answer  # the SDK keeps every field by name
    assert _sdk_mismatches(models, body, answer, action.name) == []


def _sdk_mismatches(models: Any, model: type[Any], value: Any, path: str) -> list[str]:
    """The fields of ``value`` whose type is not the one the SDK ``model`` declares."""
    import inspect

    found: list[str] = []
    parsed = model().from_map(value)
    for name, parameter in inspect.signature(model.__init__).parameters.items():
        got = getattr(parsed, name, None) if name != "self" else None
        if got is None:
            continue
        declared = str(parameter.annotation).replace("main_models.", "")
        declared = getattr(parameter.annotation, "__name__", declared)
        if declared.startswith("List["):
            inner = getattr(models, declared[5:-1])
            for i, item in enumerate(got):
                found += _sdk_mismatches(models, inner, item.to_map(), f"{path}.{name}[{i}]")
        elif hasattr(models, declared):
            found += _sdk_mismatches(models, getattr(models, declared), got.to_map(), path)
        elif type(got).__name__ != declared:
            found.append(f"{path}.{name}: {type(got).__name__}, the SDK {declared}")
    return found


# -- (b) an answer of the wrong type is a ServiceError naming the field ---------------------
class Retyped:
    """A fake service behind nothing but ``call`` (so the operations take the native
    bridges), whose answers to ``action`` carry ``value`` at ``path``."""

    def __init__(self, service: FakeService, action: str, path: str, value: object) -> None:
        self.service, self.action, self.path, self.value = service, action, path, value
        self.dialect = service.dialect

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        answer = self.service.call(action, params)
        if action == self.action:
            *outer, last = self.path.split(".")
            target: Any = answer
            for name in outer:
                target = target[name]
            target[last] = self.value
        return answer

    def close(self) -> None:
        self.service.close()


def _retyped(
    dialect: Dialect, action: str, path: str, value: object, spec: KeySpec = KeySpec.AES_256
) -> tuple[KmsClient, str]:
    """A client whose driver retypes one field of ``action``'s answers, and a key."""
    cloud = FakeCloud()
    usage = None if spec.symmetric else KeyUsage.SIGN_VERIFY
    key = KmsClient(cloud.service(dialect)).create_key(spec=spec, usage=usage).key_id
    kms = KmsClient(Retyped(cloud.service(dialect), action, path, value))  # type: ignore[arg-type]
    return kms, key


def _wrong_type(call: Any, answer: str) -> str:
    with pytest.raises(ServiceError) as err:
        call()
    assert err.value.code == "WrongType"
    assert err.value.message.startswith(f"the answer to {answer} has ")
    return err.value.message


@pytest.mark.parametrize("dialect", [CLASSIC, INSTANCE], ids=str)
def test_a_key_state_of_the_wrong_type_is_a_service_error_naming_its_path(
    dialect: Dialect,
) -> None:
    kms, key = _retyped(dialect, "DescribeKey", "KeyMetadata.KeyState", 3)
    message = _wrong_type(lambda: kms.describe_key(key), "DescribeKey")
    assert message.endswith("KeyMetadata.KeyState of type int, not str")


@pytest.mark.parametrize(
    ("dialect", "action", "path", "value", "wanted"),
    [
        (CLASSIC, "Encrypt", "KeyId", 7, "KeyId of type int, not str"),
        (CLASSIC, "Decrypt", "Plaintext", b"aGk=", "Plaintext of type bytes, not str"),
        (INSTANCE, "AdvanceEncrypt", "CiphertextBlob", "YmxvYg==", "of type str, not bytes"),
        (INSTANCE, "AdvanceDecrypt", "KeyVersionId", 1, "KeyVersionId of type int, not str"),
    ],
)
def test_a_crypto_answer_of_the_wrong_type_through_the_native_bridge_is_a_service_error(
    dialect: Dialect, action: str, path: str, value: object, wanted: str
) -> None:
    kms, key = _retyped(dialect, action, path, value)
    bridge = getattr(kms._ops, "gateway", None) or kms._ops.crypto  # type: ignore[attr-defined]
    assert isinstance(bridge, (NativeClassicCrypto, NativeGatewayCrypto))
    if action.endswith("Encrypt"):
        message = _wrong_type(lambda: kms.encrypt(key, b"hi"), action)
    else:
        blob = kms.encrypt(key, b"hi").ciphertext
        message = _wrong_type(lambda: kms.decrypt(blob), action)
    assert message.endswith(wanted)


@pytest.mark.parametrize(
    ("dialect", "action", "path"),
    [(CLASSIC, "AsymmetricVerify", "Value"), (INSTANCE, "Verify", "Value")],
)
def test_a_verdict_is_a_boolean_not_its_text(dialect: Dialect, action: str, path: str) -> None:
    """The SDK models ``AsymmetricVerifyResponseBody.value`` as ``bool`` and the gateway's
    ``VerifyResponse.Value`` is a protobuf ``bool``: ``"true"`` is no verdict."""
    kms, key = _retyped(dialect, action, path, "true", KeySpec.EC_P256)
    algorithm = SigningAlgorithm.ECDSA_SHA_256
    signature = kms.sign(key, message=b"m", algorithm=algorithm).signature
    message = _wrong_type(
        lambda: kms.verify(key, signature, message=b"m", algorithm=algorithm), action
    )
    assert message.endswith("Value of type str, not bool")


# -- (c) no call names its action as a bare string ------------------------------------------
def _calls(path: Path) -> Iterator[ast.Call]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "call")
            or (isinstance(node.func, ast.Name) and node.func.id == "call")
        ):
            yield node


@pytest.mark.parametrize("path", sorted(ALIBABA.glob("*.py")), ids=lambda p: p.name)
def test_no_call_in_the_alibaba_dialects_passes_a_string_as_its_action(path: Path) -> None:
    for call in _calls(path):
        action = call.args[0] if call.args else None
        action = action or next((k.value for k in call.keywords if k.arg == "action"), None)
        assert not isinstance(action, (ast.Constant, ast.JoinedStr)), (
            f"{path.name}:{call.lineno} passes {ast.unparse(action)} to call: use an Action"
        )


@pytest.mark.parametrize("path", [ALIBABA / "classic.py", ALIBABA / "instance.py"], ids=str)
def test_every_action_the_operations_send_is_in_its_modules_actions(path: Path) -> None:
    modules = {"api": classic_api, "classic_api": classic_api, "gateway_api": gateway_api}
    sent = 0
    for call in _calls(path):
        action = call.args[0] if call.args else None
        if isinstance(action, ast.Attribute) and isinstance(action.value, ast.Name):
            module = modules[action.value.id]
            assert getattr(module, action.attr) in module.ACTIONS, ast.unparse(action)
            sent += 1
    assert sent
