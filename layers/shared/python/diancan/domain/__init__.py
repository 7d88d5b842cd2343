"""The pure domain of diancan: no boto3, no environment, no I/O."""
