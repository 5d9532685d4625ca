"""The ``unikms`` command: encrypt and decrypt from a shell, against any URL.

With no ``--url`` and no ``UNIKMS_URL`` it talks to the CLI's fake, which
starts with the bundled demo seed (public key material: for trying things out
only) and keeps its keys in a state file between commands (``docs/cli.md``;
``unikms fake path``, ``unikms fake reset``), so a round trip works with no
cloud account::

    echo "hello, kms" | unikms encrypt | unikms decrypt

Ciphertext travels as Base64 text by default (``--raw`` for bytes); plaintext
is written as it is (``--base64`` to encode it). ``--json`` prints the whole
result. ``-o PATH`` replaces a regular file all or nothing and writes through
devices, FIFOs and ``/dev/fd/N`` (``docs/cli.md``, Output paths). Errors go to
stderr as one line (never with plaintext) and exit 1; usage errors exit 2.
``seal``, ``open`` and ``inspect`` do envelope encryption of files and pipes of
any size (``unikms/envelope/cli.py``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
import os
import signal
import sys
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import unikms
from unikms._cli_common import DEMO_KEY, UsageError, open_output, parse_context
from unikms._output import stdout_output
from unikms.cli_fake import (
    DEFAULT_FAKE_URL,
    STATE_ENV,
    CliClients,
    default_state_file,
    demo_seed_path,
    reset_state,
)
from unikms.extras import missing_extra
from unikms.types import KeySpec, KeyUsage, KeyVersion, SigningAlgorithm

__all__ = ["DEMO_KEY", "HelpFormatter", "UsageError", "default_url", "demo_seed_path", "main"]

if TYPE_CHECKING:
    _Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
DEFAULT_DELETION_DAYS = 30  # the longest window both Alibaba (7-366) and Tencent (7-30) accept


class HelpFormatter(argparse.HelpFormatter):
    """Adds ``(default: X)`` to an option's help when it has a default worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, [], argparse.SUPPRESS) and "default" not in text
        if shown and (action.option_strings or action.nargs in ("?", "*")):
            text += " (default: %(default)s)"
        return text


def default_url() -> str:
    """``$UNIKMS_URL``, else the default fake (``DEFAULT_FAKE_URL``) with the demo seed,
    in memory.

    The CLI itself uses the fake with its state file instead (``docs/cli.md``).
    """
    seed = urllib.parse.quote(demo_seed_path())
    return os.environ.get("UNIKMS_URL") or f"{DEFAULT_FAKE_URL}?seed={seed}"


def _read(stream: BinaryIO, path: str | None) -> bytes:
    if path and path != "-":
        with open(path, "rb") as fh:
            return fh.read()
    return stream.read()


def _write(data: bytes, path: str | None, *, binary: bool = False) -> None:
    with open_output(path, binary=binary) as out:
        out.write(data)


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
    if args.raw and not args.json and args.output in (None, "-"):
        with stdout_output(binary=True):
            pass  # refuse a terminal before reading anything
    context = parse_context(args.context)
    data = _read(sys.stdin.buffer, args.input)
    result = kms.encrypt(
        args.key,
        data,
        context=context,
        version=KeyVersion.INITIAL if args.initial else KeyVersion.PRIMARY,
    )
    if args.json:
        _write(_result_json(result), args.output)
    elif args.raw:
        _write(result.ciphertext, args.output, binary=True)
    else:
        _write(base64.b64encode(result.ciphertext) + b"\n", args.output)


def _cmd_decrypt(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    context = parse_context(args.context)
    data = _read(sys.stdin.buffer, args.input)
    if not args.raw:
        text = data.strip()
        if text.startswith(b"{"):
            try:
                text = json.loads(text)["ciphertext"].encode()
            except (ValueError, KeyError, TypeError, AttributeError):
                raise unikms.InvalidRequestError(
                    'the input looks like JSON but has no "ciphertext" string', field="input"
                ) from None
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise unikms.InvalidRequestError(
                "the input is not Base64 ciphertext (use --raw for bytes)", field="input"
            ) from None
    result = kms.decrypt(data, context=context)
    if args.json:
        _write(_result_json(result, "plaintext", result.plaintext), args.output)
    elif args.base64:
        _write(base64.b64encode(result.plaintext) + b"\n", args.output)
    else:
        _write(result.plaintext, args.output)


def _cmd_data_key(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    dk = kms.generate_data_key(
        args.key, context=parse_context(args.context), number_of_bytes=args.bytes
    )
    _write(_result_json(dk, "plaintext", dk.plaintext), args.output)


def _key_json(info: unikms.KeyInfo) -> bytes:
    doc = {
        "key_id": info.key_id,
        "arn": info.arn,
        "state": info.state.value,
        "spec": info.spec.value,
        "usage": info.usage.value,
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


_KEY_CALLS = {
    "enable": "enable_key",
    "disable": "disable_key",
    "cancel-deletion": "cancel_key_deletion",
    "archive": "archive_key",
    "cancel-archive": "cancel_key_archive",
}


def _cmd_key(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    action = args.key_action
    if action == "create":
        info = kms.create_key(
            spec=KeySpec(args.spec),
            alias=args.alias,
            description=args.desc,
            hsm=args.hsm,
            usage=args.usage,
        )
        _write(_key_json(info), None)
    elif action == "describe":
        _write(_key_json(kms.describe_key(args.name)), None)
    elif action == "list":
        _write(("\n".join(kms.list_keys()) + "\n").encode(), None)
    elif action == "aliases":
        lines = [f"{a}\t{k}" for a, k in sorted(kms.list_aliases().items())]
        _write(("\n".join(lines) + "\n").encode(), None)
    elif action == "create-alias":
        kms.create_alias(args.alias, args.name)
    elif action == "rotate":
        version = kms.rotate_key(args.name)
        _write(f"{version or '(the dialect reports no version id)'}\n".encode(), None)
    elif action == "schedule-deletion":
        kms.schedule_key_deletion(args.name, args.days)
        info = kms.describe_key(args.name)
        _write(f"{info.key_id}: {info.state.value}, {args.days} days\n".encode(), None)
    else:
        getattr(kms, _KEY_CALLS[action])(args.name)


def _signed_data(args: argparse.Namespace) -> dict[str, bytes]:
    """``message`` (stdin or ``-i``) or, with ``--digest``, the digest it holds (raw bytes,
    or Base64/hex text of 32 bytes)."""
    data = _read(sys.stdin.buffer, args.input)
    if not args.digest:
        return {"message": data}
    if len(data) != 32:
        text = data.strip()
        try:
            data = bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            try:
                data = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                data = text
    return {"digest": data}


def _cmd_sign(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    result = kms.sign(
        args.key, algorithm=args.algorithm, version_id=args.version_id, **_signed_data(args)
    )
    if args.json:
        doc = {
            "signature": _b64(result.signature),
            "key_id": result.key_id,
            "key_version_id": result.key_version_id,
            "algorithm": result.algorithm.value,
            "request_id": result.request_id,
            "dialect": result.dialect.value,
        }
        _write((json.dumps(doc, indent=2) + "\n").encode(), args.output)
    elif args.raw:
        _write(result.signature, args.output, binary=True)
    else:
        _write(base64.b64encode(result.signature) + b"\n", args.output)


def _signature(args: argparse.Namespace) -> bytes:
    if args.signature_file:
        with open(args.signature_file, "rb") as fh:
            raw = fh.read()
        if args.raw:
            return raw
        text = raw.strip()
    else:
        text = args.signature.strip().encode("ascii", "replace")
    if text.startswith(b"{"):  # what `unikms sign --json` wrote
        try:
            text = json.loads(text)["signature"].encode()
        except (ValueError, KeyError, TypeError, AttributeError):
            raise unikms.InvalidRequestError(
                'the signature looks like JSON but has no "signature" string', field="signature"
            ) from None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise unikms.InvalidRequestError(
            "the signature is not Base64 (use --raw with --signature-file for bytes)",
            field="signature",
        ) from None


def _cmd_verify(kms: unikms.KmsClient, args: argparse.Namespace) -> int:
    signature = _signature(args)
    valid = kms.verify(
        args.key,
        signature,
        algorithm=args.algorithm,
        version_id=args.version_id,
        **_signed_data(args),
    )
    if valid:
        if not args.quiet:
            print("verified", flush=True)
        return 0
    print("unikms: the signature does not verify", file=sys.stderr)
    return 1


def _cmd_public_key(kms: unikms.KmsClient, args: argparse.Namespace) -> None:
    public = kms.get_public_key(args.key, version_id=args.version_id)
    if args.json:
        doc = {
            "key_id": public.key_id,
            "key_version_id": public.key_version_id,
            "spec": public.spec.value,
            "usage": public.usage.value,
            "signing_algorithms": [a.value for a in public.signing_algorithms],
            "encryption_algorithms": [a.value for a in public.encryption_algorithms],
            "pem": public.pem,
            "dialect": public.dialect.value,
        }
        _write((json.dumps(doc, indent=2) + "\n").encode(), args.output)
    elif args.der:
        _write(public.der, args.output, binary=True)
    else:
        _write(public.pem.encode("ascii"), args.output)


def _add_asymmetric_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    fmt = HelpFormatter
    signing = [a.value for a in SigningAlgorithm]
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument("-k", "--key", required=True, help="key id, alias or ARN")
    source.add_argument("--version-id", help="the key version (default: the newest)")
    source.add_argument("-i", "--input", help="read the message from this file (default: stdin)")
    source.add_argument(
        "--digest",
        action="store_true",
        help="the input is the 32-byte digest (raw, hex or Base64), not the message",
    )
    source.add_argument(
        "-a", "--algorithm", required=True, choices=signing, help="signing algorithm"
    )
    sign = sub.add_parser(
        "sign",
        parents=[common, source],
        help="sign stdin with an asymmetric key (prints the Base64 signature)",
        formatter_class=fmt,
    )
    sign.add_argument("-o", "--output", help="write to this file (default: stdout)")
    sign.add_argument("--raw", action="store_true", help="write the raw signature bytes")
    sign.add_argument("--json", action="store_true", help="print the whole result as JSON")
    sign.set_defaults(run=_cmd_sign)
    verify = sub.add_parser(
        "verify",
        parents=[common, source],
        help="verify a signature of stdin (exit 0: verified, 1: not)",
        formatter_class=fmt,
    )
    given = verify.add_mutually_exclusive_group(required=True)
    given.add_argument("-s", "--signature", help="the signature, Base64 (or sign's --json)")
    given.add_argument("--signature-file", metavar="PATH", help="read the signature from a file")
    verify.add_argument(
        "--raw", action="store_true", help="--signature-file holds raw signature bytes"
    )
    verify.set_defaults(run=_cmd_verify)
    public = sub.add_parser(
        "public-key",
        parents=[common],
        help="print an asymmetric key's public key (PEM)",
        formatter_class=fmt,
    )
    public.add_argument("-k", "--key", required=True, help="key id, alias or ARN")
    public.add_argument("--version-id", help="the key version (default: the newest)")
    public.add_argument("-o", "--output", help="write to this file (default: stdout)")
    public.add_argument("--der", action="store_true", help="write DER bytes instead of PEM")
    public.add_argument("--json", action="store_true", help="print it as JSON, with its algorithms")
    public.set_defaults(run=_cmd_public_key)


def _cmd_fake(args: argparse.Namespace) -> int:
    state = default_state_file(args.fake_state)
    if args.fake_action == "path":
        print(state)
    else:
        reset_state(state, empty=args.empty)
        what = "empty" if args.empty else "back to the demo seed on its next use"
        print(f"unikms: the fake's state {state} is {what}", file=sys.stderr)
    return 0


def _days(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None


def _add_key_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    fmt = HelpFormatter
    key = sub.add_parser("key", parents=[common], help="manage keys", formatter_class=fmt)
    ks = key.add_subparsers(dest="key_action", required=True, metavar="ACTION")
    create = ks.add_parser(
        "create", parents=[common], help="create a key (prints it as JSON)", formatter_class=fmt
    )
    create.add_argument("--alias", help="give it this alias (alias/ is added if missing)")
    create.add_argument(
        "--spec", default="AES_256", choices=[s.value for s in KeySpec], help="key spec"
    )
    create.add_argument("--desc", default="", help="description")
    create.add_argument(
        "--usage",
        choices=[u.value for u in KeyUsage],
        help="asymmetric specs: SIGN/VERIFY or ENCRYPT/DECRYPT (default: EC signs, RSA and "
        "SM2 encrypt)",
    )
    create.add_argument(
        "--hsm", action="store_true", help="Alibaba: a hardware (HSM) key (CBC/ECB on the gateway)"
    )
    actions = {
        "describe": "show a key as JSON",
        "rotate": "make a new primary version (prints its id)",
        "enable": "enable a key",
        "disable": "disable a key",
        "cancel-deletion": "cancel a scheduled deletion",
        "archive": "archive a key (Tencent)",
        "cancel-archive": "take a key out of the archive (Tencent)",
    }
    for name, text in actions.items():
        action = ks.add_parser(name, parents=[common], help=text, formatter_class=fmt)
        action.add_argument("name", metavar="KEY", help="key id, alias or ARN")
    delete = ks.add_parser(
        "schedule-deletion",
        parents=[common],
        help="schedule a key's deletion (cancel-deletion undoes it)",
        formatter_class=fmt,
    )
    delete.add_argument("name", metavar="KEY", help="key id, alias or ARN")
    delete.add_argument(
        "--days",
        type=_days,
        default=DEFAULT_DELETION_DAYS,
        help="pending window in days (Alibaba 7-366, Tencent 7-30)",
    )
    alias = ks.add_parser(
        "create-alias", parents=[common], help="give a key an alias", formatter_class=fmt
    )
    alias.add_argument("alias", metavar="ALIAS", help="the alias (alias/ is added if missing)")
    alias.add_argument("name", metavar="KEY", help="key id, alias or ARN")
    ks.add_parser("list", parents=[common], help="list key ids", formatter_class=fmt)
    ks.add_parser(
        "aliases", parents=[common], help="list aliases and their keys", formatter_class=fmt
    )
    key.set_defaults(run=_cmd_key)


def _add_fake_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], state: argparse.ArgumentParser
) -> None:
    fmt = HelpFormatter
    fake = sub.add_parser(
        "fake",
        help="the CLI's fake: where its state is, reset it",
        description="The CLI's fake keeps its keys in a state file between commands (docs/cli.md).",
        formatter_class=fmt,
    )
    fs = fake.add_subparsers(dest="fake_action", required=True, metavar="ACTION")
    fs.add_parser("path", parents=[state], help="print the state file's path", formatter_class=fmt)
    reset = fs.add_parser(
        "reset",
        parents=[state],
        help="delete the state: the next command starts from the demo seed",
        formatter_class=fmt,
    )
    reset.add_argument(
        "--empty", action="store_true", help="start from no keys at all, not the demo seed"
    )
    fake.set_defaults(standalone=_cmd_fake)


def _add_serve_command(sub: _Subparsers) -> None:
    fmt = HelpFormatter
    serve = sub.add_parser(
        "serve",
        help="run the local emulator (needs unikms[emulator])",
        description="Serve the fake over the real wire protocols (docs/emulator.md).",
        formatter_class=fmt,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    serve.add_argument("--seed", help="seed file to load into an empty state (default: none)")
    serve.add_argument(
        "--state", help="SQLite file that keeps keys across restarts (default: in memory)"
    )
    serve.add_argument(
        "--credentials", help="JSON file of accepted credentials (default: any credentials)"
    )
    serve.add_argument(
        "--client-key-dir", help="where gateway client keys are written (default: a temp dir)"
    )
    serve.add_argument(
        "--throttle", action="store_true", help="enforce each dialect's documented rates"
    )
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


def _parser() -> argparse.ArgumentParser:
    fmt = HelpFormatter
    state = argparse.ArgumentParser(add_help=False)
    state.add_argument(
        "--fake-state",
        metavar="PATH",
        help=f"state file of the CLI's fake (default: ${STATE_ENV}, else "
        "$XDG_STATE_HOME/unikms/fake-state.json, else ~/.local/state/unikms/fake-state.json)",
    )
    common = argparse.ArgumentParser(add_help=False, parents=[state])
    common.add_argument(
        "--url", help="KMS URL (default: $UNIKMS_URL, else the CLI's fake with the demo keys)"
    )
    common.add_argument("--strict", action="store_true", help="strict portability mode")
    common.add_argument(
        "-q", "--quiet", action="store_true", help="no notice that the demo fake is in use"
    )

    p = argparse.ArgumentParser(
        prog="unikms",
        formatter_class=fmt,
        description="Encrypt and decrypt with Alibaba Cloud KMS or Tencent Cloud KMS "
        "through one API (default: a local fake with demo keys, docs/cli.md).",
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"unikms {unikms.__version__}",
        help="print unikms <version> and exit",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    context = argparse.ArgumentParser(add_help=False)
    context.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="encryption context entry (repeatable; default: none)",
    )
    io = argparse.ArgumentParser(add_help=False, parents=[context])
    io.add_argument("-i", "--input", help="read from this file (default: stdin)")
    io.add_argument(
        "-o",
        "--output",
        help="write to this file, replaced all or nothing; devices, FIFOs and /dev/fd/N "
        "are written through (default: stdout)",
    )
    io.add_argument("--json", action="store_true", help="print the whole result as JSON")

    enc = sub.add_parser("encrypt", parents=[common, io], help="encrypt stdin", formatter_class=fmt)
    enc.add_argument("-k", "--key", default=DEMO_KEY, help="key id, alias or ARN")
    enc.add_argument(
        "--raw", action="store_true", help="write raw ciphertext bytes (never to a terminal)"
    )
    enc.add_argument(
        "--initial",
        action="store_true",
        help="use the key's initial version (Alibaba instance Encrypt)",
    )
    enc.set_defaults(run=_cmd_encrypt)

    dec = sub.add_parser("decrypt", parents=[common, io], help="decrypt stdin", formatter_class=fmt)
    dec.add_argument("--raw", action="store_true", help="read raw ciphertext bytes")
    dec.add_argument("--base64", action="store_true", help="write the plaintext as Base64")
    dec.set_defaults(run=_cmd_decrypt)

    dk = sub.add_parser(
        "data-key",
        parents=[common, context],
        help="generate a data key (JSON)",
        formatter_class=fmt,
    )
    dk.add_argument("-k", "--key", default=DEMO_KEY, help="key id, alias or ARN")
    dk.add_argument("-n", "--bytes", type=int, default=32, help="data key length in bytes")
    dk.add_argument(
        "-o", "--output", help="write the JSON to this file (0600 if new; default: stdout)"
    )
    dk.set_defaults(run=_cmd_data_key, json=True)

    _add_key_commands(sub, common)
    _add_asymmetric_commands(sub, common)
    _add_fake_commands(sub, state)

    # envelope encryption: seal, open, inspect (unikms/envelope/cli.py)
    from unikms.envelope.cli import add_commands as add_envelope_commands

    add_envelope_commands(sub, parents=[state], formatter_class=fmt)

    # contract scenarios as cassettes: record (unikms/contract/cli.py)
    from unikms.contract.cli import add_commands as add_contract_commands

    add_contract_commands(sub, formatter_class=fmt)

    _add_serve_command(sub)
    return p


def _serve(args: argparse.Namespace) -> int:
    try:
        from unikms.emulator.credentials import EmulatorCredentials
        from unikms.emulator.server import Emulator, configure_logging, describe
    except ImportError as err:
        print(f"unikms: {missing_extra(err, 'serve', 'emulator')}", file=sys.stderr)
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


def _run(args: argparse.Namespace) -> int:
    clients = CliClients(
        state_file=args.fake_state,
        strict=args.strict,
        quiet=args.quiet or bool(getattr(args, "json", False)),
    )
    try:
        with clients:
            status = args.run(clients.connect(args.url), args)
    except unikms.KmsError as err:
        print(f"unikms: {type(err).__name__}: {err}{clients.hint(err)}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"unikms: {err}", file=sys.stderr)
        return 1
    return int(status or 0)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: temporary files are removed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0, 1 on an error, 2 on a usage error).

    >>> main(["key", "create-alias", "alias/x", "alias/none", "--url", "fake://tencent?region=a"])
    1
    """
    args = _parser().parse_args(argv)
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread
        previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        if getattr(args, "standalone", None) is not None:
            return int(args.standalone(args))
        if args.command == "serve":
            return _serve(args)
        return _run(args)
    except UsageError as err:
        print(f"unikms: {err}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # python -m unikms.cli: run the one imported module, not a twin
    from unikms.cli import main as _main

    raise SystemExit(_main())
