"""Adapters: DynamoDB, EventBridge, Secrets Manager and the outside services, one file each."""
