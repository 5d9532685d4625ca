"""``unikms seal``, ``open``, ``rewrap`` and ``inspect``: envelope messages from a shell.

Wrapping keys are named with ``-k/--key [URL#]KEY`` (repeatable): ``KEY``
alone uses ``--url`` (default ``$UNIKMS_URL``, else the demo fake); ``URL#KEY``
names the provider too, so one message can be wrapped for two clouds::

    unikms seal -i backup.tar -o backup.tar.ukev -c app=db \\
        -k 'alibaba-kms://cn-hangzhou#alias/backup' -k 'tencent-kms://ap-guangzhou#alias/backup'
    unikms open --url 'tencent-kms://ap-guangzhou' -c app=db -i backup.tar.ukev -o backup.tar

``open`` tries each ``--url`` (repeatable) in order, refuses a message with more
than ``--max-wrapped-keys`` (default 16) wrapped keys, and with ``--allow-key
KEY_ID`` (repeatable) sends only those keys' wrapped copies to a KMS. ``--raw-key NAME=FILE``
adds a local raw AES key (not a KMS: see ``docs/envelope.md``) on either side.
``rewrap`` writes a new message under the same data key with wrapping keys
added (``--add [URL#]KEY``, ``--add-raw-key NAME=FILE``) or removed (``--remove
KEY_ID``), opened as ``open`` opens it (``--url``, ``--raw-key``,
``--max-wrapped-keys``, ``--allow-key``)::

    unikms rewrap -c app=db --url 'alibaba-kms://cn-hangzhou' \
        --add 'tencent-kms://ap-guangzhou#alias/backup' -i old.ukev -o new.ukev

Output files are written all or nothing (a temporary file, renamed on
success). Plaintext to stdout streams frame by frame: after a failure, what
was written is authenticated but incomplete and the exit status is 1;
``--all-or-nothing`` spools to an unnamed temporary file first. A progress bar
goes to stderr on long work when stderr is a terminal (``--quiet``: never,
``--progress``: always).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import BinaryIO

import unikms
from unikms._cli_common import DEMO_KEY, UsageError, open_output, parse_context
from unikms.cli_fake import CliClients
from unikms.envelope.format import (
    DEFAULT_FRAME_SIZE,
    DEFAULT_MAX_WRAPPED_KEYS,
    MAX_FRAME_SIZE,
    MAX_WRAPPED_KEYS,
)
from unikms.envelope.keyring import KmsKey, Opener, RawAesKey, Target
from unikms.envelope.progress import ProgressBar
from unikms.envelope.rewrap import rewrap_stream
from unikms.envelope.seal import encrypt_stream
from unikms.envelope.streams import Writable
from unikms.envelope.unseal import MessageReader, read_header

__all__ = ["add_commands", "parse_key_spec", "read_raw_key"]


def parse_key_spec(spec: str, default_url: str) -> tuple[str, str]:
    """``URL#KEY`` -> (URL, KEY); a bare ``KEY`` -> (default URL, KEY).

    >>> parse_key_spec("fake://tencent?cloud=a#alias/demo", "fake://x")
    ('fake://tencent?cloud=a', 'alias/demo')
    >>> parse_key_spec("alias/demo", "fake://x")
    ('fake://x', 'alias/demo')
    """
    if "://" in spec and "#" in spec:
        url, _, key = spec.rpartition("#")
        if not key:
            raise UsageError(f"--key {spec!r} names no key after '#'")
        return url, key
    if "://" in spec:
        raise UsageError(f"--key {spec!r}: write URL#KEY to name a key on that URL")
    return default_url, spec


def read_raw_key(spec: str) -> RawAesKey:
    """``NAME=FILE``: the file holds 32 bytes, raw, as 64 hex digits, or as Base64."""
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise UsageError(f"--raw-key takes NAME=FILE, got {spec!r}")
    with open(path, "rb") as fh:
        data = fh.read(1024)
    if len(data) != 32:
        text = data.strip()
        try:
            data = bytes.fromhex(text.decode("ascii")) if len(text) == 64 else b""
            if not data:
                data = base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            data = b""
    if len(data) != 32:
        raise unikms.InvalidRequestError(
            f"--raw-key {name}: {path} must hold a 32-byte key (raw, hex or Base64)",
            field="raw-key",
        )
    return RawAesKey(name, data)


def _show_progress(args: argparse.Namespace) -> bool:
    if args.quiet:
        return False
    return bool(args.progress) or sys.stderr.isatty()


def _input_size(fh: BinaryIO) -> int | None:
    try:
        st = os.fstat(fh.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _open_input(path: str | None) -> BinaryIO:
    if path and path != "-":
        return open(path, "rb")
    return sys.stdin.buffer


def _cmd_seal(args: argparse.Namespace, clients: CliClients) -> None:
    targets: list[Target] = []
    for spec in args.key or ([] if args.raw_key else [DEMO_KEY]):
        key_url, key = parse_key_spec(spec, args.url or "")
        targets.append(KmsKey(clients.connect(key_url or None), key))
    targets.extend(read_raw_key(spec) for spec in args.raw_key)
    to_stdout = _message_to_stdout(args)
    src = _open_input(args.input)
    try:
        size = _input_size(src)
        bar = ProgressBar("seal", size, sys.stderr) if _show_progress(args) else None
        try:
            if to_stdout:
                encrypt_stream(
                    src,
                    sys.stdout.buffer,
                    targets,
                    context=parse_context(args.context),
                    frame_size=args.frame_size,
                    progress=bar,
                )
                sys.stdout.buffer.flush()
            else:
                with open_output(args.output, binary=True) as dst:
                    encrypt_stream(
                        src,
                        dst,
                        targets,
                        context=parse_context(args.context),
                        frame_size=args.frame_size,
                        progress=bar,
                    )
        finally:
            if bar is not None:
                bar.close()
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def _openers(args: argparse.Namespace, clients: CliClients) -> list[Opener]:
    raw = [read_raw_key(spec) for spec in args.raw_key]
    urls: list[str | None] = args.url or ([] if raw else [None])
    openers: list[Opener] = [clients.connect(u) for u in urls]
    openers.extend(raw)
    return openers


def _cmd_open(args: argparse.Namespace, clients: CliClients) -> None:
    openers = _openers(args, clients)
    src = _open_input(args.input)
    try:
        size = _input_size(src)
        bar = ProgressBar("open", size, sys.stderr) if _show_progress(args) else None
        try:
            reader = MessageReader(
                src,
                openers,
                context=parse_context(args.context),
                progress=bar,
                max_wrapped_keys=args.max_wrapped_keys,
                allowed_keys=args.allow_key or None,
            )
            if args.output and args.output != "-":
                with open_output(args.output, binary=False, spool=True) as dst:
                    for chunk in reader:
                        dst.write(chunk)
            elif args.all_or_nothing:
                with tempfile.TemporaryFile() as spool:
                    for chunk in reader:
                        spool.write(chunk)
                    spool.seek(0)
                    shutil.copyfileobj(spool, sys.stdout.buffer, 1 << 20)
                sys.stdout.buffer.flush()
            else:
                out = sys.stdout.buffer
                try:
                    for chunk in reader:
                        out.write(chunk)
                finally:
                    out.flush()
        finally:
            if bar is not None:
                bar.close()
    finally:
        if src is not sys.stdin.buffer:
            src.close()


class _CountingSink:
    """Counts what goes to stdout, so an error can say whether a partial message went out."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        return self._out.write(data)


def _cmd_rewrap(args: argparse.Namespace, clients: CliClients) -> None:
    openers = _openers(args, clients)
    urls: list[str] = args.url or []
    added: list[Target] = []
    for spec in args.add:
        if "://" not in spec and len(urls) > 1:
            raise UsageError(f"--add {spec!r}: with several --url, write URL#KEY to say which KMS")
        key_url, key = parse_key_spec(spec, urls[0] if urls else "")
        added.append(KmsKey(clients.connect(key_url or None), key))
    added.extend(read_raw_key(spec) for spec in args.add_raw_key)
    to_stdout = _message_to_stdout(args)
    src = _open_input(args.input)
    try:
        size = _input_size(src)
        bar = ProgressBar("rewrap", size, sys.stderr) if _show_progress(args) else None
        try:

            def run(dst: Writable) -> None:
                rewrap_stream(
                    src,
                    dst,
                    openers,
                    add=added,
                    remove=args.remove,
                    context=parse_context(args.context),
                    max_wrapped_keys=args.max_wrapped_keys,
                    allowed_keys=args.allow_key or None,
                    frame_size=args.frame_size,
                    progress=bar,
                )

            if to_stdout:
                sink = _CountingSink(sys.stdout.buffer)
                try:
                    run(sink)
                finally:
                    sys.stdout.buffer.flush()
                    args.partial_output = sink.written
            else:
                with open_output(args.output, binary=True) as dst:
                    run(dst)
        finally:
            if bar is not None:
                bar.close()
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def _cmd_inspect(args: argparse.Namespace, clients: CliClients) -> None:
    src = _open_input(args.input)
    try:
        header = read_header(src)
    finally:
        if src is not sys.stdin.buffer:
            src.close()
    doc = {
        "authenticated": False,
        "version": header.version,
        "suite": f"0x{header.suite:04x}",
        "frame_size": header.frame_size,
        "message_id": header.message_id.hex(),
        "context": header.context,
        "wrapped_keys": [
            {
                "provider": wk.provider,
                "key_id": wk.key_id,
                "key_version_id": wk.key_version_id,
                "ciphertext_bytes": len(wk.ciphertext),
            }
            for wk in header.wrapped_keys
        ],
    }
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def _run(
    command: Callable[[argparse.Namespace, CliClients], None],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        clients = CliClients(
            state_file=getattr(args, "fake_state", None),
            strict=getattr(args, "strict", False),
            quiet=getattr(args, "quiet", False),
        )
        try:
            with clients:
                command(args, clients)
        except unikms.KmsError as err:
            released = getattr(err, "frames_released", 0)
            streamed = getattr(args, "output", None) in (None, "-")
            note = ""
            if released and streamed and args.command == "open" and not args.all_or_nothing:
                note = (
                    f" ({released} authenticated frames, {getattr(err, 'bytes_released', 0)} "
                    "bytes, were already written: the output is incomplete)"
                )
            elif streamed and args.command == "rewrap" and getattr(args, "partial_output", 0):
                note = (
                    " (what was written has no final frame: it is not a message, and every "
                    "decrypt refuses it)"
                )
            note = note or clients.hint(err)
            print(f"unikms: {type(err).__name__}: {err}{note}", file=sys.stderr)
            return 1
        except OSError as err:
            print(f"unikms: {err}", file=sys.stderr)
            return 1
        return 0

    return run


def _message_to_stdout(args: argparse.Namespace) -> bool:
    """True when the message goes to stdout; refuses a terminal (binary output)."""
    to_stdout = not args.output or args.output == "-"
    if to_stdout and sys.stdout.isatty():
        raise unikms.InvalidRequestError(
            "refusing to write a binary message to a terminal; use -o FILE or redirect",
            field="output",
        )
    return to_stdout


def _int_from_1_to(high: int) -> Callable[[str], int]:
    """An argparse type: an integer (any base prefix) from 1 to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from 1 to {high}")
        return value

    return parse


_frame_size = _int_from_1_to(MAX_FRAME_SIZE)
_max_wrapped_keys = _int_from_1_to(MAX_WRAPPED_KEYS)


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    parents: Sequence[argparse.ArgumentParser] = (),
    formatter_class: type[argparse.HelpFormatter] = argparse.HelpFormatter,
) -> None:
    """Add ``seal``, ``open``, ``rewrap`` and ``inspect`` to the ``unikms`` parser.

    Each sets ``standalone`` (a function of the parsed arguments returning the
    exit status): these commands make their own clients, one per URL.
    ``parents`` add options to the commands that connect (``--fake-state``).
    """
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument("-i", "--input", help="read from this file (default: stdin)")

    both = argparse.ArgumentParser(add_help=False, parents=[source, *parents])
    both.add_argument(
        "-o",
        "--output",
        help="write to this file, replaced all or nothing; devices, FIFOs and /dev/fd/N are "
        "written through (open: only once all is authenticated) (default: stdout)",
    )
    both.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="encryption context entry (repeatable; open needs the same ones)",
    )
    both.add_argument(
        "--raw-key",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a local 32-byte AES key (raw, hex or Base64 in FILE); not a KMS",
    )
    both.add_argument("--strict", action="store_true", help="strict portability mode")
    both.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar, no demo-fake notice"
    )
    both.add_argument(
        "--progress", action="store_true", help="progress bar even when stderr is not a terminal"
    )

    seal = sub.add_parser(
        "seal",
        formatter_class=formatter_class,
        parents=[both],
        help="envelope-encrypt a file or pipe (any size)",
        description="Envelope-encrypt stdin or a file into one message (docs/envelope.md).",
    )
    seal.add_argument(
        "-k",
        "--key",
        action="append",
        metavar="[URL#]KEY",
        help="a wrapping key (repeatable; the first makes the data key; "
        "default: alias/demo on --url)",
    )
    seal.add_argument(
        "--url",
        help="KMS URL for keys given without one (default: $UNIKMS_URL, else the CLI's fake)",
    )
    seal.add_argument(
        "--frame-size",
        type=_frame_size,
        default=DEFAULT_FRAME_SIZE,
        help="plaintext bytes per frame",
    )
    seal.set_defaults(standalone=_run(_cmd_seal))

    opening = argparse.ArgumentParser(add_help=False)
    opening.add_argument(
        "--url",
        action="append",
        help="a KMS to try (repeatable, in order; default: $UNIKMS_URL, else the CLI's fake)",
    )
    opening.add_argument(
        "--max-wrapped-keys",
        type=_max_wrapped_keys,
        default=DEFAULT_MAX_WRAPPED_KEYS,
        metavar="N",
        help=f"refuse a message with more wrapped keys, before any KMS call "
        f"(at most {MAX_WRAPPED_KEYS})",
    )
    opening.add_argument(
        "--allow-key",
        action="append",
        default=[],
        metavar="KEY_ID",
        help="only send wrapped keys of this key id (as `inspect` shows it) to a KMS "
        "(repeatable; default: any)",
    )

    open_ = sub.add_parser(
        "open",
        formatter_class=formatter_class,
        parents=[both, opening],
        help="decrypt an envelope message",
        description="Decrypt an envelope message with whichever of its keys a KMS opens.",
    )
    open_.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="to stdout: spool to a temporary file, write only once all is authenticated",
    )
    open_.set_defaults(standalone=_run(_cmd_open))

    rewrap = sub.add_parser(
        "rewrap",
        formatter_class=formatter_class,
        parents=[both, opening],
        help="add or remove an envelope message's wrapping keys (writes a new message)",
        description="Write a new message under the same data key, with wrapping keys added "
        "or removed: a fresh message id, every frame authenticated and encrypted again "
        "(docs/envelope.md, Rewrapping). Opens the message as `open` does (--url, "
        "--raw-key, --max-wrapped-keys, --allow-key); --add and --add-raw-key add wrappings.",
    )
    rewrap.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="[URL#]KEY",
        help="a wrapping key to add (repeatable; a bare KEY uses --url)",
    )
    rewrap.add_argument(
        "--add-raw-key",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a local 32-byte AES key to add as a wrapping (raw, hex or Base64); not a KMS",
    )
    rewrap.add_argument(
        "--remove",
        action="append",
        default=[],
        metavar="KEY_ID",
        help="drop the wrapped key of this key id, as `inspect` shows it (repeatable; "
        "at least one key must remain)",
    )
    rewrap.add_argument(
        "--frame-size",
        type=_frame_size,
        default=None,
        help="plaintext bytes per frame of the new message (default: the original's)",
    )
    rewrap.set_defaults(standalone=_run(_cmd_rewrap))

    inspect = sub.add_parser(
        "inspect",
        parents=[source],
        help="show an envelope message's header as JSON (no keys needed; not authenticated)",
        formatter_class=formatter_class,
    )
    inspect.set_defaults(standalone=_run(_cmd_inspect))
