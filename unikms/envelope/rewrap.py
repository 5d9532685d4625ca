"""Rewrapping: add or remove wrapping keys by writing a new message under the same data key.

A rewrap opens the data key exactly as a decrypt does (same context check,
``max_wrapped_keys`` and ``allowed_keys``, same key commitment check), then
writes a **new message**: a fresh random message id (so a fresh message key),
the wrapped keys kept from the original copied byte for byte (no KMS call),
plus one new wrapping per added key (a KMS ``Encrypt`` of the same data key, or
a :class:`RawAesKey`), and every frame authenticated, decrypted and encrypted
again under the new message key. Plaintext never leaves: it goes straight back
into frames.

It never rewrites a message in place: the header tag is GCM with nonce 0 under
the message key, and a second header (other wrapped keys) under the same data
key and message id would reuse that nonce with that key, which reveals GCM's
authentication key (GHASH's ``H``) and lets anyone forge headers and frames
(``docs/envelope.md``, "Rewrapping").

    >>> import unikms
    >>> from unikms import envelope
    >>> ali = unikms.connect("fake://alibaba-classic")
    >>> ten = unikms.connect("fake://tencent")
    >>> a_key, t_key = ali.create_key().key_id, ten.create_key().key_id
    >>> old = envelope.encrypt(b"archive", [(ali, a_key)], context={"db": "orders"})
    >>> new = envelope.rewrap(old, [ali], add=[(ten, t_key)], remove=[a_key],
    ...                       context={"db": "orders"})
    >>> envelope.decrypt(new, [ten], context={"db": "orders"})
    b'archive'
    >>> [w.provider for w in envelope.read_header(new).wrapped_keys]
    ['tencent']
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping

import attrs

from unikms._output import check_path
from unikms.client import KmsClient
from unikms.envelope.cache import Materials
from unikms.envelope.files import PathLike, atomic_output
from unikms.envelope.format import (
    DEFAULT_MAX_WRAPPED_KEYS,
    MAX_WRAPPED_KEYS,
    Header,
    WrappedKey,
)
from unikms.envelope.keyring import (
    AllowedKeys,
    KmsKey,
    RandomSource,
    RawAesKey,
    Target,
    key_entries,
)
from unikms.envelope.seal import Sealer, check_frame_size
from unikms.envelope.streams import Progress, Readable, Writable, check_writable
from unikms.envelope.unseal import Clients, MessageReader
from unikms.errors import InvalidRequestError
from unikms.types import Dialect

__all__ = ["AddKeys", "RemoveKeys", "Rewrapped", "rewrap", "rewrap_file", "rewrap_stream"]

#: what ``add`` may hold: :class:`KmsKey`, :class:`RawAesKey` or ``(client, key)`` pairs
AddKeys = Iterable[KmsKey | RawAesKey | tuple[KmsClient, str]]
#: what ``remove`` may hold: key ids (any provider), ``(provider, key id)`` pairs (the
#: provider a name such as ``"tencent"`` or ``"raw-aes"``, a Dialect or a client), KmsKeys
RemoveKeys = Iterable[str | KmsKey | tuple[str | Dialect | KmsClient, str]]


@attrs.frozen
class Rewrapped:
    """What a rewrap did: the new message's header, the original's (authenticated),
    the wrapped key that opened the original, and the plaintext size."""

    header: Header
    original: Header
    opened_with: WrappedKey
    plaintext_bytes: int


def _as_added(add: object) -> list[Target]:
    if isinstance(add, (KmsKey, RawAesKey)) or (
        isinstance(add, tuple) and len(add) == 2 and isinstance(add[0], KmsClient)
    ):
        add = [add]
    if isinstance(add, (str, bytes, Mapping)) or not isinstance(add, Iterable):
        raise InvalidRequestError(
            "add must be a list of KmsKey, RawAesKey or (KmsClient, key) pairs, "
            f"got {type(add).__name__}",
            field="add",
        )
    out: list[Target] = []
    for item in add:
        if isinstance(item, (KmsKey, RawAesKey)):
            out.append(item)
        elif (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], KmsClient)
            and isinstance(item[1], str)
            and item[1].strip()
        ):
            out.append(KmsKey(item[0], item[1]))
        else:
            raise InvalidRequestError(
                "add: expected KmsKey, RawAesKey or (KmsClient, non-empty key name), "
                f"got {type(item).__name__}",
                field="add",
            )
    return out


def _removed(entries: frozenset[tuple[str | None, str]], wk: WrappedKey) -> bool:
    return (None, wk.key_id) in entries or (wk.provider, wk.key_id) in entries


def _plan(
    header: Header, remove: frozenset[tuple[str | None, str]], added: int
) -> tuple[WrappedKey, ...]:
    """The original's wrapped keys that stay; refuses what would leave no key, or too many."""
    unmatched = sorted(
        (f"{p} key {k}" if p else f"key {k}")
        for p, k in remove
        if not any((p is None or p == wk.provider) and k == wk.key_id for wk in header.wrapped_keys)
    )
    if unmatched:
        carried = ", ".join(f"{wk.provider} key {wk.key_id}" for wk in header.wrapped_keys)
        raise InvalidRequestError(
            f"remove: the message carries no {', '.join(unmatched)} (it carries {carried})",
            field="remove",
        )
    kept = tuple(wk for wk in header.wrapped_keys if not _removed(remove, wk))
    if not kept and not added:
        raise InvalidRequestError(
            "remove: this would remove every wrapped key, and nothing could open the new "
            "message; keep one or add one",
            field="remove",
        )
    if len(kept) + added > MAX_WRAPPED_KEYS:
        raise InvalidRequestError(
            f"add: the new message would carry {len(kept) + added} wrapped keys; the format "
            f"allows {MAX_WRAPPED_KEYS}",
            field="add",
        )
    return kept


def _refuse_duplicates(wrapped: tuple[WrappedKey, ...]) -> None:
    """One wrapped key per (provider, key id): adding a key the message carries is refused."""
    seen: set[tuple[str, str]] = set()
    for wk in wrapped:
        if (wk.provider, wk.key_id) in seen:
            raise InvalidRequestError(
                f"add: the message already carries a wrapped key of {wk.provider} key "
                f"{wk.key_id}; --remove it first to wrap it again",
                field="add",
            )
        seen.add((wk.provider, wk.key_id))


def _rewrap_stream(
    src: Readable,
    dst: Writable,
    clients: Clients,
    *,
    add: AddKeys,
    remove: RemoveKeys,
    context: Mapping[str, str] | None,
    max_wrapped_keys: int | None,
    allowed_keys: AllowedKeys | None,
    frame_size: int | None,
    progress: Progress | None,
    random: RandomSource,
) -> Rewrapped:
    write = check_writable(dst, "dst").write
    targets = _as_added(add)
    removing = key_entries(remove, "remove")
    if frame_size is not None:
        frame_size = check_frame_size(frame_size)
    kept: list[tuple[WrappedKey, ...]] = []

    def check_header(header: Header) -> None:
        # before any KMS call: a remove that matches nothing, or leaves nothing, costs nothing
        kept.append(_plan(header, removing, len(targets)))

    reader, data_key = MessageReader._with_data_key(
        src,
        clients,
        context=context,
        progress=progress,
        max_wrapped_keys=max_wrapped_keys,
        allowed_keys=allowed_keys,
        check_header=check_header,
    )
    original = reader.header
    kms_context = original.context or None
    wrapped = kept[0] + tuple(t.wrap(data_key, kms_context, random) for t in targets)
    _refuse_duplicates(wrapped)
    sealer = Sealer.from_materials(
        write,
        Materials(data_key=data_key, wrapped_keys=wrapped),
        context=original.context,
        frame_size=original.frame_size if frame_size is None else frame_size,
        random=random,
        avoid_message_id=original.message_id,
    )
    fs = sealer.frame_size
    # authenticated plaintext only (the reader checks each tag, and the end of the
    # input, before yielding); at most about two frames of it held at once. The
    # final frame is written only after the original's final frame authenticated
    # and the input ended; an empty final frame only for an empty message.
    held: bytes = b""  # plaintext not sealed yet: the last frame until more arrives
    for chunk in reader:
        if not chunk:
            continue
        if len(held) == fs:  # more follows, so it is a regular frame
            sealer.frame(held, final=False)
            held = b""
        data = held + chunk if held else chunk  # no copy when frame sizes line up
        pos = 0
        if len(data) > fs:
            view = memoryview(data)
            try:
                while len(data) - pos > fs:
                    sealer.frame(view[pos : pos + fs], final=False)
                    pos += fs
            finally:
                view.release()
        held = data[pos:] if pos else data
    sealer.frame(held, final=True)
    return Rewrapped(
        header=sealer.header,
        original=original,
        opened_with=reader.opened_with,
        plaintext_bytes=sealer.plaintext_bytes,
    )


def rewrap_stream(
    src: Readable,
    dst: Writable,
    clients: Clients,
    *,
    add: AddKeys = (),
    remove: RemoveKeys = (),
    context: Mapping[str, str] | None = None,
    max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
    allowed_keys: AllowedKeys | None = None,
    frame_size: int | None = None,
    progress: Progress | None = None,
) -> Rewrapped:
    """Read one message from ``src`` and write it to ``dst`` as a new message under the
    same data key, with wrapping keys added and removed.

    ``clients``, ``context``, ``max_wrapped_keys``, ``allowed_keys`` and ``progress``
    open the original exactly as :func:`unikms.envelope.decrypt_stream` does (one KMS
    decrypt). ``add``: wrapping keys to add (:class:`KmsKey`, :class:`RawAesKey` or
    ``(client, key)``), one KMS ``Encrypt`` each, under the message's context.
    ``remove``: wrapped keys to drop, by key id as the header records it, or
    ``(provider, key id)``; each must match a wrapped key, and at least one key must
    remain (else :class:`~unikms.InvalidRequestError` with ``field="remove"``,
    raised before any KMS call). The other wrapped keys are copied as they are.
    ``frame_size``: the new message's (default: the original's).

    The new message has a fresh message id; every frame is authenticated, then
    encrypted again under the new message key. **The output is valid only if this
    returns without error**: if a frame of the original fails to authenticate,
    ``dst`` holds a header and the frames before it, without a final frame, which
    every decrypt refuses as truncated. For all or nothing, use
    :func:`rewrap_file` or :func:`rewrap`.

    Removing a wrapping affects the new message only: copies of the original, and
    anyone who already opened its data key, still decrypt (``docs/envelope.md``).
    """
    return _rewrap_stream(
        src,
        dst,
        clients,
        add=add,
        remove=remove,
        context=context,
        max_wrapped_keys=max_wrapped_keys,
        allowed_keys=allowed_keys,
        frame_size=frame_size,
        progress=progress,
        random=os.urandom,
    )


def rewrap(
    blob: bytes | bytearray | memoryview,
    clients: Clients,
    *,
    add: AddKeys = (),
    remove: RemoveKeys = (),
    context: Mapping[str, str] | None = None,
    max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
    allowed_keys: AllowedKeys | None = None,
    frame_size: int | None = None,
) -> bytes:
    """Rewrap a message held in memory (see :func:`rewrap_stream`); all or nothing.

    >>> from unikms.envelope import RawAesKey, decrypt, encrypt, read_header
    >>> old_key, new_key = RawAesKey("old", bytes(32)), RawAesKey("new", bytes(range(32)))
    >>> old = encrypt(b"secret", [old_key])
    >>> new = rewrap(old, [old_key], add=[new_key], remove=["old"])
    >>> decrypt(new, [new_key])
    b'secret'
    >>> read_header(new).message_id != read_header(old).message_id
    True
    """
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise InvalidRequestError(f"blob must be bytes, got {type(blob).__name__}", field="blob")
    out = io.BytesIO()
    _rewrap_stream(
        io.BytesIO(blob if isinstance(blob, bytes) else memoryview(blob).tobytes()),
        out,
        clients,
        add=add,
        remove=remove,
        context=context,
        max_wrapped_keys=max_wrapped_keys,
        allowed_keys=allowed_keys,
        frame_size=frame_size,
        progress=None,
        random=os.urandom,
    )
    return out.getvalue()


def rewrap_file(
    src: PathLike,
    dst: PathLike,
    clients: Clients,
    *,
    add: AddKeys = (),
    remove: RemoveKeys = (),
    context: Mapping[str, str] | None = None,
    max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
    allowed_keys: AllowedKeys | None = None,
    frame_size: int | None = None,
    progress: Progress | None = None,
) -> Rewrapped:
    """Rewrap the message in file ``src`` into ``dst``: all or nothing.

    Writes a temporary file beside ``dst`` (mode 0600), renamed over ``dst`` only
    once every frame authenticated and was written; on any failure it is removed
    and ``dst`` is left as it was. ``dst`` may be ``src`` itself (the original is
    replaced only on success). Arguments as for :func:`rewrap_stream`.
    """
    check_path(dst, "dst")
    with open(check_path(src, "src"), "rb") as fin, atomic_output(dst) as fout:
        return rewrap_stream(
            fin,
            fout,
            clients,
            add=add,
            remove=remove,
            context=context,
            max_wrapped_keys=max_wrapped_keys,
            allowed_keys=allowed_keys,
            frame_size=frame_size,
            progress=progress,
        )
