"""Reading configuration from the environment."""

import pytest

from memberbooks.config.env import database_from_url, env_bool, env_str


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:///var/books.sqlite3", "var/books.sqlite3"),
        ("sqlite:////srv/books.sqlite3", "/srv/books.sqlite3"),
    ],
)
def test_sqlite_urls_relative_and_absolute(url: str, name: str) -> None:
    assert database_from_url(url) == {"ENGINE": "django.db.backends.sqlite3", "NAME": name}


def test_postgresql_url() -> None:
    db = database_from_url(
        "postgresql://books:s%40cret@db.internal:5433/memberbooks?sslmode=require"
    )
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "memberbooks",
        "books",
        "s@cret",
        "db.internal",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="mysql"):
        database_from_url("mysql://x@y/z")


def test_env_bool_refuses_what_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MB_FLAG", "maybe")
    with pytest.raises(ValueError, match="MB_FLAG"):
        env_bool("MB_FLAG")
    monkeypatch.setenv("MB_FLAG", "Yes")
    assert env_bool("MB_FLAG") is True


def test_env_str_takes_a_blank_line_of_env_example_as_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEMBERBOOKS_QBO_BATCH_PER_MINUTE", "")
    assert env_str("MEMBERBOOKS_QBO_BATCH_PER_MINUTE", "40") == "40"
    monkeypatch.setenv("MEMBERBOOKS_QBO_BATCH_PER_MINUTE", "120")
    assert env_str("MEMBERBOOKS_QBO_BATCH_PER_MINUTE", "40") == "120"
