"""``unikms record``: record contract scenarios as cassettes.

    unikms record                           # all scenarios, all three adapters, a fresh emulator
    unikms record --url tencent-kms://ap-guangzhou --out cassettes/real   # a real account

Against a real account, scenarios that need time to pass are left out, and
every scenario creates keys of its own: use a throwaway account or project.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any

from unikms.extras import missing_extra

__all__ = ["add_commands"]

DEFAULT_OUT = "cassettes/emulator"


def add_commands(sub: Any, *, formatter_class: type[argparse.HelpFormatter] | None = None) -> None:
    """Add ``record`` to the ``unikms`` parser."""
    p = sub.add_parser(
        "record",
        help="record contract scenarios as vcrpy cassettes (needs unikms[contract])",
        formatter_class=formatter_class or argparse.HelpFormatter,
    )
    p.add_argument(
        "--url",
        action="append",
        default=[],
        help="a KMS URL to record against (repeatable); default: a fresh "
        "emulator, through all three adapters",
    )
    p.add_argument("--out", default=DEFAULT_OUT, help="cassette directory")
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        help="only this scenario (repeatable; default: all)",
    )
    p.set_defaults(standalone=_record)


def _record(args: argparse.Namespace) -> int:
    from unikms.contract.scenarios import SCENARIOS

    unknown = [s for s in args.scenario if s not in SCENARIOS]
    if unknown:
        print(f"unikms: unknown scenario(s) {unknown}; known: {sorted(SCENARIOS)}", file=sys.stderr)
        return 2
    try:
        from unikms.contract.cassettes import record_scenarios

        if not args.url:
            from unikms.emulator import Emulator  # noqa: F401 - only to fail early
    except ImportError as err:
        print(f"unikms: {missing_extra(err, 'recording', 'contract')}", file=sys.stderr)
        return 2
    import unikms

    try:
        return _record_with(args, record_scenarios)
    except ImportError as err:  # an adapter's SDK, met on the first call
        print(f"unikms: {missing_extra(err, 'recording', 'contract')}", file=sys.stderr)
        return 2
    except (unikms.KmsError, OSError) as err:
        print(f"unikms: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


def _record_with(args: argparse.Namespace, record_scenarios: Any) -> int:
    import unikms

    chosen = args.scenario or None
    out = Path(args.out)
    if args.url:
        for url in args.url:
            dialect = unikms.connect(url).dialect
            written = record_scenarios(
                functools.partial(unikms.connect, url),
                out / dialect.value,
                target=url.split("?")[0],
                scenarios=chosen,
            )
            print(f"{dialect.value}: {len(written)} cassette(s) in {out / dialect.value}")
        return 0
    from unikms.contract.targets import admin_post, emulator_urls
    from unikms.emulator import Emulator

    with Emulator() as emu:
        assert emu.client_key is not None
        urls = emulator_urls(emu.endpoint, str(emu.client_key.path), emu.client_key.password)
        for dialect, url in urls.items():
            written = record_scenarios(
                functools.partial(unikms.connect, url),
                out / dialect.value,
                target=f"unikms serve {unikms.__version__} (emulator) via {url.split('?')[0]}",
                scenarios=chosen,
                advance_clock=lambda days: admin_post(
                    emu.endpoint, "/_unikms/clock", {"advance_days": days}
                ),
                reset=lambda: admin_post(emu.endpoint, "/_unikms/reset"),
            )
            print(f"{dialect.value}: {len(written)} cassette(s) in {out / dialect.value}")
    return 0
