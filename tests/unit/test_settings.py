"""The settings have no default for what a deployment must set: a missing variable stops the container at
start-up with a message naming it, and serverless.yml gives every one to every function (the packaged
templates of every stage are checked in tests/deploy/test_stages.py)."""

from __future__ import annotations

import pytest

from diancan.settings import REQUIRED_VARIABLES, Settings, SettingsError, read_settings
from local.functions import load_functions

pytestmark = pytest.mark.unit

# Lambda's runtime sets AWS_REGION in every container (a reserved name serverless.yml may not set).
RUNTIME_PROVIDED = {"AWS_REGION"}
COMPLETE = {name: f"value-of-{name.lower()}" for name in REQUIRED_VARIABLES}


def test_what_a_deployment_must_set_has_no_default():
    assert set(REQUIRED_VARIABLES) == {
        "AWS_REGION", "DIANCAN_TABLE", "DIANCAN_BUS", "DIANCAN_REPORTS_BUCKET", "DIANCAN_ANCHOR_BUCKET", "DIANCAN_PICTURES_BUCKET", "DIANCAN_ALERT_TOPIC_ARN",
        "DIANCAN_SECRET_PREFIX", "DIANCAN_PUBLIC_BASE_URL", "WECHAT_API_BASE", "WECHATPAY_API_BASE",
        "FEIEYUN_API_BASE", "DADA_API_BASE"}


@pytest.mark.parametrize("name", REQUIRED_VARIABLES)
def test_a_missing_variable_is_refused_by_name(name):
    environ = {key: value for key, value in COMPLETE.items() if key != name}
    with pytest.raises(SettingsError, match=f"missing environment variable\\(s\\): {name} "):
        read_settings(environ)


def test_every_missing_variable_is_named_at_once():
    with pytest.raises(SettingsError) as refused:
        read_settings({"DIANCAN_TABLE": "t", "PATH": "/bin"})
    assert all(name in str(refused.value) for name in set(REQUIRED_VARIABLES) - {"DIANCAN_TABLE"})
    assert "DIANCAN_TABLE" not in str(refused.value)


def test_an_empty_resource_name_is_refused_too():
    with pytest.raises(SettingsError, match="bad environment variable\\(s\\): DIANCAN_TABLE"):
        read_settings({**COMPLETE, "DIANCAN_TABLE": ""})


def test_a_complete_environment_reads_and_keeps_the_tuning_defaults():
    settings = read_settings({**COMPLETE, "UNRELATED": "x"})
    assert settings.table_name == "value-of-diancan_table"
    assert settings.wechatpay_api_base == "value-of-wechatpay_api_base"
    assert settings.aws_max_attempts == Settings.model_fields["aws_max_attempts"].default
    assert settings.business_tz == "Asia/Shanghai"


@pytest.mark.parametrize("name", sorted(load_functions()))
def test_serverless_yml_gives_every_function_every_required_variable(name):
    environment = load_functions()[name].environment  # provider.environment merged with the function's own
    missing = sorted(v for v in set(REQUIRED_VARIABLES) - RUNTIME_PROVIDED if environment.get(v) in (None, ""))
    assert missing == [], f"serverless.yml sets no {missing} for {name}: its container would refuse to start"


def test_forgetting_the_built_components_needs_no_environment(monkeypatch):
    """A local stack that stops restores a bare environment, then forgets what it built: that must not fail."""
    from diancan import bootstrap
    from diancan.adapters import records  # noqa: F401  (imported while the stack's environment was there)
    from diancan.settings import REQUIRED_VARIABLES

    for name in REQUIRED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    bootstrap.reset()
    monkeypatch.undo()
    bootstrap.reset()
