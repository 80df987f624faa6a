import pytest
from pydantic import ValidationError

from byline.settings import load_settings


def test_settings_read_typed_values_from_the_environment():
    settings = load_settings(
        {
            "TABLE_NAME": "byline-dev",
            "STAGE": "dev",
            "CORS_ALLOW_ORIGINS": "https://a.example, https://b.example",
            "MAX_BODY_BYTES": "2048",
        }
    )
    assert settings.table_name == "byline-dev"
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example")
    assert settings.max_body_bytes == 2048


def test_a_missing_table_name_fails_at_cold_start():
    with pytest.raises(ValidationError):
        load_settings({})


def test_a_malformed_limit_fails_at_cold_start():
    with pytest.raises(ValidationError):
        load_settings({"TABLE_NAME": "byline-dev", "MAX_BODY_BYTES": "lots"})
