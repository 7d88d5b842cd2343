"""diancan (点餐): shared code of the restaurant ordering back end.

Layout (hexagonal): ``domain`` is pure (standard library and pydantic only), ``adapters`` talk to
DynamoDB, EventBridge, Secrets Manager and the outside services, ``services`` are the use cases the
handlers call, ``bootstrap`` is the one composition root that builds adapters once per container.
"""
