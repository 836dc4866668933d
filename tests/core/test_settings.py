import pytest

from core.settings import Settings, SettingsError

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "shh",
    "FLOWROUTE_ACCESS_KEY": "ak",
    "FLOWROUTE_SECRET_KEY": "sk",
}


def test_defaults_from_minimal_environment():
    settings = Settings.from_env(BASE)
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.flowroute_api_url == "https://api.flowroute.com"
    assert settings.db_path == "flowroute-bot.db"
    assert settings.poll_seconds == 30
    assert settings.admins == frozenset()
    assert not settings.socket_mode


def test_every_missing_variable_is_named_in_one_error():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({})
    text = str(info.value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "FLOWROUTE_ACCESS_KEY", "FLOWROUTE_SECRET_KEY"):
        assert name in text
    assert "\n" not in text


def test_seed_names_for_flowroute_keys_are_accepted():
    env = {k: v for k, v in BASE.items() if not k.startswith("FLOWROUTE")}
    settings = Settings.from_env({**env, "FR_ACCESS_KEY": "a", "FR_SECRET_KEY": "b"})
    assert (settings.flowroute_access_key, settings.flowroute_secret_key) == ("a", "b")


@pytest.mark.parametrize(
    "name, value",
    [("PORT", "abc"), ("PORT", "70000"), ("FLOWROUTE_BOT_POLL_SECONDS", "0"), ("SLACK_API_URL", "ftp://x"),
     ("FLOWROUTE_BOT_ADMINS", "U1,not an id"), ("FLOWROUTE_BOT_AUDIT_CHANNEL", "#audit")],
)
def test_malformed_values_are_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**BASE, name: value})


def test_socket_mode_does_not_need_a_signing_secret():
    env = {k: v for k, v in BASE.items() if k != "SLACK_SIGNING_SECRET"}
    settings = Settings.from_env({**env, "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.socket_mode


def test_secrets_are_not_in_repr_and_admins_are_parsed():
    settings = Settings.from_env({**BASE, "FLOWROUTE_BOT_ADMINS": "U0ADMIN, U0OTHER"})
    assert settings.admins == {"U0ADMIN", "U0OTHER"}
    assert settings.is_admin("U0ADMIN") and not settings.is_admin("U0BOB")
    for secret in ("xoxb-1", "shh", "ak", "sk"):
        assert f"'{secret}'" not in repr(settings)
