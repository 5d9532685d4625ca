"""With ``--state``, the replay window survives a restart: a nonce refused stays refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid
from pathlib import Path

from tests.test_emulator_hardening import acs_request
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator
from unikms.emulator.state import StateFile
from unikms.emulator.wire import ProtocolHandler, ReplayGuard, Request, Response


def code(response: Response) -> str | None:
    doc = json.loads(response.body)
    doc = doc.get("Response", doc)
    error = doc.get("Error", doc)
    return error.get("Code") if isinstance(error, dict) else None


def tencent_v1(nonce: str, action: str = "ListKeys", stamp: int | None = None) -> Request:
    params = {
        "Action": action, "Version": "2019-01-18", "Region": "ap-guangzhou",
        "SecretId": DEFAULT_TENCENT_SECRET_ID, "Nonce": nonce, "SignatureMethod": "HmacSHA256",
        "Timestamp": str(int(time.time()) if stamp is None else stamp),
    }  # fmt: skip
    to_sign = "POSTh/?" + "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["Signature"] = base64.b64encode(
        hmac.new(DEFAULT_TENCENT_SECRET_KEY.encode(), to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    headers = {"content-type": "application/x-www-form-urlencoded", "host": "h"}
    return Request("POST", "/", b"", headers, urllib.parse.urlencode(params).encode())


def protocol(emu: Emulator, name: str) -> ProtocolHandler:
    return next(p for p in emu.app.protocols if p.name == name)


def test_a_refused_nonce_is_refused_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    classic_request = acs_request("ListKeys")
    tencent_request = tencent_v1(uuid.uuid4().hex)
    emu = Emulator(state=state)
    try:
        classic = protocol(emu, "alibaba-classic")
        tencent = protocol(emu, "tencent")
        assert classic.handle(classic_request).status == 200
        assert code(classic.handle(classic_request)) == "SignatureNonceUsed"
        assert code(tencent.handle(tencent_request)) is None
        assert code(tencent.handle(tencent_request)) == "AuthFailure.SignatureFailure"
    finally:
        emu.close()
    emu = Emulator(state=state)
    try:
        classic = protocol(emu, "alibaba-classic")
        tencent = protocol(emu, "tencent")
        assert code(classic.handle(classic_request)) == "SignatureNonceUsed"
        assert code(tencent.handle(tencent_request)) == "AuthFailure.SignatureFailure"
        assert classic.handle(acs_request("ListKeys")).status == 200
    finally:
        emu.close()


def test_the_journal_keeps_the_window_only(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.db")
    try:
        guard = ReplayGuard(60)
        guard.attach(state.nonce_journal("p"), now=1000)
        assert guard.fresh("a", now=1000)
        assert guard.fresh("b", now=1050)
        again = ReplayGuard(60)
        again.attach(state.nonce_journal("p"), now=1070)  # "a" has left the window
        assert again.fresh("a", now=1070)
        assert not again.fresh("b", now=1071)
        other = ReplayGuard(60)
        other.attach(state.nonce_journal("q"), now=1070)  # scopes do not mix
        assert other.fresh("b", now=1071)
    finally:
        state.close()


def test_two_honest_tencent_requests_may_share_a_second_and_a_nonce() -> None:
    """tencentcloud-sdk-nodejs draws Nonce from 0..65535: two different requests of one
    second sometimes share it (the suite's Node lifecycle failed on that once). Only the
    same request again is a replay."""
    emu = Emulator()
    try:
        tencent = protocol(emu, "tencent")
        stamp = int(time.time())
        first = tencent_v1("4242", "ListKeys", stamp)
        assert code(tencent.handle(first)) is None
        assert code(tencent.handle(tencent_v1("4242", "GetServiceStatus", stamp))) is None
        assert code(tencent.handle(first)) == "AuthFailure.SignatureFailure"  # the replay
    finally:
        emu.close()
