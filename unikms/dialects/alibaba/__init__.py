"""Alibaba Cloud KMS: the classic OpenAPI (2016-01-20) and the KMS instance gateway."""
