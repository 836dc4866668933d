import re
from pathlib import Path

import pytest

from core.settings import SETTINGS, Settings, SettingsError, settings_table

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


@pytest.mark.parametrize(
    "name, value",
    [("LOG_LEVEL", "LOUD"), ("LOG_FORMAT", "xml"), ("FLOWROUTE_BOT_STARTUP_BACKOFF", "5"),
     ("FLOWROUTE_BOT_STARTUP_BACKOFF", "60,1"), ("FLOWROUTE_BOT_STARTUP_BACKOFF", "0,1")],
)
def test_log_and_backoff_settings_are_validated_like_every_setting(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**BASE, name: value})


def test_log_and_backoff_settings_are_parsed():
    settings = Settings.from_env({**BASE, "LOG_LEVEL": "debug", "LOG_FORMAT": "JSON",
                                  "FLOWROUTE_BOT_STARTUP_BACKOFF": "0.5, 30"})
    assert (settings.log_level, settings.log_format, settings.startup_backoff) == ("DEBUG", "json", (0.5, 30.0))
    defaults = Settings.from_env(BASE)
    assert (defaults.log_level, defaults.log_format, defaults.startup_backoff) == ("INFO", "text", (1.0, 60.0))


ROOT = Path(__file__).resolve().parent.parent.parent


def test_readme_env_sample_and_help_list_the_same_settings():
    names = [doc.name for doc in SETTINGS]
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration"):readme.index("## Project structure")]
    rows = [re.match(r"\| `([A-Z_]+)`[^|]*\| ([^|]+) \|", line) for line in table.splitlines()
            if line.startswith("| `")]
    assert [row[1] for row in rows] == names
    assert [row[2].strip().strip("`") for row in rows] == [doc.default for doc in SETTINGS]
    sample = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.sample").read_text(), flags=re.MULTILINE)
    assert sample == names
    help_lines = settings_table().splitlines()
    assert [line.split()[0] for line in help_lines] == names


def test_digest_time_and_zone_are_read_and_checked():
    settings = Settings.from_env({**BASE, "FLOWROUTE_BOT_DIGEST_CHANNEL": "C0OPS", "FLOWROUTE_BOT_DIGEST_TIME": "7:30",
                                  "FLOWROUTE_BOT_TIMEZONE": "America/Chicago"})
    assert (settings.digest_channel, settings.digest_time, settings.timezone) == ("C0OPS", (7, 30), "America/Chicago")
    with pytest.raises(SettingsError, match="FLOWROUTE_BOT_DIGEST_TIME.*FLOWROUTE_BOT_TIMEZONE"):
        Settings.from_env({**BASE, "FLOWROUTE_BOT_DIGEST_TIME": "25:00", "FLOWROUTE_BOT_TIMEZONE": "Mars/Base"})

def test_a_short_callback_token_stops_start_up_without_showing_it():
    with pytest.raises(SettingsError, match="FLOWROUTE_BOT_CALLBACK_TOKEN must be at least 32") as error:
        Settings.from_env({**BASE, "FLOWROUTE_BOT_CALLBACK_TOKEN": "short-secret-value"})
    assert "short-secret-value" not in str(error.value)
    token = "t" * 32
    settings = Settings.from_env({**BASE, "FLOWROUTE_BOT_CALLBACK_TOKEN": token})
    assert settings.callback_token == token and token not in repr(settings)
