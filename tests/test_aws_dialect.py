"""The AWS KMS dialect (``unikms/dialects/aws/``): what the conformance and contract
suites do not cover. Real clients against ``unikms serve`` (boto3, the AWS CLI in a
cached virtualenv, the AWS Encryption SDK with a KMS keyring), SigV4's refusals, the
fake's rules (context binding, rotation by the clock, DryRun, states), envelopes
wrapped under AWS and Alibaba keys, and the documented figures (docs/dialects-aws.md).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import unikms
from tests.gateway_sdk import venv as sdk_venv
from unikms.dialects import dialect_package
from unikms.dialects.aws import rules as aws
from unikms.dialects.aws.package import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from unikms.emulator import Emulator
from unikms.envelope import decrypt as envelope_decrypt
from unikms.envelope import encrypt as envelope_encrypt
from unikms.errors import (
    DecryptionFailedError,
    DryRunPassed,
    InvalidRequestError,
    KeyUnavailableError,
    PortabilityError,
)
from unikms.fake import FakeCloud
from unikms.types import KeyState

boto3 = pytest.importorskip("boto3")
botocore_exceptions = pytest.importorskip("botocore.exceptions")

AWSCLI = sdk_venv.SdkVenv(
    "awscli", ("awscli==1.46.3",), "import awscli.clidriver", "UNIKMS_AWSCLI_VENV"
)


@pytest.fixture(scope="module", autouse=True)
def _no_proxy() -> None:
    for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
        os.environ.pop(name)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def client(emu: Emulator, secret: str = DEFAULT_SECRET_ACCESS_KEY, **kw: Any) -> Any:
    return boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=f"http://{emu.endpoint}",
        aws_access_key_id=kw.pop("key_id", DEFAULT_ACCESS_KEY_ID),
        aws_secret_access_key=secret,
        **kw,
    )


# -- boto3 against unikms serve ------------------------------------------------------


def test_boto3_lifecycle(emulator: Emulator) -> None:
    kms = client(emulator)
    meta = kms.create_key(Description="orders")["KeyMetadata"]
    key_id, arn = meta["KeyId"], meta["Arn"]
    assert aws.KEY_ID_PATTERN.fullmatch(key_id)
    assert arn == f"arn:aws:kms:us-east-1:111122223333:key/{key_id}"
    assert meta["KeyState"] == "Enabled" and meta["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert isinstance(meta["CreationDate"], datetime)
    kms.create_alias(AliasName="alias/boto3-orders", TargetKeyId=key_id)
    context = {"tenant": "42", "purpose": "orders"}
    sealed = kms.encrypt(KeyId="alias/boto3-orders", Plaintext=b"card", EncryptionContext=context)
    assert sealed["KeyId"] == arn and sealed["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    opened = kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext=context)
    assert opened["Plaintext"] == b"card" and opened["KeyId"] == arn
    with pytest.raises(kms.exceptions.InvalidCiphertextException) as wrong:
        kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"tenant": "43"})
    assert wrong.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    data_key = kms.generate_data_key(KeyId=arn, KeySpec="AES_256", EncryptionContext=context)
    assert len(data_key["Plaintext"]) == 32
    assert (
        kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext=context)[
            "Plaintext"
        ]
        == data_key["Plaintext"]
    )
    kms.disable_key(KeyId=key_id)
    with pytest.raises(kms.exceptions.DisabledException):
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    assert kms.describe_key(KeyId="alias/boto3-orders")["KeyMetadata"]["KeyState"] == "Disabled"
    assert key_id in [k["KeyId"] for k in kms.list_keys()["Keys"]]
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/boto3-orders"] == key_id
    deletion = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert deletion["KeyState"] == "PendingDeletion" and deletion["PendingWindowInDays"] == 7
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as state:
        kms.enable_key(KeyId=key_id)
    assert "pending deletion" in state.value.response["Error"]["Message"]
    kms.cancel_key_deletion(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


def test_boto3_errors_are_aws_documents(emulator: Emulator) -> None:
    kms = client(emulator)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId="00000000-0000-4000-8000-000000000000")
    with pytest.raises(kms.exceptions.InvalidAliasNameException):
        kms.create_alias(AliasName="alias/aws/ebs", TargetKeyId=key_id)
    with pytest.raises(botocore_exceptions.ClientError) as window:
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=31)
    assert window.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(kms.exceptions.DryRunOperationException) as dry:
        kms.encrypt(KeyId=key_id, Plaintext=b"x", DryRun=True)
    assert dry.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(kms.exceptions.IncorrectKeyException):
        kms.decrypt(CiphertextBlob=sealed, KeyId=other)
    moved = kms.re_encrypt(CiphertextBlob=sealed, DestinationKeyId=other)
    assert moved["SourceKeyId"].endswith(key_id) and moved["KeyId"].endswith(other)


def test_sigv4_refusals(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(botocore_exceptions.ClientError) as err:
        client(emulator, secret="wrong").list_keys()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    with pytest.raises(botocore_exceptions.ClientError) as err:
        client(emulator, key_id="AKIAUNKNOWNKEY000000").list_keys()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    expired = client(emulator)
    import botocore.auth

    signed_at = botocore.auth.get_current_datetime() - timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: signed_at)
    with pytest.raises(botocore_exceptions.ClientError) as err:
        expired.list_keys()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert err.value.response["Error"]["Message"].startswith("Signature expired: ")


def test_the_adapter_through_the_emulator_is_the_fake(emulator: Emulator) -> None:
    kms = unikms.connect(emulator.adapter_urls()["aws"])
    key = kms.create_key(alias="alias/adapter").key_id
    sealed = kms.encrypt("alias/adapter", b"wire", context={"k": "v"})
    assert emulator.cloud.aws.get(key) is not None
    assert kms.decrypt(sealed.ciphertext, context={"k": "v"}).plaintext == b"wire"
    with pytest.raises(DryRunPassed):
        kms.encrypt(key, b"x", dry_run=True)


def test_a_missing_credential_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(unikms.ConfigurationError) as err:
        unikms.connect("aws-kms://us-east-1?endpoint=http://127.0.0.1:9")
    assert "\n" not in str(err.value) and "AWS_ACCESS_KEY_ID" in str(err.value)


# -- the AWS CLI and the AWS Encryption SDK ---------------------------------------------


@pytest.mark.sdk_venv
def test_aws_cli_lifecycle(emulator: Emulator, tmp_path: Path) -> None:
    venv = sdk_venv.ensure_or_skip(AWSCLI)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    def aws_cli(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [str(venv / "bin" / "aws"), "kms", *args, "--endpoint-url",
             f"http://{emulator.endpoint}", "--output", "json"],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    key_id = aws_cli("create-key", "--description", "cli")["KeyMetadata"]["KeyId"]
    aws_cli("create-alias", "--alias-name", "alias/cli", "--target-key-id", key_id)
    (tmp_path / "plain").write_bytes(b"from the aws cli")
    sealed = aws_cli(
        "encrypt", "--key-id", "alias/cli", "--plaintext", f"fileb://{tmp_path / 'plain'}",
        "--encryption-context", "purpose=cli",
    )["CiphertextBlob"]  # fmt: skip
    (tmp_path / "blob").write_bytes(__import__("base64").b64decode(sealed))
    opened = aws_cli(
        "decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'blob'}",
        "--encryption-context", "purpose=cli",
    )  # fmt: skip
    assert __import__("base64").b64decode(opened["Plaintext"]) == b"from the aws cli"
    aws_cli("disable-key", "--key-id", key_id)
    assert aws_cli("describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"] == "Disabled"


def test_aws_encryption_sdk_with_a_kms_keyring(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    esdk = pytest.importorskip("aws_encryption_sdk")
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", f"http://{emulator.endpoint}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    arn = client(emulator).create_key()["KeyMetadata"]["Arn"]
    sdk = esdk.EncryptionSDKClient(
        commitment_policy=esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    provider = esdk.StrictAwsKmsMasterKeyProvider(key_ids=[arn])
    message, _ = sdk.encrypt(
        source=b"sealed by the ESDK" * 100, key_provider=provider, encryption_context={"a": "1"}
    )
    plaintext, header = sdk.decrypt(source=message, key_provider=provider)
    assert plaintext == b"sealed by the ESDK" * 100
    assert header.encryption_context["a"] == "1"


# -- the fake's rules ---------------------------------------------------------------------


def test_contexts_that_moto_would_confuse_differ_here() -> None:
    kms = unikms.connect("fake://aws")
    key = kms.create_key().key_id
    sealed = kms.encrypt(key, b"x", context={"ab": "c"})
    with pytest.raises(DecryptionFailedError):
        kms.decrypt(sealed.ciphertext, context={"a": "bc"})


def test_old_material_keeps_decrypting_and_the_clock_rotates() -> None:
    cloud = FakeCloud()
    kms = unikms.KmsClient(cloud.service("aws"))
    key = kms.create_key().key_id
    before = kms.encrypt(key, b"old")
    kms.rotate_key(key)
    kms.set_rotation_policy(key, enabled=True, period_days=90)
    store = cloud.store("aws")
    assert len(store.get(key).versions) == 2  # type: ignore[union-attr]
    cloud.clock.advance(days=181)
    assert kms.decrypt(before.ciphertext).plaintext == b"old"
    assert len(store.get(key).versions) == 4  # type: ignore[union-attr]  # two periods passed
    assert kms.describe_key(key).native["RotationPeriodInDays"] == 90


def test_on_demand_rotation_is_limited_to_25() -> None:
    kms = unikms.connect("fake://aws")
    key = kms.create_key().key_id
    for _ in range(aws.MAX_ON_DEMAND_ROTATIONS):
        kms.rotate_key(key)
    with pytest.raises(InvalidRequestError) as err:
        kms.rotate_key(key)
    assert err.value.code == "LimitExceededException"


def test_states_answer_their_exceptions() -> None:
    kms = unikms.connect("fake://aws")
    pending = kms.create_key(external=True)
    with pytest.raises(KeyUnavailableError) as err:
        kms.encrypt(pending.key_id, b"x")
    assert (err.value.code, err.value.state) == (
        "KMSInvalidStateException",
        KeyState.PENDING_IMPORT,
    )
    key = kms.create_key().key_id
    kms.schedule_key_deletion(key, 30)  # AWS schedules an Enabled key too
    with pytest.raises(KeyUnavailableError) as err:
        kms.generate_data_key(key)
    assert err.value.state is KeyState.PENDING_DELETION


def test_a_seed_section_for_aws() -> None:
    cloud = FakeCloud(aws_region="eu-west-1")
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    cloud.load_seed({"aws": {"keys": [{"id": key_id, "aliases": ["alias/seeded"]}]}})
    kms = unikms.KmsClient(cloud.service("aws"))
    info = kms.describe_key("alias/seeded")
    assert info.arn == f"arn:aws:kms:eu-west-1:111122223333:key/{key_id}"
    with pytest.raises(unikms.InvalidRequestError):
        FakeCloud().load_seed({"aws": {"keys": [{"id": key_id, "state": "Archived"}]}})


def test_china_regions_use_the_aws_cn_partition() -> None:
    assert aws.key_arn("cn-north-1", "111122223333", "k").startswith("arn:aws-cn:kms:")


def test_documented_figures() -> None:
    """The figures of docs/dialects-aws.md, written here and not read from the rules."""
    rules = dialect_package("aws").rules
    assert rules.limits.max_plaintext == 4096  # PlaintextType max
    assert rules.limits.data_key_bytes == (1, 1024)  # NumberOfBytesType
    assert aws.DELETION_WINDOW == (7, 30)  # ScheduleKeyDeletion
    assert aws.ROTATION_PERIOD == (90, 2560)  # RotationPeriodInDaysType
    assert rules.max_description == 8192  # DescriptionType
    assert rules.errors["DryRunOperationException"].http_status == 412
    assert rules.errors["NotFoundException"].http_status == 400
    assert rules.errors["KMSInternalException"].http_status == 500


# -- envelopes and portability ----------------------------------------------------------


def test_an_envelope_under_an_aws_and_an_alibaba_key_opens_with_either() -> None:
    aws_kms = unikms.connect("fake://aws")
    alibaba = unikms.connect("fake://alibaba-classic")
    keys = [(aws_kms, aws_kms.create_key().key_id), (alibaba, alibaba.create_key().key_id)]
    message = envelope_encrypt(b"data" * 1000, keys, context={"app": "orders"})
    for one in (aws_kms, alibaba):
        assert envelope_decrypt(message, [one], context={"app": "orders"}) == b"data" * 1000


def test_strict_portability_counts_aws() -> None:
    strict_aws = unikms.connect("fake://aws", strict="true")
    with pytest.raises(PortabilityError) as err:  # fine on AWS, Tencent takes no /
        strict_aws.create_key(alias="alias/team/orders")
    assert err.value.other.value == "tencent"
    strict = unikms.connect("fake://alibaba-classic", strict="true")
    with pytest.raises(PortabilityError) as err:  # alias/aws/ is reserved on AWS
        strict.create_key(alias="alias/aws/orders")
    assert err.value.other.value == "aws"  # the first dialect (by name) to refuse it
    assert strict_aws.max_plaintext() == 4096
