"""The dkms-gcs-0.2 wire format; see :mod:`unikms.dialects.alibaba.dkms.wire`."""
