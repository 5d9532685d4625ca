"""The ``unikms`` command: encrypt and decrypt from a shell, against any URL.

With no ``--url`` and no ``UNIKMS_URL`` it talks to the fake, loaded with the
bundled demo seed (public key material: for trying things out only), so a
round trip works with no cloud account::

    echo "hello, kms" | unikms encrypt | unikms decrypt

Ciphertext travels as Base64 text by default (``--raw`` for bytes); plaintext
is written as it is (``--base64`` to encode it). ``--json`` prints the whole
result. Errors go to stderr as one line (never with plaintext) and exit 1;
usage errors exit 2. ``seal``, ``open`` and ``inspect`` do envelope encryption
of files and pipes of any size (``unikms/envelope/cli.py``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
import urllib.parse
from collections.abc import Sequence
from importlib import resources
from typing import Any, BinaryIO

import unikms
from unikms.types import KeySpec, KeyVersion

__all__ = ["DEMO_KEY", "default_url", "main"]

DEMO_KEY = "alias/demo"


def demo_seed_path() -> str:
    return str(resources.files("unikms").joinpath("data/demo-seed.json"))


def default_url() -> str:
    """``$UNIKMS_URL``, else the fake (Alibaba classic) with the demo seed."""
    seed = urllib.parse.quote(demo_seed_path())
    return os.environ.get("UNIKMS_URL") or f"fake://alibaba-classic?seed={seed}"


def _context(pairs: Sequence[str]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"unikms: --context takes name=value, got {pair!r}")
        out[name] = value
    return out or None


def _read(stream: BinaryIO, path: str | None) -> bytes:
    if path and path != "-":
        with open(path, "rb") as fh:
            return fh.read()
    return stream.read()


def _write(data: bytes, path: str | None) -> None:
    """To ``path`` (created 0600: it may be plaintext) or stdout."""
    if path and path != "-":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _result_json(
    result: Any, secret: str | None = None, secret_value: bytes | None = None
) -> bytes:
    doc: dict[str, Any] = {}
    for name in ("ciphertext", "key_id", "key_version_id", "algorithm", "iv", "request_id"):
        if hasattr(result, name):
            value = getattr(result, name)
            doc[name] = _b64(value) if isinstance(value, bytes) else value
    doc["dialect"] = result.dialect.value
    if secret:
        doc[secret] = _b64(secret_value)
    return (json.dumps(doc, indent=2) + "\n").encode()


def _cmd_encrypt(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    data = _read(sys.stdin.buffer, args.input)
    result = kms.encrypt(
        args.key,
        data,
        context=_context(args.context),
        version=KeyVersion.INITIAL if args.initial else KeyVersion.PRIMARY,
    )
    if args.json:
        _write(_result_json(result), args.output)
    elif args.raw:
        _write(result.ciphertext, args.output)
    else:
        _write(base64.b64encode(result.ciphertext) + b"\n", args.output)


def _cmd_decrypt(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    data = _read(sys.stdin.buffer, args.input)
    if not args.raw:
        text = data.strip()
        if text.startswith(b"{"):
            try:
                text = json.loads(text)["ciphertext"].encode()
            except (ValueError, KeyError, TypeError, AttributeError):
                raise SystemExit(
                    'unikms: the input looks like JSON but has no "ciphertext" string'
                ) from None
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise SystemExit(
                "unikms: the input is not Base64 ciphertext (use --raw for bytes)"
            ) from None
    result = kms.decrypt(data, context=_context(args.context))
    if args.json:
        _write(_result_json(result, "plaintext", result.plaintext), args.output)
    elif args.base64:
        _write(base64.b64encode(result.plaintext) + b"\n", args.output)
    else:
        _write(result.plaintext, args.output)


def _cmd_data_key(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    dk = kms.generate_data_key(args.key, context=_context(args.context), number_of_bytes=args.bytes)
    _write(_result_json(dk, "plaintext", dk.plaintext), args.output)


def _key_json(info: unikms.KeyInfo) -> bytes:
    doc = {
        "key_id": info.key_id,
        "arn": info.arn,
        "state": info.state.value,
        "spec": info.spec.value,
        "origin": info.origin,
        "description": info.description,
        "primary_version_id": info.primary_version_id,
        "versions": [v.version_id for v in info.versions],
        "aliases": list(info.aliases),
        "dialect": info.dialect.value,
    }
    if "ProtectionLevel" in info.native:  # Alibaba
        doc["protection_level"] = str(info.native["ProtectionLevel"])
    return (json.dumps(doc, indent=2) + "\n").encode()


def _cmd_key(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    action = args.key_action
    if action == "create":
        info = kms.create_key(
            spec=KeySpec(args.spec), alias=args.alias, description=args.desc, hsm=args.hsm
        )
        _write(_key_json(info), None)
    elif action == "describe":
        _write(_key_json(kms.describe_key(args.name)), None)
    elif action == "list":
        _write(("\n".join(kms.list_keys()) + "\n").encode(), None)
    elif action == "aliases":
        lines = [f"{a}\t{k}" for a, k in sorted(kms.list_aliases().items())]
        _write(("\n".join(lines) + "\n").encode(), None)
    elif action == "rotate":
        version = kms.rotate_key(args.name)
        _write(f"{version or '(the dialect reports no version id)'}\n".encode(), None)
    else:
        getattr(kms, f"{action}_key")(args.name)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="KMS URL (default: $UNIKMS_URL, else the demo fake)")
    common.add_argument("--strict", action="store_true", help="strict portability mode")

    p = argparse.ArgumentParser(
        prog="unikms",
        description="Encrypt and decrypt with Alibaba Cloud KMS or Tencent Cloud KMS "
        "through one API (default: a local fake with demo keys).",
    )
    sub = p.add_subparsers(dest="command", required=True)

    io = argparse.ArgumentParser(add_help=False)
    io.add_argument("-i", "--input", help="read from this file (default: stdin)")
    io.add_argument("-o", "--output", help="write to this file (default: stdout)")
    io.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="encryption context entry (repeatable)",
    )
    io.add_argument("--json", action="store_true", help="print the whole result as JSON")

    enc = sub.add_parser("encrypt", parents=[common, io], help="encrypt stdin")
    enc.add_argument("-k", "--key", default=DEMO_KEY, help=f"key id, alias or ARN ({DEMO_KEY})")
    enc.add_argument("--raw", action="store_true", help="write raw ciphertext bytes")
    enc.add_argument(
        "--initial",
        action="store_true",
        help="use the key's initial version (Alibaba instance Encrypt)",
    )
    enc.set_defaults(run=_cmd_encrypt)

    dec = sub.add_parser("decrypt", parents=[common, io], help="decrypt stdin")
    dec.add_argument("--raw", action="store_true", help="read raw ciphertext bytes")
    dec.add_argument("--base64", action="store_true", help="write the plaintext as Base64")
    dec.set_defaults(run=_cmd_decrypt)

    dk = sub.add_parser("data-key", parents=[common], help="generate a data key (JSON)")
    dk.add_argument("-k", "--key", default=DEMO_KEY)
    dk.add_argument("-c", "--context", action="append", default=[], metavar="NAME=VALUE")
    dk.add_argument("-n", "--bytes", type=int, default=32)
    dk.add_argument("-o", "--output")
    dk.set_defaults(run=_cmd_data_key)

    key = sub.add_parser("key", parents=[common], help="manage keys")
    ks = key.add_subparsers(dest="key_action", required=True)
    create = ks.add_parser("create", parents=[common])
    create.add_argument("--alias")
    create.add_argument("--spec", default="AES_256", choices=[s.value for s in KeySpec])
    create.add_argument("--desc", default="")
    create.add_argument(
        "--hsm", action="store_true", help="Alibaba: a hardware (HSM) key (CBC/ECB on the gateway)"
    )
    for name in ("describe", "rotate", "enable", "disable", "cancel_deletion", "archive"):
        ks.add_parser(name, parents=[common]).add_argument("name")
    ks.add_parser("list", parents=[common])
    ks.add_parser("aliases", parents=[common])
    key.set_defaults(run=_cmd_key)

    # envelope encryption: seal, open, inspect (unikms/envelope/cli.py)
    from unikms.envelope.cli import add_commands as add_envelope_commands

    add_envelope_commands(sub)

    # contract scenarios as cassettes: record (unikms/contract/cli.py)
    from unikms.contract.cli import add_commands as add_contract_commands

    add_contract_commands(sub)

    _add_serve_command(sub)
    return p


def _add_serve_command(sub: Any) -> None:
    """``unikms serve``: the emulator's options."""
    serve = sub.add_parser("serve", help="run the local emulator (needs unikms[emulator])")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument("--seed", help="seed file to load into an empty state")
    serve.add_argument("--state", help="SQLite file that keeps keys across restarts")
    serve.add_argument("--credentials", help="JSON file of accepted credentials")
    serve.add_argument("--client-key-dir", help="where gateway client keys are written")
    serve.add_argument("--throttle", action="store_true", help="enforce documented rates")
    serve.add_argument(
        "--tc3-sign-action",
        action="store_true",
        help="refuse TC3 requests whose signature does not cover x-tc-action",
    )
    serve.add_argument("--json", action="store_true", help="print the endpoint as one JSON line")
    serve.add_argument(
        "--no-access-log",
        action="store_true",
        help="leave out the per-request access log on stderr (errors are still logged)",
    )
    serve.set_defaults(run=None)


def _serve(args: argparse.Namespace) -> int:
    try:
        from unikms.emulator.credentials import EmulatorCredentials
        from unikms.emulator.server import Emulator, configure_logging, describe
    except ImportError as err:
        print(
            f"unikms: the emulator needs its extra: pip install 'unikms[emulator]' ({err})",
            file=sys.stderr,
        )
        return 2
    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            seed=args.seed,
            state=args.state,
            credentials=EmulatorCredentials.load(args.credentials) if args.credentials else None,
            client_key_dir=args.client_key_dir,
            throttle=args.throttle,
            tc3_sign_action=args.tc3_sign_action,
        )
    except (OSError, ValueError, TypeError, KeyError, unikms.KmsError) as err:
        print(f"unikms: cannot start the emulator: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(describe(emulator)), flush=True)
    else:
        print(emulator.banner(), flush=True)
    configure_logging(access_log=not args.no_access_log)
    emulator.serve_forever()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    if getattr(args, "standalone", None) is not None:
        return int(args.standalone(args))
    if args.command == "serve":
        return _serve(args)
    try:
        kms = unikms.connect(args.url or default_url(), strict="true" if args.strict else "false")
        with kms:
            args.run(kms, args)
    except unikms.KmsError as err:
        print(f"unikms: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"unikms: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
