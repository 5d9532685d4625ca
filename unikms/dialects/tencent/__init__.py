"""Tencent Cloud KMS (API 2019-01-18)."""
