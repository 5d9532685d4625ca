"""Native actions are typed (unikms.native.Action): the answer a driver gives is held to
the action's answer type, so a field of the wrong type is a typed failure, not a
``TypeError`` or a wrong value deep in the lowering."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

import pytest

from unikms.driver import Action, NativeError


class Version(TypedDict):
    KeyVersionId: str
    CreationDate: int


class Metadata(TypedDict):
    KeyId: str
    Enabled: bool
    Rotation: NotRequired[float]
    State: Literal["Enabled", "Disabled"]
    Versions: list[Version]
    Tags: dict[str, str]
    Blob: NotRequired[bytes | str]
    Extra: NotRequired[Any]


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
