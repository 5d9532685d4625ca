"""AWS KMS (2014-11-01) as a unikms dialect package."""
