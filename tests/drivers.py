"""The drivers the conformance suite runs against.

Every entry builds a :class:`Harness`: a neutral client plus the few hooks a
test needs that no KMS API offers (moving the clock to reach rotation and
deletion windows). Adapters join this table when they exist.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

import unikms
from unikms.fake import FakeCloud
from unikms.types import Dialect


@attrs.define
class Harness:
    name: str
    dialect: Dialect
    client: unikms.KmsClient
    advance_clock: Callable[[float], None]
    cloud: FakeCloud | None = None


def fake(dialect: Dialect) -> Callable[[], Harness]:
    def build() -> Harness:
        cloud = FakeCloud()
        client = unikms.KmsClient(cloud.service(dialect))
        return Harness(
            name=f"fake-{dialect.value}",
            dialect=dialect,
            client=client,
            advance_clock=lambda days: cloud.clock.advance(days=days),
            cloud=cloud,
        )

    return build


DRIVERS: dict[str, Callable[[], Harness]] = {f"fake-{d.value}": fake(d) for d in Dialect}
