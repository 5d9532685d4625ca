"""Which ``pip install 'unikms[EXTRA]'`` a missing module calls for, said in one line.

>>> try:
...     import no_such_module  # noqa: F401
... except ImportError as err:
...     print(missing_extra(err, "it", "contract"))
it needs unikms[contract]: pip install 'unikms[contract]' (missing module no_such_module)
"""

from __future__ import annotations

__all__ = ["EXTRA_OF_MODULE", "missing_extra"]

#: the extra (``pyproject.toml``) that brings each optional top-level module
EXTRA_OF_MODULE = {
    "vcr": "contract",
    "yaml": "contract",
    "uvicorn": "emulator",
    "httptools": "emulator",
    "uvloop": "emulator",
    "google": "emulator",  # protobuf
    "alibabacloud_kms20160120": "alibaba",
    "alibabacloud_credentials": "alibaba",
    "requests": "alibaba-instance",
    "tencentcloud": "tencent",
}


def missing_extra(err: ImportError, needed_by: str, extra: str) -> str:
    """``"<needed_by> needs unikms[<extra>]: pip install ... (missing module <name>)"``.

    The extra is the one that brings the missing module when it is known,
    else ``extra``.
    """
    name = err.name or str(err)
    extra = EXTRA_OF_MODULE.get(name.partition(".")[0], extra)
    return (
        f"{needed_by} needs unikms[{extra}]: pip install 'unikms[{extra}]' (missing module {name})"
    )
