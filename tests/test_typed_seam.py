"""Native actions are typed (unikms.native.Action): the answer a driver gives is held to
the action's answer type, so a field of the wrong type is a typed failure, not a
``TypeError`` or a wrong value deep in the lowering."""

from __future__ import annotations

import typing
from typing import Any, Literal, TypedDict

import pytest

import unikms
from unikms.dialects import dialect_packages, operations_class
from unikms.driver import Action, NativeError
from unikms.fake import FakeCloud
from unikms.native import NativeParams, NativeResponse
from unikms.types import Dialect


class Version(TypedDict):
    KeyVersionId: str
    CreationDate: int


class Metadata(TypedDict, total=False):  # total=False, as the dialects' answers (3.10)
    KeyId: str
    Enabled: bool
    Rotation: float
    State: Literal["Enabled", "Disabled"]
    Versions: list[Version]
    Tags: dict[str, str]
    Blob: bytes | str
    Extra: Any


class Request(TypedDict):
    KeyId: str


class Answer(TypedDict):
    KeyMetadata: Metadata
    RequestId: str


DESCRIBE = Action("DescribeKey", Request, Answer)


def _answer(**changes: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "KeyId": "k",
        "Enabled": True,
        "State": "Enabled",
        "Versions": [{"KeyVersionId": "v", "CreationDate": 1}],
        "Tags": {"team": "a"},
    }
    meta.update(changes)
    return {"KeyMetadata": meta, "RequestId": "r"}


def _wrong(response: dict[str, Any]) -> str:
    with pytest.raises(NativeError) as err:
        DESCRIBE.checked(response)
    assert err.value.origin == "answer"
    assert err.value.code == "WrongType"
    return err.value.message


def test_a_well_typed_answer_reads_as_sent() -> None:
    answer = DESCRIBE.checked(_answer(Rotation=1, Blob=b"x", Extra=object(), Unknown={"a": 1}))
    assert answer["KeyMetadata"]["Versions"][0]["KeyVersionId"] == "v"
    assert answer["KeyMetadata"]["Rotation"] == 1  # an int is a fine float
    assert answer["KeyMetadata"]["Blob"] == b"x"
    assert answer["KeyMetadata"]["Unknown"] == {"a": 1}  # a field beyond the type passes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"KeyId": 7}, "KeyMetadata.KeyId of type int, not str"),
        ({"Enabled": "true"}, "KeyMetadata.Enabled of type str, not bool"),
        ({"Rotation": True}, "KeyMetadata.Rotation of type bool, not float"),
        ({"State": "Gone"}, "KeyMetadata.State = 'Gone', not one of 'Enabled', 'Disabled'"),
        ({"Versions": {"a": 1}}, "KeyMetadata.Versions of type dict, not a list"),
        (
            {"Versions": [{"KeyVersionId": "v", "CreationDate": "1"}]},
            "KeyMetadata.Versions[0].CreationDate of type str, not int",
        ),
        ({"Tags": {"team": 1}}, "KeyMetadata.Tags.team of type int, not str"),
        ({"Blob": 3}, "KeyMetadata.Blob of type int, not bytes or str"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_with_its_path(
    change: dict[str, Any], message: str
) -> None:
    assert _wrong(_answer(**change)) == f"the answer to DescribeKey has {message}"


def test_an_object_where_a_string_belongs_and_the_reverse() -> None:
    assert "KeyMetadata of type str, not Metadata" in _wrong({"KeyMetadata": "k"})
    assert "RequestId of type dict, not str" in _wrong({**_answer(), "RequestId": {}})


def test_none_is_absent_and_a_missing_field_fails_when_read() -> None:
    answer = DESCRIBE.checked(_answer(Rotation=None))
    assert "Rotation" not in answer["KeyMetadata"]
    assert answer["KeyMetadata"].get("Rotation") is None
    with pytest.raises(NativeError, match="MissingField: the answer to DescribeKey has no KeyId"):
        DESCRIBE.checked({"KeyMetadata": {}, "RequestId": "r"})["KeyMetadata"]["KeyId"]


def test_the_error_carries_no_value_of_the_answer() -> None:
    secret = "c2VjcmV0LXBsYWludGV4dA=="
    message = _wrong(_answer(KeyId=[secret]))
    assert secret not in message


def test_an_action_shows_its_name_and_types() -> None:
    assert repr(DESCRIBE) == "Action('DescribeKey', Request, Answer)"


# -- every dialect's operations call typed actions -------------------------------------------


TYPED = [p.name for p in dialect_packages() if operations_class(p.name).actions]


@pytest.mark.parametrize("dialect", TYPED)
def test_each_typed_action_is_one_the_fake_answers_with_documented_parameters(
    dialect: str,
) -> None:
    service = FakeCloud().service(dialect)
    rules = operations_class(dialect).rules
    for action in operations_class(dialect).actions:
        assert action.name in service.actions, f"{dialect}: the fake has no {action.name}"
        fields = set(typing.get_type_hints(action.request))
        known = rules.known_params.get(action.name)
        if known is not None:  # the fake would refuse any other as an unknown parameter
            assert fields <= known, f"{dialect} {action.name}: {sorted(fields - known)}"


class _Altering:
    """A driver over the fake that changes one field of one action's answer."""

    runs_inline = False  # and no crypto seam: every call goes through ``call``

    def __init__(
        self, service: typing.Any, action: str, change: typing.Callable[[dict[str, Any]], None]
    ) -> None:
        self.service = service
        self.action = action
        self.change = change

    @property
    def dialect(self) -> Dialect:
        return self.service.dialect

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        answer = self.service.call(action, params)
        if action.endswith(self.action):  # "Encrypt" also alters the gateway's AdvanceEncrypt
            self.change(answer)
        return answer

    def close(self) -> None:
        self.service.close()


def _state_as_number(answer: dict[str, Any]) -> None:
    answer["KeyMetadata"]["KeyState"] = 2


@pytest.mark.parametrize("dialect", TYPED)
def test_an_answer_field_of_the_wrong_type_is_a_service_error_naming_it(dialect: str) -> None:
    cloud = FakeCloud()
    key = unikms.KmsClient(cloud.service(dialect)).create_key().key_id
    kms = unikms.KmsClient(_Altering(cloud.service(dialect), "DescribeKey", _state_as_number))
    with pytest.raises(unikms.ServiceError) as err:
        kms.describe_key(key)
    assert "KeyMetadata.KeyState of type int, not str" in str(err.value)
    assert err.value.code == "WrongType"


def _blob_as_list(answer: dict[str, Any]) -> None:
    answer["CiphertextBlob"] = [answer["CiphertextBlob"]]


@pytest.mark.parametrize("dialect", TYPED)
def test_a_crypto_answer_of_the_wrong_type_through_the_native_bridge(dialect: str) -> None:
    cloud = FakeCloud()
    key = unikms.KmsClient(cloud.service(dialect)).create_key().key_id
    kms = unikms.KmsClient(_Altering(cloud.service(dialect), "Encrypt", _blob_as_list))
    with pytest.raises(unikms.ServiceError, match="CiphertextBlob of type list") as err:
        kms.encrypt(key, b"x")
    assert err.value.code == "WrongType"


def test_every_registered_dialect_calls_typed_actions() -> None:
    """No dialect is left on untyped requests: DialectOperations.call takes actions only
    (mypy refuses a bare name), and each dialect lists the actions it calls."""
    assert [p.name for p in dialect_packages()] == TYPED
    assert {"alibaba-classic", "alibaba-instance", "tencent", "aws"} <= set(TYPED)


@pytest.mark.parametrize("dialect", [p.name for p in dialect_packages()])
def test_a_fake_that_checks_parameter_names_checks_them_on_every_action(dialect: str) -> None:
    """A dialect whose rules document parameter names answers an unknown one with its own
    error (#11) on every action its fake answers, not only on some; a dialect documents
    none only by choice (the gateway's protobuf bodies skip unknown fields)."""
    known = operations_class(dialect).rules.known_params
    if not known:
        pytest.skip(f"the {dialect} dialect checks no parameter names (docs/dialects.md)")
    assert sorted(set(FakeCloud().service(dialect).actions) - set(known)) == []


@pytest.mark.parametrize(
    ("dialect", "code"),
    [("alibaba-classic", "UnsupportedParameter"), ("tencent", "UnknownParameter")],
)
def test_update_key_description_refuses_an_unknown_parameter(dialect: str, code: str) -> None:
    """It was one of the actions with no documented parameter list, so anything passed."""
    service = FakeCloud().service(dialect)
    key_id = unikms.KmsClient(service).create_key().key_id
    with pytest.raises(NativeError) as err:
        service.call("UpdateKeyDescription", {"KeyId": key_id, "Description": "d", "Bogus": 1})
    assert err.value.code == code
