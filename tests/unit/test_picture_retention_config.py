"""The review-picture bucket keeps no file longer than the stage's review-picture retention: its lifecycle
expiry is that stage parameter, the same one privacy_retention reads (DIANCAN_RETAIN_REVIEW_PICTURE_DAYS)."""

from __future__ import annotations

import pytest

from local.slsconfig import ServerlessConfig, load_yaml

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("stage", ["local", "dev", "prod", "prod-cn"])
def test_the_picture_buckets_expiry_is_the_retention_the_job_applies(stage):
    config = ServerlessConfig(stage=stage)
    storage = config.resolve(load_yaml(config.root / "infra" / "storage.yml"))
    rules = storage["Resources"]["ReviewPictureBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiry = next(rule["ExpirationInDays"] for rule in rules if rule.get("Prefix") == "reviews/")
    retention = config.resolve(config.raw["provider"]["environment"]["DIANCAN_RETAIN_REVIEW_PICTURE_DAYS"])
    assert int(expiry) == int(retention) == config.params["retainReviewPictureDays"]
