"""The emulator as a process: state across restarts and kill -9, signals, bad input."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

import unikms
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator

# -- an independent signer, written from shared/docs/wire-protocols.md -------------------


def _pct(text: str) -> str:
    return quote(text, safe="-._~")


def acs3_request(
    endpoint: str,
    action: str,
    params: dict[str, str],
    *,
    nonce: str | None = None,
    date: datetime | None = None,
    secret: str = DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
    body: bytes = b"",
    tamper_body: bytes | None = None,
) -> urllib.request.Request:
    when = (date or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "host": endpoint,
        "x-acs-action": action,
        "x-acs-version": "2016-01-20",
        "x-acs-date": when,
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "accept": "application/json",
    }
    signed = ";".join(sorted(headers))
    cq = "&".join(f"{k}={_pct(v)}" for k, v in sorted(params.items()))
    ch = "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    canonical = f"POST\n/\n{cq}\n{ch}\n{signed}\n{headers['x-acs-content-sha256']}"
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    sig = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={DEFAULT_ALIBABA_ACCESS_KEY_ID},"
        f"SignedHeaders={signed},Signature={sig}"
    )
    return urllib.request.Request(
        f"http://{endpoint}/?{urlencode(params)}",
        data=tamper_body if tamper_body is not None else body,
        headers=headers,
        method="POST",
    )


def tc3_signature(stamp: int, canonical: str, secret_key: str = DEFAULT_TENCENT_SECRET_KEY) -> str:
    """The TC3-HMAC-SHA256 signature (hex) of a canonical request made at ``stamp``."""
    date = datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d")
    scope = f"{date}/kms/tc3_request"
    to_sign = (
        f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n" + hashlib.sha256(canonical.encode()).hexdigest()
    )

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = mac(mac(mac(("TC3" + secret_key).encode(), date), "kms"), "tc3_request")
    return hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_request(
    endpoint: str,
    action: str,
    body: bytes,
    *,
    stamp: int | None = None,
    content_type: str = "application/json",
) -> urllib.request.Request:
    stamp = stamp or int(time.time())
    date = datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = (
        f"POST\n/\n\ncontent-type:{content_type}\nhost:{endpoint}\n\ncontent-type;host\n"
        + hashlib.sha256(body).hexdigest()
    )
    scope = f"{date}/kms/tc3_request"
    sig = tc3_signature(stamp, canonical)
    return urllib.request.Request(
        f"http://{endpoint}/",
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "Host": endpoint,
            "X-TC-Action": action,
            "X-TC-Version": "2019-01-18",
            "X-TC-Timestamp": str(stamp),
            "Authorization": f"TC3-HMAC-SHA256 Credential={DEFAULT_TENCENT_SECRET_ID}/{scope}, "
            f"SignedHeaders=content-type;host, Signature={sig}",
        },
    )


def send(req: urllib.request.Request) -> tuple[int, dict[str, object], str]:
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"{}"), r.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), err.headers.get("content-type", "")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as e:
        yield e


# -- signatures and replays ----------------------------------------------------------------


def test_acs3_replay_expiry_and_tampering(emu: Emulator) -> None:
    ok, body, ctype = send(acs3_request(emu.endpoint, "ListKeys", {}))
    assert ok == 200 and "TotalCount" in body and ctype.startswith("application/json")
    nonce = uuid.uuid4().hex
    assert send(acs3_request(emu.endpoint, "ListKeys", {}, nonce=nonce))[0] == 200
    status, body, _ = send(acs3_request(emu.endpoint, "ListKeys", {}, nonce=nonce))
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    old = datetime.fromtimestamp(time.time() - 3600, tz=timezone.utc)
    status, body, _ = send(acs3_request(emu.endpoint, "ListKeys", {}, date=old))
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")
    status, body, _ = send(
        acs3_request(emu.endpoint, "ListKeys", {}, body=b"a=1", tamper_body=b"a=2")
    )
    assert body["Code"] == "SignatureDoesNotMatch"
    assert body["RequestId"] and body["HostId"]


def test_tc3_expired_and_errors_in_200(emu: Emulator) -> None:
    status, body, ctype = send(tc3_request(emu.endpoint, "ListKeys", b"{}"))
    assert status == 200 and ctype == "application/json"
    status, body, ctype = send(
        tc3_request(emu.endpoint, "ListKeys", b"{}", stamp=int(time.time()) - 600)
    )
    assert status == 200 and ctype == "application/json"
    assert body["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "InvalidParameter"),
        (b"[1, 2]", "InvalidParameter"),
        (b'{"KeyId": "x"}', "MissingParameter"),
    ],
)
def test_tencent_malformed_bodies(emu: Emulator, body: bytes, code: str) -> None:
    status, doc, _ = send(tc3_request(emu.endpoint, "Encrypt", body))
    assert status == 200
    assert doc["Response"]["Error"]["Code"] in (code, "InvalidParameterValue.InvalidKeyId")  # type: ignore[index]


def test_alibaba_bad_input_keeps_the_server_serving(emu: Emulator) -> None:
    status, body, _ = send(acs3_request(emu.endpoint, "Encrypt", {"KeyId": "alias/x"}))
    assert body["Code"] in ("MissingParameter", "Forbidden.AliasNotFound")
    status, body, _ = send(
        acs3_request(emu.endpoint, "Encrypt", {"KeyId": "k", "EncryptionContext": "{bad"})
    )
    assert status in (400, 404)
    status, body, _ = send(acs3_request(emu.endpoint, "NoSuchThing", {}))
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    raw = urllib.request.Request(f"http://{emu.endpoint}/", data=b"\xff\xfe", method="POST")
    status, body, _ = send(raw)
    assert status == 400 and body["Code"] == "UnknownProtocol"
    with urllib.request.urlopen(f"http://{emu.endpoint}/health") as r:
        assert json.load(r)["status"] == "ok"


def test_long_request_lines(emu: Emulator) -> None:
    kms_key = send(acs3_request(emu.endpoint, "CreateKey", {}))[1]["KeyMetadata"]["KeyId"]  # type: ignore[index]
    pt = base64.b64encode(b"\x01" * 6144).decode()
    status, body, _ = send(
        acs3_request(emu.endpoint, "Encrypt", {"KeyId": kms_key, "Plaintext": pt})
    )
    assert status == 200 and body["KeyId"] == kms_key


def test_body_over_the_limit(emu: Emulator) -> None:
    big = b"{" + b" " * (4 * 1024 * 1024) + b"}"
    status, doc, _ = send(tc3_request(emu.endpoint, "ListKeys", big))
    assert status == 200 and doc["Response"]["Error"]["Code"] == "InvalidParameter"  # type: ignore[index]
    with urllib.request.urlopen(f"http://{emu.endpoint}/health") as r:
        assert r.status == 200


# -- the process: state, restarts, kill -9, signals ----------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_serve(*args: str) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "unikms.cli", "serve", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    info = json.loads(line)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(info["health"]) as r:
                if r.status == 200:
                    return proc, info
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("unikms serve did not come up")


def classic_client(endpoint: str) -> unikms.KmsClient:
    from alibabacloud_kms20160120 import models as ali
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_tea_openapi.models import Config

    del ali
    return Client(
        Config(
            endpoint=endpoint,
            protocol="http",  # type: ignore[return-value]
            access_key_id=DEFAULT_ALIBABA_ACCESS_KEY_ID,
            access_key_secret=DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
        )
    )


def provision(endpoint: str) -> dict[str, str]:
    """Create a key, an alias, a second version and a ciphertext through the SDK."""
    from alibabacloud_kms20160120 import models as ali

    c = classic_client(endpoint)
    key = c.create_key(ali.CreateKeyRequest()).body.key_metadata.key_id  # type: ignore[attr-defined]
    c.create_alias(ali.CreateAliasRequest(alias_name="alias/kept", key_id=key))  # type: ignore[attr-defined]
    ct = c.encrypt(ali.EncryptRequest(key_id="alias/kept", plaintext="a2VwdA==")).body  # type: ignore[attr-defined]
    return {"key": key, "ciphertext": ct.ciphertext_blob, "version": ct.key_version_id}


def check_kept(endpoint: str, kept: dict[str, str]) -> None:
    from alibabacloud_kms20160120 import models as ali

    c = classic_client(endpoint)
    meta = c.describe_key(ali.DescribeKeyRequest(key_id="alias/kept")).body.key_metadata  # type: ignore[attr-defined]
    assert meta.key_id == kept["key"] and meta.primary_key_version == kept["version"]
    dec = c.decrypt(ali.DecryptRequest(ciphertext_blob=kept["ciphertext"])).body  # type: ignore[attr-defined]
    assert dec.plaintext == "a2VwdA=="


@pytest.mark.parametrize("how", ["sigterm", "kill-9"])
def test_state_survives_restarts(tmp_path: Path, how: str) -> None:
    state = tmp_path / "kms.sqlite"
    proc, info = start_serve("--state", str(state))
    try:
        kept = provision(info["endpoint"])
    finally:
        if how == "sigterm":
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        else:
            proc.kill()
            proc.wait(timeout=15)
    proc, info = start_serve("--state", str(state))
    try:
        check_kept(info["endpoint"], kept)
        # the same gateway client key is still accepted after the restart
        assert info["client_key_file"] and Path(info["client_key_file"]).exists()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0


def test_seed_file_is_served(tmp_path: Path) -> None:
    from unikms.cli import demo_seed_path

    proc, info = start_serve("--seed", demo_seed_path())
    try:
        from alibabacloud_kms20160120 import models as ali

        c = classic_client(info["endpoint"])
        meta = c.describe_key(ali.DescribeKeyRequest(key_id="alias/demo")).body.key_metadata  # type: ignore[attr-defined]
        assert meta.key_id == "key-hzzunikmsdemo00000001"
    finally:
        proc.terminate()
        proc.wait(timeout=15)
