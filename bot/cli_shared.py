"""Shared pieces of the command line: options, arguments, JSON output, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from bot.config import Config
from scrapers.urls import validate_treaty_id

F = TypeVar("F", bound=Callable[..., Any])


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(fn)


def get_config(ctx: click.Context) -> Config:
    config = ctx.obj
    assert isinstance(config, Config)
    return config


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
        callback=lambda c, p, v: [treaty_id_arg(x) for x in v],
    )
