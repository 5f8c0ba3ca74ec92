"""Use cases over webhook endpoints, for the CLI (`treatybot webhooks …`) and the service.

Owns: validating what a person gives (URL through the SSRF check, event types, treaty ids,
countries), creating secrets and sealing them, the JSON shapes `webhooks list` and `add` print,
rotation, replay, `test`, and registering the `[[webhooks.endpoints]]` of the config at start-up.

Must not: print (the CLI formats), or return a secret except where it is created (`add`,
`rotate_secret`): everything else shows `mask`ed secrets at most.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from bot.app import App
from bot.config import WebhooksConfig
from bot.errors import InvalidInput, NotFound
from bot.webhooks.channel import PingResult, WebhookChannel
from bot.webhooks.secrets import SecretBox, SecretBoxError, mask
from bot.webhooks.signing import generate_secret
from bot.webhooks.ssrf import UnsafeTarget, check_url, redact
from scrapers.urls import validate_treaty_id
from store import webhooks as endpoints
from store.events import EVENT_TYPES
from store.snapshots import now_text
from store.targets import country_value

log = logging.getLogger("treatybot.webhooks")


def box(config: WebhooksConfig) -> SecretBox:
    key = config.secret_key.get_secret_value() if config.secret_key is not None else None
    return SecretBox(key)


def _now(app: App) -> float:
    return app.clock().timestamp()


def parse_filters(
    types: Sequence[str], treaties: Sequence[str], countries: Sequence[str]
) -> endpoints.Filters:
    """Filters from what a person typed; InvalidInput says what would work."""
    from bot.operations import find_country

    for name in types:
        if name not in EVENT_TYPES:
            raise InvalidInput(
                f"unknown event type {name!r}; expected one of: {', '.join(EVENT_TYPES)}"
            )
    ids = []
    for treaty in treaties:
        try:
            ids.append(validate_treaty_id(treaty))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
    return endpoints.Filters(
        types=tuple(dict.fromkeys(types)),
        treaties=tuple(dict.fromkeys(ids)),
        countries=tuple(dict.fromkeys(country_value(find_country(c)) for c in countries)),
    )


def checked_url(config: WebhooksConfig, url: str) -> str:
    """The URL normalised, or InvalidInput (SSRF policy, https, no credentials)."""
    try:
        return check_url(
            url, allow_http=config.allow_http, allow_private=config.allow_private_targets
        )
    except UnsafeTarget as exc:
        raise InvalidInput(str(exc)) from exc


def add(
    app: App,
    url: str,
    *,
    types: Sequence[str] = (),
    treaties: Sequence[str] = (),
    countries: Sequence[str] = (),
    description: str = "",
) -> dict[str, Any]:
    """Register an endpoint; the result holds its new secret (the only time it is shown)."""
    config = app.config.webhooks
    normalised = checked_url(config, url)
    filters = parse_filters(types, treaties, countries)
    endpoint_id = endpoints.new_endpoint_id()
    secret = generate_secret()
    app.store.call(
        endpoints.add,
        endpoint_id,
        normalised,
        box(config).seal(secret),
        filters=filters,
        description=description,
        now=_now(app),
    )
    return {**describe(_get(app, endpoint_id)), "secret": secret}


def _get(app: App, endpoint_id: str) -> endpoints.Endpoint:
    found = app.store.call(endpoints.get, endpoint_id)
    if found is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}; see `treatybot webhooks list`")
    return found


def describe(endpoint: endpoints.Endpoint, secret_hint: str | None = None) -> dict[str, Any]:
    """The JSON object of `webhooks list` (never the secret; `secret_hint` is masked)."""
    data: dict[str, Any] = {
        "id": endpoint.id,
        "url": redact(endpoint.url),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "source": endpoint.source,
        "types": list(endpoint.filters.types),
        "treaties": list(endpoint.filters.treaties),
        "countries": list(endpoint.filters.countries),
        "created_at": endpoint.created_at,
        "last_delivery": endpoint.last_delivery,
    }
    if secret_hint is not None:
        data["secret"] = secret_hint
    return data


def list_endpoints(app: App) -> list[dict[str, Any]]:
    secrets = box(app.config.webhooks)
    out = []
    for endpoint in app.store.call(endpoints.list_all):
        stored = app.store.call(endpoints.stored_secret, endpoint.id)
        try:
            hint = mask(secrets.open(stored)) if stored else "***"
        except SecretBoxError:
            hint = "*** (sealed; no usable secrets key)"
        out.append(describe(endpoint, hint))
    return out


def remove(app: App, endpoint_id: str) -> None:
    if app.store.call(endpoints.source_of, endpoint_id) == "config":
        raise InvalidInput(f"{endpoint_id} comes from config.toml; remove it there")
    if not app.store.call(endpoints.remove, endpoint_id):
        _get(app, endpoint_id)


def set_enabled(app: App, endpoint_id: str, enabled: bool) -> None:
    reason = "" if enabled else "disabled by an operator (`webhooks disable`)"
    if not app.store.call(
        endpoints.set_enabled, endpoint_id, enabled, now=_now(app), reason=reason
    ):
        _get(app, endpoint_id)


def rotate_secret(app: App, endpoint_id: str) -> dict[str, Any]:
    """A new secret; the old one keeps signing alongside it for `rotation_grace`."""
    config = app.config.webhooks
    if app.store.call(endpoints.source_of, endpoint_id) == "config":
        raise InvalidInput(
            f"{endpoint_id} comes from config.toml; change the secret in its environment variable"
        )
    previous = app.store.call(endpoints.stored_secret, endpoint_id)
    if previous is None:
        _get(app, endpoint_id)
        raise AssertionError("unreachable")
    secret = generate_secret()
    grace_until = _now(app) + config.rotation_grace_s
    app.store.call(
        endpoints.rotate,
        endpoint_id,
        box(config).seal(secret),
        previous_stored=previous,
        grace_until=grace_until,
    )
    until = now_text(dt.datetime.fromtimestamp(grace_until, dt.UTC))
    return {"id": endpoint_id, "secret": secret, "previous_valid_until": until}


def deliveries(
    app: App, endpoint_id: str, *, failed_only: bool, limit: int
) -> list[dict[str, Any]]:
    _get(app, endpoint_id)
    return app.store.call(endpoints.deliveries, endpoint_id, failed_only=failed_only, limit=limit)


def replay(app: App, endpoint_id: str, *, since: dt.datetime | None, event_id: str | None) -> int:
    endpoint = _get(app, endpoint_id)
    if not endpoint.enabled:
        raise InvalidInput(f"{endpoint_id} is disabled; `treatybot webhooks enable` it first")
    try:
        return app.store.call(
            endpoints.replay,
            endpoint_id,
            now=_now(app),
            event_ids=[event_id] if event_id else [],
            since=since,
        )
    except LookupError as exc:
        raise NotFound(str(exc)) from exc


def ping(app: App, endpoint_id: str) -> PingResult:
    """Send a `webhook.test` to the endpoint now and return how it answered."""
    _get(app, endpoint_id)

    async def go() -> PingResult:
        channel = WebhookChannel(app.store, app.config.webhooks)
        try:
            return await channel.send_ping(endpoint_id)
        finally:
            await channel.close()

    return asyncio.run(go())


# -- config-file endpoints ----------------------------------------------------------------------


def config_endpoint_id(url: str) -> str:
    """Config endpoints are known by their URL: `wh_cfg_` + a hash of it."""
    return "wh_cfg_" + hashlib.sha256(url.encode()).hexdigest()[:16]


async def sync_config_endpoints(app: App) -> list[str]:
    """Register or update every `[[webhooks.endpoints]]`; disable config endpoints no longer in
    the file. A URL refused by the SSRF check is logged and not registered. Warns (once: it is
    called once per start) when endpoints exist and secrets are not encrypted. Returns the ids."""
    config = app.config.webhooks
    secrets = box(config)
    now = _now(app)
    kept: list[str] = []
    for entry in config.endpoints:
        try:
            url = await asyncio.to_thread(checked_url, config, str(entry.url))
        except InvalidInput as exc:
            log.error("webhook endpoint from config.toml refused: %s", exc)
            continue
        assert entry.secret is not None  # the config model refuses a missing secret
        secret = entry.secret.get_secret_value()
        filters = endpoints.Filters(
            types=tuple(entry.types), treaties=tuple(entry.treaties), countries=entry.countries
        )
        endpoint_id = config_endpoint_id(url)
        stored = await app.store.run(endpoints.stored_secret, endpoint_id)
        if stored is None:
            await app.store.run(
                endpoints.add,
                endpoint_id,
                url,
                secrets.seal(secret),
                filters=filters,
                description=entry.description,
                source="config",
                now=now,
            )
        else:
            try:
                same = secrets.open(stored) == secret
            except SecretBoxError:
                same = False
            await app.store.run(
                endpoints.update_config_endpoint,
                endpoint_id,
                url,
                None if same else secrets.seal(secret),
                filters=filters,
                description=entry.description,
            )
        kept.append(endpoint_id)
    for stale in await app.store.run(endpoints.config_ids):
        if stale not in kept:
            await app.store.run(
                endpoints.set_enabled,
                stale,
                False,
                now=now,
                reason="no longer in config.toml",
            )
    registered = await app.store.run(endpoints.list_all)
    if config.secret_key is None and registered:
        log.warning(
            "webhook secrets are stored unencrypted in the database: set [webhooks]"
            " secret_key_env to encrypt them at rest"
        )
    return kept
