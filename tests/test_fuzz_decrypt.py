"""Fuzzing ``decrypt`` on every dialect of the fake: mutated ciphertexts never open.

The targets are every registered dialect with a fake (``FAMILY_TARGETS``). The
oracle, for any mutation of a valid ciphertext (bit flips, cuts, extensions,
splices, random bytes or text, and structure-aware relabelling of each blob
layout, ``LAYOUTS``: ``docs/ciphertext.md``, and the AWS fake's own in
``unikms/dialects/aws/fake.py``): ``decrypt`` either raises a typed
:class:`unikms.KmsError` subclass (never the bare base class, never a
:class:`unikms.ServiceError`, never any other exception type) or the mutant *is*
the original ciphertext, and then the original plaintext comes back. "Is" means
the same bytes; where the ciphertext is Base64 text (Tencent's segments, a
``str`` blob) it means the same decoded bytes, since a decoder that ignores the
unused low bits of a last Base64 digit (as RFC 4648 permits) reads two spellings
as one blob (``docs/fuzzing.md``).

Budgets: ``docs/fuzzing.md`` and the ``fuzz-ci`` / ``fuzz-long`` profiles in
``tests/conftest.py`` (``UNIKMS_FUZZ_PROFILE=fuzz-long`` for a longer run).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import unikms
from tests.fuzz_profile import FUZZ
from unikms.dialects import dialect_packages
from unikms.dialects.alibaba.common import CLASSIC_GCM_HEADER
from unikms.dialects.alibaba.fake import ALGORITHM_IDS, PADDING_IDS
from unikms.fake import FakeCloud
from unikms.types import Dialect, KeyVersion

Canon = Callable[["bytes | str"], object]


def _strict_b64(text: bytes | str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _identity(blob: bytes | str) -> object:
    return blob


def _b64_canon(blob: bytes | str) -> object:
    return _strict_b64(blob)


def _detached_canon(blob: bytes | str) -> object:
    """A detached blob with an empty ``Algorithm`` read as the gateway's default (AES_GCM for
    the AES keys here): the gateway's ``Decrypt`` takes a missing algorithm as its default."""
    if not isinstance(blob, bytes) or not blob.startswith(b"UKD1"):
        return blob
    try:
        fields, body = _detached_fields(blob)
    except IndexError:
        return blob
    if fields[1] == b"" and blob == _pack_detached(fields, body):
        fields[1] = b"AES_GCM"
        return _pack_detached(fields, body)
    return blob


def _tencent_canon(blob: bytes | str) -> object:
    """Tencent's blob read as its three decoded segments (None if it is not that)."""
    text = blob.decode("ascii", "replace") if isinstance(blob, bytes) else blob
    parts = text.split("-k-")
    decoded = [_strict_b64(p) for p in parts]
    return None if len(parts) != 3 or None in decoded else tuple(decoded)


@attrs.frozen
class Sealed:
    """One valid ciphertext to mutate, and what opening it takes."""

    name: str
    client: unikms.KmsClient
    ciphertext: bytes | str
    plaintext: bytes
    kwargs: Mapping[str, Any]
    layout: str  # a key of LAYOUTS
    canon: Canon
    #: valid ciphertexts in the same layout (another key, version or message), with plaintexts
    others: tuple[tuple[bytes | str, bytes], ...]

    def valid(self) -> list[tuple[bytes | str, bytes]]:
        """The valid ciphertexts a mutant may rebuild, with their plaintexts."""
        return [(self.ciphertext, self.plaintext), *self.others]

    @property
    def other_blobs(self) -> tuple[bytes | str, ...]:
        return tuple(blob for blob, _ in self.others)

    def open(self, blob: bytes | str, **extra: Any) -> unikms.DecryptResult:
        return self.client.decrypt(blob, **{**self.kwargs, **extra})


CONTEXT = {"tenant": "42", "zone": "b"}
PLAINTEXT = b"\x00fuzz me \xff" * 3
#: the plaintext of the "4-byte" ciphertexts whose relabelled bodies are whole blocks
SHORT = b"\x01\x02\x03\x04"


def _with(plaintext: bytes, *blobs: bytes | str) -> tuple[tuple[bytes | str, bytes], ...]:
    return tuple((blob, plaintext) for blob in blobs)


def _alibaba_targets(cloud: FakeCloud) -> dict[str, Sealed]:
    """Both Alibaba gateways (one store): classic, Advance and detached blobs, and the
    native ``str`` forms of the first two."""
    classic = unikms.KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    instance = unikms.KmsClient(cloud.service(Dialect.ALIBABA_INSTANCE))
    targets: dict[str, Sealed] = {}

    # two keys, the first with two versions
    ali_a = classic.create_key().key_id
    ali_b = classic.create_key().key_id
    old_classic = classic.encrypt(ali_a, PLAINTEXT).ciphertext
    old_advance = instance.encrypt(ali_a, PLAINTEXT).ciphertext
    cloud.clock.advance(days=8)
    classic.rotate_key(ali_a)
    others_classic = _with(PLAINTEXT, old_classic, classic.encrypt(ali_b, PLAINTEXT).ciphertext)
    others_advance = _with(PLAINTEXT, old_advance, instance.encrypt(ali_b, PLAINTEXT).ciphertext)

    for ctx_name, kwargs in (("", {}), ("+context", {"context": CONTEXT})):
        ct = classic.encrypt(ali_a, PLAINTEXT, **kwargs).ciphertext
        targets[f"classic{ctx_name}"] = Sealed(
            f"classic{ctx_name}", classic, ct, PLAINTEXT, kwargs, "classic", _identity,
            others_classic,
        )  # fmt: skip
        # the classic blob opened on the other gateway (the transfer SDK's way)
        targets[f"classic-on-instance{ctx_name}"] = Sealed(
            f"classic-on-instance{ctx_name}", instance, ct, PLAINTEXT, kwargs, "classic",
            _identity, others_classic,
        )  # fmt: skip
        adv = instance.encrypt(ali_a, PLAINTEXT, **kwargs).ciphertext
        targets[f"advance{ctx_name}"] = Sealed(
            f"advance{ctx_name}", instance, adv, PLAINTEXT, kwargs, "advance", _identity,
            others_advance,
        )  # fmt: skip
        det = instance.encrypt(ali_a, PLAINTEXT, version=KeyVersion.INITIAL, **kwargs)
        det_other = instance.encrypt(ali_b, PLAINTEXT, version=KeyVersion.INITIAL, **kwargs)
        targets[f"detached{ctx_name}"] = Sealed(
            f"detached{ctx_name}", instance, det.ciphertext, PLAINTEXT, kwargs, "detached",
            _detached_canon, _with(PLAINTEXT, det_other.ciphertext),
        )  # fmt: skip
    aad = {"aad": b"\x00raw aad\xff"}
    targets["advance+aad"] = Sealed(
        "advance+aad", instance, instance.encrypt(ali_a, PLAINTEXT, **aad).ciphertext,
        PLAINTEXT, aad, "advance", _identity, others_advance,
    )  # fmt: skip
    # native-blob paths: Base64 text of a classic blob, and of an Advance blob
    targets["classic-str"] = _as_text(targets["classic+context"], "classic-str")
    targets["advance-str"] = _as_text(targets["advance"], "advance-str")
    return targets


def _as_text(sealed: Sealed, name: str) -> Sealed:
    """The native ``str`` form of a blob whose text is its Base64 (Alibaba, AWS)."""

    def text(blob: bytes | str) -> str:
        return base64.b64encode(_as_bytes(blob)).decode()

    others = tuple((text(o), p) for o, p in sealed.others)
    return attrs.evolve(
        sealed, name=name, ciphertext=text(sealed.ciphertext), canon=_b64_canon, others=others
    )


def _tencent_targets(cloud: FakeCloud) -> dict[str, Sealed]:
    """Tencent's three-segment text blobs, as bytes and as ``str``."""
    tencent = unikms.KmsClient(cloud.service(Dialect.TENCENT))
    targets: dict[str, Sealed] = {}
    # two keys; the second ciphertext of the same key is another message
    ten_a = tencent.create_key().key_id
    ten_b = tencent.create_key().key_id
    others_tencent = (
        *_with(
            PLAINTEXT,
            tencent.encrypt(ten_a, PLAINTEXT).ciphertext,
            tencent.encrypt(ten_b, PLAINTEXT).ciphertext,
        ),
        (tencent.encrypt(ten_a, PLAINTEXT + b"!").ciphertext, PLAINTEXT + b"!"),
    )
    for ctx_name, kwargs in (("", {}), ("+context", {"context": CONTEXT})):
        ct = tencent.encrypt(ten_a, PLAINTEXT, **kwargs).ciphertext
        targets[f"tencent{ctx_name}"] = Sealed(
            f"tencent{ctx_name}", tencent, ct, PLAINTEXT, kwargs, "tencent", _tencent_canon,
            others_tencent,
        )  # fmt: skip
    text = targets["tencent+context"].ciphertext.decode()  # type: ignore[union-attr]
    targets["tencent-str"] = Sealed(
        "tencent-str", tencent, text, PLAINTEXT, {"context": CONTEXT}, "tencent",
        _tencent_canon, tuple((o.decode(), p) for o, p in others_tencent),  # type: ignore[union-attr]
    )  # fmt: skip
    return targets


def _aws_targets(cloud: FakeCloud) -> dict[str, Sealed]:
    """AWS's blobs (the fake's own layout, ``docs/dialects-aws.md``): bytes through the
    typed seam, with and without a context; Base64 ``str`` and a named ``key`` through
    the native ``Decrypt``."""
    service = cloud.service("aws")
    aws = unikms.KmsClient(service)
    targets: dict[str, Sealed] = {}
    # the first key with two materials, another key, a multi-Region key, a disabled key
    aws_a = aws.create_key().key_id
    aws_b = aws.create_key().key_id
    mrk = service.call("CreateKey", {"MultiRegion": True})["KeyMetadata"]["KeyId"]
    disabled = aws.create_key().key_id
    old = aws.encrypt(aws_a, PLAINTEXT).ciphertext
    old_context = aws.encrypt(aws_a, PLAINTEXT, context=CONTEXT).ciphertext
    aws.rotate_key(aws_a)
    closed = aws.encrypt(disabled, PLAINTEXT).ciphertext
    aws.disable_key(disabled)
    others = (
        *_with(
            PLAINTEXT,
            old,
            old_context,
            aws.encrypt(aws_b, PLAINTEXT).ciphertext,
            aws.encrypt(mrk, PLAINTEXT).ciphertext,
            aws.encrypt(aws_a, PLAINTEXT, context=CONTEXT).ciphertext,
            closed,
        ),
        (aws.encrypt(aws_a, PLAINTEXT + b"!").ciphertext, PLAINTEXT + b"!"),
    )
    for ctx_name, kwargs in (("", {}), ("+context", {"context": CONTEXT})):
        ct = aws.encrypt(aws_a, PLAINTEXT, **kwargs).ciphertext
        targets[f"aws{ctx_name}"] = Sealed(
            f"aws{ctx_name}", aws, ct, PLAINTEXT, kwargs, "aws", _identity, others
        )
    keyed = {"context": CONTEXT, "key": aws_a}  # IncorrectKeyException's check
    targets["aws+key"] = attrs.evolve(targets["aws+context"], name="aws+key", kwargs=keyed)
    targets["aws-str"] = _as_text(targets["aws+context"], "aws-str")
    return targets


#: the ciphertexts of each account family's fake: every dialect with a fake must have
#: some (``test_every_dialect_with_a_fake_is_fuzzed``)
FAMILY_TARGETS: dict[str, Callable[[FakeCloud], dict[str, Sealed]]] = {
    "alibaba": _alibaba_targets,
    "tencent": _tencent_targets,
    "aws": _aws_targets,
}


@functools.cache
def sealed_targets() -> dict[str, Sealed]:
    """Every ciphertext kind of every registered dialect with a fake, made once."""
    cloud = FakeCloud()
    targets: dict[str, Sealed] = {}
    for family in sorted({p.family.name for p in dialect_packages() if p.service is not None}):
        build = FAMILY_TARGETS.get(family)
        if build is not None:
            targets.update(build(cloud))
    return targets


# -- mutations ---------------------------------------------------------------------------------


def _as_bytes(blob: bytes | str) -> bytes:
    return blob if isinstance(blob, bytes) else blob.encode("utf-8", "surrogatepass")


@st.composite
def byte_mutation(draw: st.DrawFn, blob: bytes, others: tuple[bytes, ...]) -> bytes:
    """A layout-blind change: flips, cuts, extensions, splices, another blob's parts."""
    kind = draw(
        st.sampled_from(
            ["flip", "cut-end", "cut-front", "extend", "splice", "insert", "delete", "graft",
             "random"]
        )
    )  # fmt: skip
    note(f"mutation: {kind}")
    n = len(blob)
    if kind == "flip":
        out = bytearray(blob)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, n - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if kind == "cut-end":
        return blob[: draw(st.integers(0, n - 1))]
    if kind == "cut-front":
        return blob[draw(st.integers(1, n)) :]
    if kind == "extend":
        return blob + draw(st.binary(min_size=1, max_size=64))
    if kind == "splice":
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i, min(n, i + 32)))
        return blob[:i] + draw(st.binary(min_size=1, max_size=32)) + blob[j:]
    if kind == "insert":
        i = draw(st.integers(0, n))
        return blob[:i] + draw(st.binary(min_size=1, max_size=4)) + blob[i:]
    if kind == "delete":
        i = draw(st.integers(0, n - 1))
        return blob[:i] + blob[i + draw(st.integers(1, 4)) :]
    if kind == "graft":  # our head, another ciphertext's tail (or the reverse)
        other = draw(st.sampled_from(others))
        cut = draw(st.integers(0, min(n, len(other))))
        return blob[:cut] + other[cut:] if draw(st.booleans()) else other[:cut] + blob[cut:]
    return draw(st.binary(max_size=200))


def _ascii36(draw: st.DrawFn) -> bytes:
    return draw(st.binary(min_size=36, max_size=36))


def _mutate_classic(draw: st.DrawFn, blob: bytes, other: bytes) -> bytes:
    """``version id (36) || iv (12) || body || tag (16)``."""
    field = draw(st.sampled_from(["version", "iv", "tag", "header"]))
    note(f"classic field: {field}")
    if field == "version":
        new = draw(st.sampled_from([other[:36], _ascii36(draw)]))
        return new + blob[36:]
    if field == "iv":
        return blob[:36] + draw(st.sampled_from([other[36:48], bytes(12)])) + blob[48:]
    if field == "tag":
        return blob[:-16] + draw(st.sampled_from([other[-16:], bytes(16), b""]))
    return CLASSIC_GCM_HEADER + blob  # dressed up as an Advance blob: see known_bug_d


def _mutate_advance(draw: st.DrawFn, blob: bytes, other: bytes) -> bytes:
    """``'$' || ver<<4|padding || algorithm || version id || iv || body``."""
    field = draw(st.sampled_from(["byte1", "algorithm", "version", "iv", "strip"]))
    note(f"advance field: {field}")
    if field == "byte1":
        return blob[:1] + bytes([draw(st.integers(0, 255))]) + blob[2:]
    if field == "algorithm":
        return blob[:2] + bytes([draw(st.integers(0, 255))]) + blob[3:]
    if field == "version":
        new = draw(st.sampled_from([other[3:39], _ascii36(draw)]))
        return blob[:3] + new + blob[39:]
    if field == "iv":
        return blob[:39] + draw(st.sampled_from([other[39:51], bytes(12)])) + blob[51:]
    return blob[3:]  # the header stripped: a classic blob again, see KNOWN_BUG_D


def _detached_fields(blob: bytes) -> tuple[list[bytes], bytes]:
    fields, pos = [], 4
    for _ in range(4):
        n = blob[pos]  # IndexError when the blob ends early
        fields.append(blob[pos + 1 : pos + 1 + n])
        pos += 1 + n
    return fields, blob[pos:]


def _mutate_detached(draw: st.DrawFn, blob: bytes, other: bytes) -> bytes:
    """The detached blob, field by field or its lengths:
    ``"UKD1" || u8 n || KeyId || u8 n || Algorithm || u8 n || Padding || u8 n || Iv || body``."""
    fields, body = _detached_fields(blob)
    other_fields, other_body = _detached_fields(other)
    which = draw(st.integers(0, 4))
    choices: dict[int, list[bytes]] = {
        0: [other_fields[0], b"", b"alias/none", b"acs:kms:cn-hangzhou:1:key/" + fields[0]],
        1: [b"AES_CBC", b"AES_ECB", b"SM4_GCM", b"aes_gcm", b"RSAES_OAEP_SHA_256", b"", b"X"],
        2: [b"PKCS7_PADDING", b"NO_PADDING", b"pkcs7", b"\xff"],
        3: [other_fields[3], b"", bytes(12), bytes(16), fields[3][:-1]],
        4: [other_body, body[:-1], body + b"\0", body[:16]],
    }
    new = draw(st.sampled_from(choices[which]))
    if which == 4:
        body = new
    else:
        fields[which] = new
    if draw(st.booleans()):  # a length byte that lies
        out = bytearray(b"UKD1")
        lie = draw(st.integers(0, 3))
        for i, f in enumerate(fields):
            out.append((len(f) + (draw(st.sampled_from([-1, 1])) if i == lie else 0)) % 256)
            out += f
        return bytes(out) + body
    return _pack_detached(fields, body)


def _pack_detached(fields: list[bytes], body: bytes) -> bytes:
    out = bytearray(b"UKD1")
    for f in fields:
        out.append(len(f))
        out += f
    return bytes(out) + body


def _mutate_tencent(draw: st.DrawFn, blob: bytes, other: bytes) -> bytes:
    """Three Base64 segments joined by ``-k-``: header (key id, version index, MAC), nonce, body."""
    parts = blob.split(b"-k-")
    other_parts = other.split(b"-k-")
    kind = draw(
        st.sampled_from(["swap-in", "drop", "add", "reorder", "separator", "header", "digit"])
    )
    note(f"tencent: {kind}")
    i = draw(st.integers(0, 2))
    if kind == "swap-in":
        parts[i] = other_parts[i]
    elif kind == "drop":
        del parts[i]
    elif kind == "add":
        parts.insert(i, draw(st.sampled_from(other_parts)))
    elif kind == "reorder":
        parts = draw(st.permutations(parts))
    elif kind == "separator":
        sep = draw(st.sampled_from([b"-k", b"-K-", b"k", b"-k--k-", b"", b"--k-"]))
        return sep.join(parts)
    elif kind == "header":  # the key id, the version index, the MAC inside segment one
        head = bytearray(base64.b64decode(parts[0]))
        j = draw(st.sampled_from([0, 35, 36, 39, 40, 63]))
        head[j] ^= 1 << draw(st.integers(0, 7))
        parts[0] = base64.b64encode(bytes(head))
    else:  # one Base64 digit changed to another digit (or to padding, or to a non-digit)
        seg = bytearray(parts[i])
        j = draw(st.integers(0, len(seg) - 1))
        seg[j] = draw(st.sampled_from(b"AQgw/+=_-. \n"))
        parts[i] = bytes(seg)
    return b"-k-".join(parts)


#: key ids an AWS blob may be relabelled with: well-formed but absent, upper-case, near misses
AWS_KEY_IDS = [
    b"00000000-0000-4000-8000-000000000000", b"mrk-" + b"0" * 32, b"mrk-" + b"F" * 32,
    b"alias/x" + b"-" * 29, b"arn:aws:kms:us-east-1:111122223333:k", b"\x00" * 36, b" " * 36,
]  # fmt: skip


def _mutate_aws(draw: st.DrawFn, blob: bytes, other: bytes) -> bytes:
    """The AWS fake's blob (``unikms/dialects/aws/fake.py``): ``format version (1) ||
    key id (36 ASCII) || key material index (uint32 BE) || nonce (12) || body || tag (16)``,
    the first 41 bytes bound as AAD."""
    field = draw(
        st.sampled_from(["version", "key-id", "index", "nonce", "tag", "body", "header", "resize"])
    )
    note(f"aws field: {field}")
    if field == "version":
        return bytes([draw(st.integers(0, 255))]) + blob[1:]
    if field == "key-id":
        key_id = blob[1:37]
        new = draw(
            st.sampled_from(
                [other[1:37], key_id.upper(), key_id[:-1] + b"g", _ascii36(draw), *AWS_KEY_IDS]
            )
        )
        return blob[:1] + new + blob[37:]
    if field == "index":
        index = int.from_bytes(blob[37:41], "big")
        new_index = draw(st.sampled_from([index - 1, index + 1, index + 2, 2**31, 2**32 - 1]))
        return blob[:37] + (new_index % 2**32).to_bytes(4, "big") + blob[41:]
    if field == "nonce":
        return blob[:41] + draw(st.sampled_from([other[41:53], bytes(12)])) + blob[53:]
    if field == "tag":
        return blob[:-16] + draw(st.sampled_from([other[-16:], bytes(16), b""]))
    if field == "body":  # our header and nonce, another blob's (or no) ciphertext
        return blob[:53] + draw(st.sampled_from([other[53:], other[-16:], blob[-16:], b""]))
    if field == "header":  # another blob's header over our nonce and body
        return other[:41] + blob[41:]
    # a field grown or shrunk by a byte, shifting everything after it
    at = draw(st.sampled_from([1, 37, 41, 53]))
    return blob[:at] + b"\x00" + blob[at:] if draw(st.booleans()) else blob[: at - 1] + blob[at:]


@attrs.frozen
class Layout:
    """What the mutations know about one ciphertext layout (``docs/ciphertext.md``)."""

    #: a change to one field: ``(draw, blob, another valid blob) -> mutant``
    mutate: Callable[[st.DrawFn, bytes, bytes], bytes]
    #: a native ``str`` blob is the blob's Base64 (Alibaba, AWS), not the blob itself (Tencent)
    text_is_base64: bool = True


LAYOUTS: dict[str, Layout] = {
    "classic": Layout(_mutate_classic),
    "advance": Layout(_mutate_advance),
    "detached": Layout(_mutate_detached),
    "tencent": Layout(_mutate_tencent, text_is_base64=False),
    "aws": Layout(_mutate_aws),
}


@st.composite
def structured_mutation(
    draw: st.DrawFn, layout: str, blob: bytes, others: tuple[bytes, ...]
) -> bytes:
    """A change that knows the layout: relabel a field, resize it, swap in another's."""
    return LAYOUTS[layout].mutate(draw, blob, draw(st.sampled_from(others)))


@st.composite
def text_mutation(draw: st.DrawFn, text: str) -> str:
    """A change to native blob text: any characters, lone surrogates, whitespace, cuts."""
    kind = draw(st.sampled_from(["insert", "replace", "cut", "random", "wrap"]))
    note(f"text mutation: {kind}")
    chars = st.characters(codec=None, exclude_categories=())  # surrogates included
    if kind == "insert":
        i = draw(st.integers(0, len(text)))
        return text[:i] + draw(st.text(chars, min_size=1, max_size=4)) + text[i:]
    if kind == "replace":
        i = draw(st.integers(0, len(text) - 1))
        return text[:i] + draw(chars) + text[i + 1 :]
    if kind == "cut":
        return text[: draw(st.integers(0, len(text) - 1))]
    if kind == "wrap":
        return draw(st.sampled_from([" ", "\n", "\t", "\ufeff", "\ud800"])) + text
    return draw(st.text(chars, max_size=120))


def mutant_of(draw: st.DrawFn, sealed: Sealed) -> bytes | str:
    blob = sealed.ciphertext
    raw = _as_bytes(blob)
    others = tuple(_as_bytes(o) for o in sealed.other_blobs)
    if isinstance(blob, str):
        if draw(st.booleans()):
            return draw(text_mutation(blob))
        if LAYOUTS[sealed.layout].text_is_base64:  # mutate the blob under it, then re-encode
            inner = base64.b64decode(blob)
            inner_others = tuple(base64.b64decode(o) for o in others)
            changed = draw(
                st.one_of(
                    byte_mutation(inner, inner_others),
                    structured_mutation(sealed.layout, inner, inner_others),
                )
            )
            return base64.b64encode(changed).decode()
    changed = draw(
        st.one_of(byte_mutation(raw, others), structured_mutation(sealed.layout, raw, others))
    )
    return changed.decode("latin-1") if isinstance(blob, str) else changed


# -- the oracle ---------------------------------------------------------------------------------


def _inner(blob: bytes | str) -> bytes | None:
    """The Alibaba blob itself: bytes as they are, a ``str`` Base64-decoded."""
    return _strict_b64(blob) if isinstance(blob, str) else blob


def known_bug_d(sealed: Sealed, mutant: bytes | str) -> bool:
    """Bug (d), found here and decided (docs/fuzzing.md): on the instance dialect, a
    classic blob and an AES_GCM Advance blob are the same bytes but for the 3-byte
    header, which nothing binds, and the vendor's transfer SDK strips and re-adds it. A
    stripped Advance blob of text opens as the classic blob it is (canonical Base64
    text comes back decoded, other text as itself); a classic blob behind the header
    opens to its Base64 text. Binary plaintext read as classic is refused.
    ``test_a_header_stripped_advance_blob`` and
    ``test_a_classic_blob_behind_the_advance_header`` pin the outcomes."""
    if sealed.client.dialect is not Dialect.ALIBABA_INSTANCE:
        return False
    raw, original = _inner(mutant), _inner(sealed.ciphertext)
    if raw is not None and original is not None and raw == original[3:]:
        try:  # binary plaintext read as classic is refused now: only text stays open
            sealed.plaintext.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return raw is not None and original is not None and raw == CLASSIC_GCM_HEADER + original


def check_decrypt(sealed: Sealed, mutant: bytes | str) -> str:
    """Apply the oracle to one mutant; returns what happened (for the statistics)."""
    try:
        result = sealed.open(mutant)
    except unikms.ServiceError as err:  # a 5xx-like answer from the fake is a bug
        raise AssertionError(f"decrypt of a mutant answered a service error: {err!r}") from err
    except unikms.KmsError as err:
        assert type(err) is not unikms.KmsError, f"an untyped KmsError: {err!r}"
        return f"refused: {type(err).__name__}"
    if known_bug_d(sealed, mutant):
        return "known open bug"
    # a graft can rebuild one of the other valid ciphertexts whole: it must open to its own
    known = {sealed.canon(c): p for c, p in sealed.valid()}
    form = sealed.canon(mutant)
    assert form is not None and form in known, (
        f"a mutated ciphertext decrypted as success: {mutant!r} -> {result.plaintext!r}"
    )
    assert result.plaintext == known[form], "a valid ciphertext opened to other bytes"
    return "opened: the original" if form == sealed.canon(sealed.ciphertext) else "opened: another"


TARGETS = sorted(sealed_targets())


def test_every_dialect_with_a_fake_is_fuzzed() -> None:
    """A dialect that joins the registry with a fake needs its ciphertexts here
    (``FAMILY_TARGETS``) and its layout's mutations (``LAYOUTS``)."""
    faked = {p.name for p in dialect_packages() if p.service is not None}
    fuzzed = {str(t.client.dialect) for t in sealed_targets().values()}
    assert faked <= fuzzed, sorted(faked - fuzzed)
    assert {t.layout for t in sealed_targets().values()} <= set(LAYOUTS)


@pytest.mark.parametrize("name", TARGETS)
def test_every_target_opens_unchanged(name: str) -> None:
    """The oracle is not vacuous: each original opens, and a one-bit flip does not."""
    sealed = sealed_targets()[name]
    assert check_decrypt(sealed, sealed.ciphertext) == "opened: the original"
    raw = _as_bytes(sealed.ciphertext)
    flipped = raw[:-1] + bytes([raw[-1] ^ 0x04])
    mutant = flipped.decode("latin-1") if isinstance(sealed.ciphertext, str) else flipped
    assert check_decrypt(sealed, mutant).startswith("refused")


@pytest.mark.parametrize("name", TARGETS)
@settings(FUZZ)
@given(data=st.data())
def test_a_mutated_ciphertext_never_opens(name: str, data: st.DataObject) -> None:
    sealed = sealed_targets()[name]
    mutant = mutant_of(data.draw, sealed)
    note(f"mutant: {mutant!r}")
    outcome = check_decrypt(sealed, mutant)
    event(outcome)


#: the targets bound to a context (the raw-aad one is bound to its aad bytes instead)
CONTEXT_TARGETS = [n for n in TARGETS if "aad" not in sealed_targets()[n].kwargs]


@pytest.mark.parametrize("name", CONTEXT_TARGETS)
@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))
@given(
    context=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["tenant", "zone", "Tenant", "tenant ", ""]),
            st.sampled_from(["42", "b", "4", "", "42\x00"]),
            max_size=3,
        ),
    )
)
def test_another_context_never_opens(name: str, context: dict[str, str] | None) -> None:
    sealed = sealed_targets()[name]
    want = sealed.kwargs.get("context")
    try:
        result = sealed.open(sealed.ciphertext, context=context)
    except unikms.KmsError as err:
        assert not isinstance(err, unikms.ServiceError)
        assert type(err) is not unikms.KmsError
        assert (context or None) != want
        return
    assert (context or None) == want and result.plaintext == sealed.plaintext


# -- the bugs the fuzzers hit: each fixed or decided one pinned, each open one a strict xfail ---


def _four_byte(kms: unikms.KmsClient) -> bytes:
    """An Advance GCM blob whose body relabelled CBC (16-byte IV) or ECB is whole blocks."""
    key = kms.create_key().key_id
    return kms.encrypt(key, SHORT).ciphertext


@pytest.mark.parametrize(
    ("byte1", "algorithm"),
    [
        pytest.param(PADDING_IDS["NO_PADDING"], "AES_CBC", id="gcm-as-cbc"),
        pytest.param(PADDING_IDS["NO_PADDING"], "AES_ECB", id="gcm-as-ecb"),
        pytest.param(PADDING_IDS["PKCS7_PADDING"], "AES_GCM", id="gcm-with-a-padding-nibble"),
    ],
)
def test_a_relabelled_advance_blob_is_refused(byte1: int, algorithm: str) -> None:
    kms = unikms.connect("fake://alibaba-instance")
    blob = _four_byte(kms)
    relabelled = blob[:1] + bytes([byte1, ALGORITHM_IDS[algorithm]]) + blob[3:]
    with pytest.raises(unikms.KmsError) as err:
        kms.decrypt(relabelled)
    assert not isinstance(err.value, unikms.ServiceError)


@pytest.mark.parametrize(
    ("plaintext", "opens_to"),
    [
        # binary plaintext cannot be a classic blob's (classic Encrypt takes a string): refused
        pytest.param(b"\xff\x00binary", None, id="binary"),
        # text that is not Base64, or a Base64 spelling b64encode never gives: no unikms
        # classic encrypt made it, so it is another client's text and opens as itself
        pytest.param(b"plain text", b"plain text", id="text"),
        pytest.param(b"QUJ=", b"QUJ=", id="non-canonical-base64"),
        # unikms's own lowering of b"ABC": the stripped bytes ARE the classic blob of b"ABC"
        pytest.param(b"QUJD", b"ABC", id="canonical-base64"),
    ],
)
def test_a_header_stripped_advance_blob(plaintext: bytes, opens_to: bytes | None) -> None:
    """Bug (d), decided: a header-stripped Advance blob is, byte for byte, a classic blob
    of the same string (the vendor's header is unauthenticated, and its transfer SDK
    strips and re-adds it). It opens to what the classic reading of that string gives,
    on both Alibaba dialects alike, or is refused when no classic blob holds it."""
    cloud = FakeCloud()
    instance = unikms.KmsClient(cloud.service(Dialect.ALIBABA_INSTANCE))
    classic = unikms.KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    key = instance.create_key().key_id
    stripped = instance.encrypt(key, plaintext).ciphertext[3:]
    if opens_to is None:
        with pytest.raises(unikms.DecryptionFailedError):
            instance.decrypt(stripped)
        return  # classic's Plaintext is a JSON string: the service hands it back replaced
    for client in (instance, classic):
        assert client.decrypt(stripped).plaintext == opens_to, client.dialect


@pytest.mark.parametrize("plaintext", [b"\xff\x00binary", b"ABC", b"QUJD"])
def test_a_classic_blob_behind_the_advance_header(plaintext: bytes) -> None:
    """Bug (d), decided: a classic blob behind the 3-byte header is, byte for byte, an
    Advance blob of the classic ``Plaintext`` string (the transfer SDK opens classic
    blobs exactly so), so it opens to that string's bytes: unikms's Base64 text."""
    cloud = FakeCloud()
    classic = unikms.KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    instance = unikms.KmsClient(cloud.service(Dialect.ALIBABA_INSTANCE))
    key = classic.create_key().key_id
    blob = classic.encrypt(key, plaintext).ciphertext
    assert instance.decrypt(blob).plaintext == plaintext  # as classic: the bytes
    headed = instance.decrypt(CLASSIC_GCM_HEADER + blob).plaintext
    assert headed == base64.b64encode(plaintext)  # as Advance: the string classic holds


@pytest.mark.parametrize(
    ("text", "opens_to"),
    [
        ("hello world", b"hello world"),  # not Base64: its UTF-8 bytes, as before
        ("QUJ=", b"QUJ="),  # Base64 that b64encode never spells: another client's text
        ("QR==", b"QR=="),
        ("QUI=", b"AB"),  # unikms's own lowering of b"AB": decoded
        ("QUJD", b"ABC"),
    ],
)
def test_another_clients_classic_text_opens_as_its_bytes(text: str, opens_to: bytes) -> None:
    """A classic blob of a string that unikms's Base64 lowering never produces was made by
    another client: here the transfer SDK's Advance mode, which seals the string's UTF-8
    with AdvanceEncrypt and strips the header (I10). ``decrypt`` hands back the string's
    bytes, on both Alibaba dialects, instead of decoding a non-canonical spelling."""
    cloud = FakeCloud()
    gateway = cloud.service(Dialect.ALIBABA_INSTANCE)
    key = unikms.KmsClient(gateway).create_key().key_id
    sealed = gateway.call("AdvanceEncrypt", {"KeyId": key, "Plaintext": text.encode()})
    blob = sealed["CiphertextBlob"][3:]
    for dialect in (Dialect.ALIBABA_CLASSIC, Dialect.ALIBABA_INSTANCE):
        client = unikms.KmsClient(cloud.service(dialect))
        assert client.decrypt(blob).plaintext == opens_to, dialect


def test_classic_plaintext_decoding_takes_exactly_the_canonical_base64_spellings() -> None:
    """decode_plaintext decodes a string only when it is the one spelling b64encode gives
    its bytes (its padding bits zero), and hands any other back as its own UTF-8: checked
    exhaustively over every 4-digit Base64 tail (with and without padding), as str and
    as bytes, against b64encode(b64decode(t)) == t (the check was rewritten for speed)."""
    from unikms.dialects.alibaba.classic import decode_plaintext

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    checked = 0
    for a in alphabet:
        for b in alphabet:
            for text in (f"QU{a}{b}", f"Q{a}{b}=", f"{a}{b}=="):
                data = base64.b64decode(text, validate=True)
                canonical = base64.b64encode(data).decode() == text
                for spelt in (text, text.encode()):
                    assert decode_plaintext(spelt) == (data if canonical else text.encode())
                checked += 1
    assert checked == 3 * 64 * 64
