"""Shared pieces of the command line: the group class that maps library errors to click errors
(once, here), options, arguments, app helpers, JSON output and progress bars."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar

import click

from bot.app import App, Clock, command_app, fetch_policy, open_app, utc_now
from bot.config import Config, load_config
from bot.errors import InvalidInput, TreatybotError
from scrapers.urls import validate_treaty_id
from store.db import DatabaseError

CONFIG_PATH_KEY = "treatybot.config_path"

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class TreatybotGroup(click.Group):
    """A click group whose commands' library errors become one-line click errors: bad input
    exits 2 (usage), every other `TreatybotError` — and a database that cannot be used — exits 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidInput as exc:
            raise click.UsageError(str(exc), ctx) from exc
        except (TreatybotError, DatabaseError) as exc:
            raise click.ClickException(str(exc)) from exc


def json_option(fn: F) -> F:
    """`--json` for a command that prints one thing: one JSON object on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(fn)


def listing_options(fn: F) -> F:
    """`--json` (one JSON array) and `--jsonl` (one object per line) for a listing command.

    The project's one JSON rule (README "JSON output"): `--json` always prints exactly one JSON
    document on stdout — an array for a listing, an object for one thing; `--jsonl` streams a
    listing as one object per line. Read both with `Listing.of`.
    """
    fn = click.option("--jsonl", "as_jsonl", is_flag=True, help="Print one JSON object per line.")(
        fn
    )
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")(fn)


@dataclasses.dataclass(frozen=True)
class Listing:
    """How a listing prints: as text, `--json` (one array) or `--jsonl` (a line per item)."""

    json: bool = False
    jsonl: bool = False

    @classmethod
    def of(cls, as_json: bool, as_jsonl: bool) -> Listing:
        if as_json and as_jsonl:
            raise click.UsageError("give --json or --jsonl, not both")
        return cls(as_json, as_jsonl)

    @property
    def machine(self) -> bool:
        """True when the output is JSON (human notes then go to stderr)."""
        return self.json or self.jsonl

    def emit(self, items: Iterable[Any]) -> None:
        """Print every item: one array (`--json`, `[]` when empty) or one line each."""
        if self.json:
            emit_json(list(items))
            return
        for item in items:
            emit_json(item)


def get_config(ctx: click.Context) -> Config:
    """The config, loaded on the first call (a ConfigError surfaces in the command using it)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Config):
        root.obj = load_config(root.meta.get(CONFIG_PATH_KEY))
    assert isinstance(root.obj, Config)
    return root.obj


def get_clock(ctx: click.Context) -> Clock:
    """The clock commands use (tests may put another in `ctx.meta`)."""
    clock = ctx.find_root().meta.get("treatybot.clock", utc_now)
    assert callable(clock)
    return clock  # type: ignore[no-any-return]  # meta is untyped; checked callable above


@contextlib.contextmanager
def store_app(ctx: click.Context, *, must_exist: bool = False) -> Iterator[App]:
    """The app for a synchronous command (store only), closed afterwards."""
    with command_app(get_config(ctx), clock=get_clock(ctx), must_exist=must_exist) as app:
        yield app


# How long one fetch of an interactive command may wait between retries, all waits together
# (the service has no cap: it may wait as long as the site asks).
CLI_MAX_WAIT_S = 30.0


def say_wait(label: str, seconds: float, reason: str) -> None:
    """The stderr line an interactive command prints before waiting to retry a fetch."""
    why = reason.split("; ", 1)[-1] if "asked to retry" in reason else reason.replace("; ", ", ")
    click.echo(f"waiting {seconds:.0f} s: {why} ({label})", err=True)


def run_with_app(
    ctx: click.Context, use_case: Callable[[App], Awaitable[T]], *, must_exist: bool = False
) -> T:
    """Run an async use case with a full app (store + fetcher) in a fresh event loop.

    Retry waits are bounded (`CLI_MAX_WAIT_S`) and announced on stderr."""
    config = get_config(ctx)
    policy = dataclasses.replace(
        fetch_policy(config.untc), max_wait_s=CLI_MAX_WAIT_S, on_wait=say_wait
    )

    async def main() -> T:
        async with open_app(
            config, clock=get_clock(ctx), must_exist=must_exist, policy=policy
        ) as app:
            return await use_case(app)

    return asyncio.run(main())


class ProgressBar:
    """A click progress bar on stderr, created when the job knows its length."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int, item: str) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
        self.bar.update(1, current_item=item)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def progress_bar_if_terminal(label: str, wanted: bool = True) -> ProgressBar | None:
    return ProgressBar(label) if wanted and sys.stderr.isatty() else None


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def treaty_id_arg(value: str) -> str:
    try:
        return validate_treaty_id(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


treaty_id_argument = click.argument("treaty_id", callback=lambda c, p, v: treaty_id_arg(v))


def treaty_ids_argument(*, required: bool) -> Callable[[F], F]:
    return click.argument(
        "treaty_ids",
        nargs=-1,
        required=required,
        callback=lambda c, p, v: list(dict.fromkeys(treaty_id_arg(x) for x in v)),
    )
