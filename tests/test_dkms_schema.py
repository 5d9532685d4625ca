"""The committed protobuf code is generated from our own schema, and says the same.

``unikms/dialects/alibaba/dkms/dkms_gcs.proto`` is the source of truth (written from the
documented wire format); ``dkms_gcs_pb2.py`` is generated from it with
``python -m grpc_tools.protoc -I unikms/dialects/alibaba/dkms
--python_out=unikms/dialects/alibaba/dkms --pyi_out=unikms/dialects/alibaba/dkms
dkms_gcs.proto``. This test regenerates it and compares
the schema the two carry (not the text, which names the protoc version).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2

from unikms.dialects.alibaba.dkms import dkms_gcs_pb2

SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "unikms"
    / "dialects"
    / "alibaba"
    / "dkms"
    / "dkms_gcs.proto"
)


def test_generated_code_matches_the_schema(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{SCHEMA.parent}",
            f"--descriptor_set_out={tmp_path / 'set.pb'}",
            SCHEMA.name,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    fresh = descriptor_pb2.FileDescriptorSet.FromString((tmp_path / "set.pb").read_bytes()).file[0]
    for message in fresh.message_type:  # descriptor sets add json names; generated code doesn't
        for field in message.field:
            field.ClearField("json_name")
    committed = descriptor_pb2.FileDescriptorProto.FromString(dkms_gcs_pb2.DESCRIPTOR.serialized_pb)
    assert fresh == committed, "regenerate dkms_gcs_pb2.py from dkms_gcs.proto"


def test_the_documented_example_encodings() -> None:
    """shared/docs/wire-protocols.md 2.5 gives these bytes for the official SDK's messages."""
    pb = dkms_gcs_pb2
    assert pb.EncryptRequest(KeyId="key-1", Plaintext=b"hello", Aad=b"aad").SerializeToString() == (
        bytes.fromhex("0a056b65792d31120568656c6c6f2203616164")
    )
    assert pb.GenerateDataKeyRequest(KeyId="key-1", NumberOfBytes=32).SerializeToString() == (
        bytes.fromhex("0a056b65792d311820")
    )
    assert pb.AdvanceDecryptRequest(CiphertextBlob=b"\x01\x02", Aad=b"aad").SerializeToString() == (
        bytes.fromhex("0a02010222036161 64".replace(" ", ""))
    )
    error = pb.Error(
        StatusCode=404, ErrorCode="Forbidden.KeyNotFound", ErrorMessage="not found", RequestId="rid"
    )
    assert error.SerializeToString() == bytes.fromhex(
        "089403121546"
        "6f7262696464656e2e4b65794e6f74466f756e64"
        "1a096e6f7420666f756e6422037269 64".replace(" ", "")
    )
