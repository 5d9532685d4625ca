"""unikms adapters: the neutral API over the real Alibaba and Tencent KMS.

Each adapter is a :class:`unikms.driver.Driver` over the official SDK of its dialect
(the instance gateway's SDK cannot live in a modern environment, so that adapter
speaks the gateway's protocol itself). They register URL schemes with
:func:`unikms.connect` through the ``unikms.schemes`` entry points, and bring
their SDKs in only through extras::

    pip install 'unikms[alibaba]'            # alibaba-kms://<region>
    pip install 'unikms[alibaba-instance]'   # alibaba-kms-instance://<instance endpoint>
    pip install 'unikms[tencent]'            # tencent-kms://<region>

``import unikms`` never imports an SDK; an adapter whose SDK is missing says
what to install.
"""

__all__: list[str] = []
