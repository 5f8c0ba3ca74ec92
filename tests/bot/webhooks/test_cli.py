"""`treatybot webhooks …` on a real database, against a local receiver where a command sends;
config-file endpoints registered at start; the README's verification snippet run for real."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.app import open_app
from bot.cli import main
from bot.config import load_config
from bot.webhooks.manage import sync_config_endpoints
from bot.webhooks.signing import generate_secret
from store.db import Store
from tests.bot.delivery.events import consent
from tests.bot.helpers import write_config
from tests.bot.webhooks.support import T0, Clock, Harness, Wall, emit
from tests.bot.webhooks.support import config as channel_config
from tests.fakes.webhook_receiver import Reply, WebhookReceiver

ROOT = Path(__file__).resolve().parents[3]
LOOPBACK_OK = "[webhooks]\nallow_private_targets = true\nallow_http = true\n"


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.output


async def cli_in_thread(config: Path, *args: str) -> tuple[int, str]:
    """For commands that send: the receiver keeps serving on this loop meanwhile."""
    return await asyncio.to_thread(cli, config, *args)


def lines(output: str) -> list[dict[str, Any]]:
    """A listing's `--json` in the output: exactly one JSON array, on one line."""
    [line] = [line for line in output.splitlines() if line.startswith("[")]
    data = json.loads(line)
    assert isinstance(data, list), line[:200]
    return data


def one(output: str) -> dict[str, Any]:
    """A single thing's `--json` in the output: exactly one JSON object, on one line."""
    [line] = [line for line in output.splitlines() if line.startswith("{")]
    data = json.loads(line)
    assert isinstance(data, dict), line[:200]
    return data


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, "http://127.0.0.1:9", extra=LOOPBACK_OK)


def test_add_prints_the_secret_once_and_list_never_shows_it(config: Path) -> None:
    code, out = cli(config, "webhooks", "add", "http://127.0.0.1:8/hook", "--description", "ngo")
    assert code == 0, out
    secret = re.search(r"whsec_\S+", out)
    assert secret is not None
    code, listed = cli(config, "webhooks", "list")
    code_json, listed_json = cli(config, "webhooks", "list", "--json")

    assert (code, code_json) == (0, 0)
    assert secret.group() not in listed + listed_json
    [row] = lines(listed_json)
    assert row["secret"] == "whsec_…" + secret.group()[-4:]
    assert (row["url"], row["description"], row["enabled"]) == (
        "http://127.0.0.1:8/hook",
        "ngo",
        True,
    )
    assert (row["disabled_reason"], row["last_delivery"]) == (None, None)
    assert (row["types"], row["treaties"], row["countries"]) == ([], [], [])


def test_add_json_and_filters_by_any_country_name(config: Path) -> None:
    code, out = cli(
        config, "webhooks", "add", "http://127.0.0.1:8/hook", "--json",
        "--type", "treaty.consent", "--treaty", "XVIII-16", "--country", "Turkey",
    )  # fmt: skip
    assert code == 0, out
    created = one(out)
    assert created["id"].startswith("wh_")
    assert created["secret"].startswith("whsec_")
    assert (created["types"], created["treaties"], created["countries"]) == (
        ["treaty.consent"],
        ["XVIII-16"],
        ["TR"],
    )


def test_add_accepts_the_statement_types(config: Path) -> None:
    code, out = cli(
        config, "webhooks", "add", "http://127.0.0.1:8/hook", "--json",
        "--type", "treaty.objection", "--type", "treaty.declaration",
        "--type", "treaty.territorial_application",
    )  # fmt: skip
    assert code == 0, out
    assert sorted(one(out)["types"]) == [
        "treaty.declaration",
        "treaty.objection",
        "treaty.territorial_application",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "treaty.ratification"], "unknown event type 'treaty.ratification'"),
        (["--country", "Atlantis"], "no country or participant called 'Atlantis'"),
        (["--treaty", "not a treaty"], "not a treaty"),
    ],
)
def test_add_refuses_bad_filters(config: Path, args: list[str], message: str) -> None:
    code, out = cli(config, "webhooks", "add", "http://127.0.0.1:8/hook", *args)
    assert code == 2
    assert message in out


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
        ("http://0x7f000001/", "127.0.0.1 is a loopback address"),
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://017700000001/", "127.0.0.1 is a loopback address"),
        ("http://127.1/", "127.0.0.1 is a loopback address"),
        ("http://localhost:8080/", "localhost resolves to"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/", "a private address"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "'this network'"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "IPv6 wrapper of 127.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "IPv6 wrapper of 169.254.169.254"),
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_add_refuses_non_public_targets_with_a_clear_message(
    tmp_path: Path, url: str, reason: str
) -> None:
    strict = write_config(tmp_path, "http://127.0.0.1:9", extra="[webhooks]\nallow_http = true\n")
    code, out = cli(strict, "webhooks", "add", url)
    assert code == 2
    assert reason in out
    assert "allow_private_targets = true" in out
    assert cli(strict, "webhooks", "list", "--json") == (0, "[]\n")


def test_add_refuses_http_unless_allowed_and_never_echoes_credentials(tmp_path: Path) -> None:
    default = write_config(tmp_path, "http://127.0.0.1:9")
    code, out = cli(default, "webhooks", "add", "http://hooks.example.org/x")
    assert (code, "only https:// URLs are accepted" in out) == (2, True)
    code, out = cli(default, "webhooks", "add", "https://alice:hunter2@hooks.example.org/x")
    assert (code, "credentials in URLs are not accepted" in out) == (2, True)
    assert "hunter2" not in out


async def test_test_sends_a_signed_webhook_test_event_and_shows_the_answer(config: Path) -> None:
    async with WebhookReceiver(default=Reply(200, body=b"thanks")) as rx:
        _, out = cli(config, "webhooks", "add", rx.url("/hook"), "--json")
        created = one(out)
        rx.secrets = [created["secret"]]
        code, shown = await cli_in_thread(config, "webhooks", "test", created["id"])
        rx.default = Reply(500)
        failed_code, failed = await cli_in_thread(config, "webhooks", "test", created["id"])

    assert (code, shown.splitlines()[1]) == (0, "thanks")
    assert shown.startswith("HTTP 200 in ")
    assert (failed_code, failed.startswith("HTTP 500 in ")) == (1, True)
    first = rx.requests("/hook")[0]
    assert first.verified
    assert first.json()["type"] == "webhook.test"
    assert first.json()["data"]["endpoint"] == created["id"]


async def test_rotate_secret_prints_it_once_and_both_secrets_sign(config: Path) -> None:
    async with WebhookReceiver() as rx:
        _, out = cli(config, "webhooks", "add", rx.url("/hook"), "--json")
        created = one(out)
        code, out = cli(config, "webhooks", "rotate-secret", created["id"], "--json")
        rotated = one(out)
        rx.secrets = [created["secret"], rotated["secret"]]
        await cli_in_thread(config, "webhooks", "test", created["id"])

    assert code == 0
    assert set(rotated) == {"id", "secret", "previous_valid_until"}
    assert rotated["secret"] != created["secret"]
    [request] = rx.requests("/hook")
    assert request.verified_by == (created["secret"], rotated["secret"])
    assert rotated["secret"] not in cli(config, "webhooks", "list", "--json")[1]


def test_enable_disable_remove_and_unknown_ids(config: Path) -> None:
    _, out = cli(config, "webhooks", "add", "http://127.0.0.1:8/hook", "--json")
    created = one(out)
    ident = created["id"]

    assert cli(config, "webhooks", "disable", ident)[0] == 0
    [row] = lines(cli(config, "webhooks", "list", "--json")[1])
    assert (row["enabled"], "webhooks disable" in row["disabled_reason"]) == (False, True)
    assert cli(config, "webhooks", "replay", ident)[0] == 2  # disabled: enable it first
    assert cli(config, "webhooks", "enable", ident)[0] == 0
    [row] = lines(cli(config, "webhooks", "list", "--json")[1])
    assert (row["enabled"], row["disabled_reason"]) == (True, None)
    assert cli(config, "webhooks", "remove", ident)[0] == 0
    assert cli(config, "webhooks", "list", "--json") == (0, "[]\n")
    code, out = cli(config, "webhooks", "remove", ident)
    assert code == 1 and f"no webhook endpoint {ident}" in out
    assert cli(config, "webhooks", "test", "wh_nope")[0] == 1


# -- config-file endpoints and the service's start-up ----------------------------------------


async def test_config_endpoints_are_registered_at_start_and_disabled_when_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = generate_secret()
    monkeypatch.setenv("HOOK_SECRET", secret)
    endpoint = (
        '[[webhooks.endpoints]]\nurl = "http://127.0.0.1:8/cfg"\nsecret_env = "HOOK_SECRET"\n'
        'types = ["treaty.consent"]\ndescription = "from the file"\n'
    )
    path = write_config(tmp_path, "http://127.0.0.1:9", extra=LOOPBACK_OK + endpoint)
    caplog.set_level(logging.WARNING, "treatybot.webhooks")
    async with open_app(load_config(str(path))) as app:
        [ident] = await sync_config_endpoints(app)
        assert await sync_config_endpoints(app) == [ident]  # a restart changes nothing

    [row] = lines((await cli_in_thread(path, "webhooks", "list", "--json"))[1])
    assert (row["id"], row["source"], row["types"]) == (ident, "config", ["treaty.consent"])
    assert row["secret"] == "whsec_…" + secret[-4:]
    assert secret not in caplog.text
    assert "stored unencrypted" in caplog.text
    assert cli(path, "webhooks", "remove", ident)[0] == 2  # it belongs to the file

    path = write_config(tmp_path, "http://127.0.0.1:9", extra=LOOPBACK_OK)
    async with open_app(load_config(str(path))) as app:
        assert await sync_config_endpoints(app) == []
    [row] = lines(cli(path, "webhooks", "list", "--json")[1])
    assert (row["enabled"], row["disabled_reason"]) == (False, "no longer in config.toml")


# -- the README -------------------------------------------------------------------------------


def readme_snippet() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Webhooks") :]
    return section[
        section.index("```python\n") + 10 : section.index("\n```", section.index("```python"))
    ]


async def test_the_readme_verification_snippet_accepts_a_real_delivery(config: Path) -> None:
    async with WebhookReceiver() as rx:
        _, out = cli(config, "webhooks", "add", rx.url("/hook"), "--json")
        created = one(out)
        await cli_in_thread(config, "webhooks", "test", created["id"])
    [request] = rx.requests("/hook")
    namespace: dict[str, Any] = {}
    exec(readme_snippet().replace("whsec_…", created["secret"]), namespace)
    handle = namespace["handle"]

    assert handle(request.body, request.headers)["type"] == "webhook.test"
    assert handle(request.body, request.headers) is None  # a repeat of the same webhook-id
    forged = request.body.replace(b"reachable", b"hijacked!")
    assert handle(forged, {**request.headers, "webhook-id": "evt_other"}) is None


async def test_deliveries_show_every_attempt_and_replay_queues_them_again(
    config: Path, tmp_path: Path
) -> None:
    async with WebhookReceiver(default=Reply(200)) as rx:
        _, out = cli(config, "webhooks", "add", rx.url("/hook"), "--json")
        created = one(out)
        ident = created["id"]
        rx.secrets = [created["secret"]]
        rx.script("/hook", Reply(500))
        store = Store(tmp_path / "treatybot.db")
        event = consent()
        await emit(store, [event])
        harness = Harness(store, channel_config(retry_schedule=["5s"]), Clock(), Wall())
        await harness.round_at(T0)
        await harness.round_at(T0 + 6)

        code, out = await cli_in_thread(config, "webhooks", "deliveries", ident, "--json")
        [row] = lines(out)
        assert code == 0
        assert (row["event_id"], row["status"]) == (event.id, "sent")
        assert [(a["outcome"], a["status_code"]) for a in row["attempts_log"]] == [
            ("retry", 500),
            ("sent", 200),
        ]
        assert (
            lines(
                (
                    await cli_in_thread(
                        config, "webhooks", "deliveries", ident, "--failed", "--json"
                    )
                )[1]
            )
            == []
        )
        [listed] = lines(cli(config, "webhooks", "list", "--json")[1])
        assert (listed["last_delivery"]["outcome"], listed["last_delivery"]["status_code"]) == (
            "sent",
            200,
        )

        code, out = cli(config, "webhooks", "replay", ident, "--event", event.id)
        assert (code, out.strip()) == (0, f"queued 1 delivery(ies) to {ident} again")
        assert cli(config, "webhooks", "replay", ident, "--since", "2026-03-01")[0] == 0
        await harness.round_at(T0 + 7)
        await harness.close()
        store.close()

    assert [r.headers["webhook-id"] for r in rx.requests("/hook")] == [event.id] * 3
    assert all(r.verified for r in rx.requests("/hook"))
