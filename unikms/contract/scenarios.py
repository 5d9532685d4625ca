"""The contract scenarios: short neutral-API programs, the same for every provider.

Each scenario works only with keys it creates and records every step's
outcome. Plaintexts are the public constants below, so a cassette holds no
secret data; data keys are scrubbed when recorded (``unikms.contract.cassettes``).
Scenarios that need time to pass (Alibaba's 7-day rotation interval, deletion
windows) say so and run only where the clock can be moved (fake, emulator).

>>> import unikms
>>> from unikms.contract import run_scenario
>>> steps = run_scenario("round_trip", unikms.connect("fake://tencent")).to_json()
>>> [s["step"] for s in steps][:3]
['create_key', 'encrypt', 'decrypt']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from unikms.client import KmsClient
from unikms.contract.plaintexts import PUBLIC_PLAINTEXTS
from unikms.contract.transcript import Transcript, VersionId
from unikms.dialects import dialect_package, rules_for
from unikms.dialects.base import Feature
from unikms.errors import DecryptionFailedError, KmsError
from unikms.types import Dialect, KeyState

__all__ = ["PUBLIC_PLAINTEXTS", "SCENARIOS", "Scenario", "ScenarioRun", "run_scenario"]

HELLO, CONTEXT, BEFORE, AFTER, STATES, TAMPER, LARGE = PUBLIC_PLAINTEXTS


@attrs.define
class ScenarioRun:
    """What a scenario works with: the client, the transcript, the clock."""

    kms: KmsClient
    transcript: Transcript
    advance_clock: Callable[[float], None] | None = None
    #: appended to alias names, so runs against a real account do not collide
    tag: str = ""
    #: key ids the scenario made (a recording against a real account deletes them after)
    created: list[str] = attrs.field(factory=list)

    @property
    def dialect(self) -> Dialect:
        return self.kms.dialect

    def alias(self, name: str) -> str:
        """``alias/<name>``, tagged for this run."""
        return f"alias/{name}-{self.tag}" if self.tag else f"alias/{name}"

    def untag(self, alias: str) -> str:
        return alias.replace(f"-{self.tag}", "") if self.tag else alias

    def step(self, label: str, call: Callable[[], Any]) -> Any:
        """Run one step; record its result or its :class:`KmsError`; return the result."""
        try:
            result = call()
        except KmsError as err:
            self.transcript.record(label, err)
            return None
        self.transcript.record(label, result)
        return result


@attrs.frozen
class Scenario:
    """A named scenario; ``requires`` is the dialect feature it needs (``None``: all
    dialects run it), so a new dialect runs what it declares it can."""

    name: str
    run: Callable[[ScenarioRun], None]
    needs_clock: bool = False
    requires: str | None = None

    def runs_on(self, dialect: Dialect | str) -> bool:
        """Whether ``dialect`` has what this scenario needs."""
        return self.requires is None or self.requires in rules_for(dialect).features


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, *, needs_clock: bool = False, requires: str | None = None
) -> Callable[[Callable[[ScenarioRun], None]], Callable[[ScenarioRun], None]]:
    def register(fn: Callable[[ScenarioRun], None]) -> Callable[[ScenarioRun], None]:
        SCENARIOS[name] = Scenario(name, fn, needs_clock, requires)
        return fn

    return register


def _key(run: ScenarioRun, alias: str | None = None, **kw: Any) -> str | None:
    info = run.step("create_key", lambda: run.kms.create_key(alias=alias, **kw))
    if info is None:
        return None
    run.created.append(str(info.key_id))
    return str(info.key_id)


@scenario("round_trip")
def round_trip(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    sealed = run.step("encrypt", lambda: kms.encrypt(key, HELLO))
    if sealed is not None:
        run.step("decrypt", lambda: kms.decrypt(sealed.ciphertext))
    run.step("encrypt_at_4096_bytes", lambda: kms.encrypt(key, LARGE))


@scenario("encryption_context")
def encryption_context(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    ctx = {"tenant": "42", "purpose": "contract"}
    sealed = run.step("encrypt_with_context", lambda: kms.encrypt(key, CONTEXT, context=ctx))
    if sealed is None:
        return
    ct = sealed.ciphertext
    run.step("decrypt_same_context", lambda: kms.decrypt(ct, context=dict(reversed(ctx.items()))))
    run.step("decrypt_wrong_context", lambda: kms.decrypt(ct, context={"tenant": "43"}))
    run.step("decrypt_without_context", lambda: kms.decrypt(ct))


@scenario("data_key")
def data_key(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    dk = run.step("generate_data_key", lambda: kms.generate_data_key(key, context={"f": "1"}))
    if dk is not None:
        ct = dk.ciphertext
        opened = run.step("decrypt_data_key", lambda: kms.decrypt(ct, context={"f": "1"}))
        same = opened is not None and opened.plaintext == dk.plaintext
        run.transcript.record("data_key_matches", same)
    run.step("generate_16_bytes", lambda: kms.generate_data_key(key, number_of_bytes=16))


@scenario("aliases")
def aliases(run: ScenarioRun) -> None:
    kms = run.kms
    orders, nothing = run.alias("contract-orders"), run.alias("contract-nothing")
    key = _key(run, alias=orders)
    if key is None:
        return
    run.step("encrypt_by_alias", lambda: kms.encrypt(orders, HELLO))
    run.step("describe_by_alias", lambda: kms.describe_key(orders))
    run.step("encrypt_unknown_alias", lambda: kms.encrypt(nothing, HELLO))
    run.step(
        "list_aliases",  # only this run's: a real account has others
        lambda: sorted(run.untag(a) for a in kms.list_aliases() if a in (orders, nothing)),
    )


@scenario("unknown_key")
def unknown_key(run: ScenarioRun) -> None:
    contract = dialect_package(run.dialect).contract
    missing = contract.absent_key_id if contract else "unikms-contract-absent-key"
    run.step("encrypt_unknown_key", lambda: run.kms.encrypt(missing, HELLO))
    run.step("describe_unknown_key", lambda: run.kms.describe_key(missing))


@scenario("key_states")
def key_states(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    sealed = run.step("encrypt", lambda: kms.encrypt(key, STATES))
    run.step("disable", lambda: kms.disable_key(key))
    run.step("describe_disabled", lambda: kms.describe_key(key))
    run.step("encrypt_disabled", lambda: kms.encrypt(key, STATES))
    if sealed is not None:
        run.step("decrypt_disabled", lambda: kms.decrypt(sealed.ciphertext))
    run.step("schedule_deletion", lambda: kms.schedule_key_deletion(key, 7))
    run.step("describe_pending_deletion", lambda: kms.describe_key(key))
    run.step("encrypt_pending_deletion", lambda: kms.encrypt(key, STATES))
    run.step("enable_pending_deletion", lambda: kms.enable_key(key))
    run.step("cancel_deletion", lambda: kms.cancel_key_deletion(key))
    run.step("describe_after_cancel", lambda: kms.describe_key(key))
    run.step("enable", lambda: kms.enable_key(key))
    if sealed is not None:
        run.step("decrypt_enabled", lambda: kms.decrypt(sealed.ciphertext))


@scenario("pending_import")
def pending_import(run: ScenarioRun) -> None:
    key = _key(run, external=True)
    if key is not None:
        run.step("encrypt_pending_import", lambda: run.kms.encrypt(key, HELLO))


@scenario("tampered_ciphertext")
def tampered_ciphertext(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    sealed = run.step("encrypt", lambda: kms.encrypt(key, TAMPER))
    if sealed is None:
        return
    ct = sealed.ciphertext
    # which code a damaged blob meets depends on its random bytes (a key id that no longer
    # names a key, or a blob that no longer parses), so the transcript keeps only that
    # decryption failed, with a typed error
    for label, bad in (
        ("decrypt_first_byte_flipped", bytes([ct[0] ^ 1]) + ct[1:]),
        ("decrypt_second_byte_dropped", ct[:1] + ct[2:]),
        ("decrypt_last_byte_changed", ct[:-1] + bytes([ct[-1] ^ 1])),
    ):
        try:
            kms.decrypt(bad)
        except DecryptionFailedError:
            run.transcript.record(label, {"decryption_failed": True})
        except KmsError as err:
            run.transcript.record(label, err)
        else:
            run.transcript.record(label, {"decryption_failed": False})


def _rotating(kms: KmsClient, key: str) -> Callable[[], Any]:
    def rotate() -> VersionId | None:
        version = kms.rotate_key(key)
        return None if version is None else VersionId(version)

    return rotate


def _decrypting(kms: KmsClient, ciphertext: bytes) -> Callable[[], Any]:
    return lambda: kms.decrypt(ciphertext)


@scenario("rotation", needs_clock=True)
def rotation(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    if rules_for(kms.dialect).rotation_needs_policy:
        # Tencent rotates on demand only a key whose rotation is enabled (RotateNotSupported)
        run.step(
            "enable_rotation_policy",
            lambda: kms.set_rotation_policy(key, enabled=True, period_days=365),
        )
    before = run.step("encrypt_before", lambda: kms.encrypt(key, BEFORE))
    run.step("rotate_too_soon_or_first", _rotating(kms, key))
    if run.advance_clock is not None:
        run.advance_clock(8)
    run.step("rotate", _rotating(kms, key))
    run.step("encrypt_after", lambda: kms.encrypt(key, AFTER))
    if before is not None:
        run.step("decrypt_before", lambda: kms.decrypt(before.ciphertext))
    run.step("describe", lambda: kms.describe_key(key))


@scenario("archive", requires=Feature.ARCHIVE)
def archive(run: ScenarioRun) -> None:
    kms = run.kms
    key = _key(run)
    if key is None:
        return
    sealed = run.step("encrypt", lambda: kms.encrypt(key, HELLO))
    run.step("archive", lambda: kms.archive_key(key))
    run.step("describe_archived", lambda: kms.describe_key(key))
    run.step("encrypt_archived", lambda: kms.encrypt(key, HELLO))
    if sealed is not None:
        run.step("decrypt_archived", lambda: kms.decrypt(sealed.ciphertext))
    run.step("cancel_archive", lambda: kms.cancel_key_archive(key))
    run.step("describe_after_cancel", lambda: kms.describe_key(key).state is KeyState.ENABLED)


def run_scenario(
    name: str,
    kms: KmsClient,
    *,
    advance_clock: Callable[[float], None] | None = None,
    tag: str = "",
    created: list[str] | None = None,
) -> Transcript:
    """Run scenario ``name`` with ``kms``; returns its transcript.

    ``tag`` makes alias names unique (for real accounts); the ids of the keys
    made are appended to ``created`` when given.
    """
    chosen = SCENARIOS[name]
    transcript = Transcript(kms.dialect, tag=tag)
    run = ScenarioRun(kms, transcript, advance_clock, tag)
    chosen.run(run)
    if created is not None:
        created.extend(run.created)
    return transcript
