"""Outbound requests to user-supplied URLs go to public addresses only (SSRF guard).

Owns: the address policy (`is_public`, `why_not_public`), the registration check of a webhook URL
(`check_url`), and the send-time guard (`guarded_connector`): an aiohttp connector whose resolver
refuses non-public addresses, so the address checked is the address connected to (DNS rebinding
cannot slip past a check done earlier), and which also checks hosts written as IP literals, which
aiohttp connects to without asking the resolver.

Must not: send anything itself, read configuration (callers pass `allow_http`/`allow_private`),
or follow redirects (callers pass `allow_redirects=False`; a redirect target would still go through
the guard, but Standard Webhooks counts a 3xx as a failure anyway).
"""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_HINT = "set [webhooks] allow_private_targets = true to allow it"

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Checked in order; the first match names the range in messages. Explicit, because Python's
# `ipaddress` had wrong `is_global` ranges before the CVE-2024-4032 fix (3.11.7 still says
# `::7f00:1` is global).
_BLOCKED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (_V4("0.0.0.0/8"), "a 'this network' address (0.0.0.0/8)"),
    (_V4("10.0.0.0/8"), "a private address (10.0.0.0/8)"),
    (_V4("100.64.0.0/10"), "a carrier-grade NAT address (100.64.0.0/10)"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("169.254.0.0/16"), "a link-local address (169.254.0.0/16, incl. cloud metadata)"),
    (_V4("172.16.0.0/12"), "a private address (172.16.0.0/12)"),
    (_V4("192.0.0.0/24"), "an IETF protocol assignment address (192.0.0.0/24)"),
    (_V4("192.0.2.0/24"), "a documentation address (192.0.2.0/24)"),
    (_V4("192.88.99.0/24"), "a 6to4 relay anycast address (192.88.99.0/24)"),
    (_V4("192.168.0.0/16"), "a private address (192.168.0.0/16)"),
    (_V4("198.18.0.0/15"), "a benchmarking address (198.18.0.0/15)"),
    (_V4("198.51.100.0/24"), "a documentation address (198.51.100.0/24)"),
    (_V4("203.0.113.0/24"), "a documentation address (203.0.113.0/24)"),
    (_V4("224.0.0.0/4"), "a multicast address (224.0.0.0/4)"),
    (_V4("255.255.255.255/32"), "the broadcast address"),
    (_V4("240.0.0.0/4"), "a reserved address (240.0.0.0/4)"),
    (_V6("::/128"), "the unspecified address (::)"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("::/96"), "an IPv4-compatible IPv6 address (::/96, deprecated)"),
    (_V6("64:ff9b:1::/48"), "a local-use NAT64 address (64:ff9b:1::/48)"),
    (_V6("100::/64"), "a discard-only address (100::/64)"),
    (_V6("2001::/32"), "a Teredo address (2001::/32)"),
    (_V6("2001:db8::/32"), "a documentation address (2001:db8::/32)"),
    (_V6("fc00::/7"), "a unique-local address (fc00::/7)"),
    (_V6("fe80::/10"), "a link-local address (fe80::/10)"),
    (_V6("fec0::/10"), "a site-local address (fec0::/10, deprecated)"),
    (_V6("ff00::/8"), "a multicast address (ff00::/8)"),
)
_NAT64 = _V6("64:ff9b::/96")
_SIX_TO_FOUR = _V6("2002::/16")


class UnsafeTarget(ValueError):
    """A webhook URL refused at registration: wrong scheme, credentials, no host, unresolvable,
    or an address that is not public. The message never contains the URL's credentials."""


class UnsafeAddressError(OSError):
    """A connection refused at send time because the address is not public.

    aiohttp wraps it in a `ClientConnectorError` (its `os_error`); `unsafe_cause` digs it out.
    """

    def __init__(self, message: str) -> None:
        super().__init__(errno.EACCES, message)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 IPv6 address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour  # None unless in 2002::/16


def why_not_public(ip: IPAddress | str) -> str | None:
    """None if `ip` is a public unicast address, else what it is ("a loopback address")."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = why_not_public(inner)
        return None if reason is None else f"an IPv6 wrapper of {inner}, {reason}"
    for network, reason in _BLOCKED:
        if address.version == network.version and address in network:
            return reason
    if not address.is_global:
        return "not a globally routable address"
    return None


def is_public(ip: IPAddress | str) -> bool:
    """True only for globally routable unicast addresses (embedded IPv4 unwrapped and checked)."""
    return why_not_public(ip) is None


# -- hosts written as numbers -----------------------------------------------------------------

_HEX = re.compile(r"0[xX][0-9a-fA-F]*\Z")
_OCT = re.compile(r"0[0-7]*\Z")
_DEC = re.compile(r"[1-9][0-9]*\Z")


def _loose_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse IPv4 the way inet_aton/getaddrinfo do: 1–4 parts, each decimal, octal (0…) or hex
    (0x…), the last filling the remaining bytes: `127.1`, `0x7f000001`, `017700000001`."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if _HEX.match(part):
            values.append(int(part[2:] or "0", 16))
        elif _OCT.match(part):
            values.append(int(part, 8))
        elif _DEC.match(part):
            values.append(int(part))
        else:
            return None
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, v in enumerate(head):
        number |= v << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> IPAddress | None:
    """The address if `host` is an IP literal in any form a resolver accepts, else None.

    Accepts brackets (`[::1]`), a zone (`fe80::1%25eth0`), one trailing dot on IPv4 and all the
    legacy numeric IPv4 forms. Hosts that are names return None.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.replace("%25", "%", 1))
        except ValueError:
            return None
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return _loose_ipv4(text)


def _looks_numeric(host: str) -> bool:
    # aiohttp's own test (helpers.is_ip_address): such hosts are connected to without the resolver.
    return ":" in host or host.replace(".", "").isdigit()


# -- registration -----------------------------------------------------------------------------

_USERINFO = re.compile(r"(?<=//)[^/?#]*@")


def redact(url: str) -> str:
    """The URL with any `user:password@` removed, for messages and logs."""
    return _USERINFO.sub("", url)


Resolve = Callable[[str, int], Iterable[str]]


def system_resolve(host: str, port: int) -> list[str]:
    """All addresses getaddrinfo gives for `host` (blocking)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_url(
    url: str, *, allow_http: bool, allow_private: bool, resolve: Resolve | None = None
) -> str:
    """Validate a webhook URL at registration; return it normalised (IDNA host) or raise
    `UnsafeTarget` with a message fit for the user.

    https only unless `allow_http`; no credentials; a host is required; an IP-literal host (any
    numeric form) must be public; a name must resolve and EVERY address must be public, unless
    `allow_private`. Blocking (resolves with getaddrinfo unless `resolve` is given): call it from a
    thread in async code. Passing this check does not make a later send safe (DNS can change):
    send through `guarded_connector`.
    """
    shown = redact(url)
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise UnsafeTarget(f"{shown!r} is not a valid URL") from exc
    if parsed.scheme not in ("http", "https"):
        raise UnsafeTarget(f"{shown!r}: only https:// URLs are accepted")
    if parsed.scheme == "http" and not allow_http:
        raise UnsafeTarget(f"{shown!r}: only https:// URLs are accepted (http is not allowed)")
    if parsed.user is not None or parsed.password is not None or "@" in (parsed.raw_authority):
        raise UnsafeTarget(f"{shown!r}: credentials in URLs are not accepted")
    host = parsed.raw_host
    if not host:
        raise UnsafeTarget(f"{shown!r}: the URL has no host")
    normalised = str(parsed)
    if allow_private:
        return normalised
    literal = literal_address(host)
    if literal is not None:
        reason = why_not_public(literal)
        if reason is not None:
            raise UnsafeTarget(f"{literal} is {reason}; {ALLOW_HINT}")
        return normalised
    if _looks_numeric(host):
        raise UnsafeTarget(f"{shown!r}: {host!r} is not a valid IP address")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = list((resolve or system_resolve)(host, port))
    except OSError as exc:
        raise UnsafeTarget(f"{shown!r}: cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise UnsafeTarget(f"{shown!r}: {host} has no addresses")
    for address in addresses:
        reason = why_not_public(address)
        if reason is not None:
            raise UnsafeTarget(f"{host} resolves to {address}, {reason}; {ALLOW_HINT}")
    return normalised


# -- send time --------------------------------------------------------------------------------


class GuardedResolver(AbstractResolver):
    """Resolves with `inner` (getaddrinfo in a thread unless given) and raises
    `UnsafeAddressError` if ANY address is not public. aiohttp connects only to what it returns."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        # ThreadedResolver rather than aiohttp's DefaultResolver: the connector does not own a
        # resolver it is given, and ThreadedResolver has nothing to close.
        self._inner = inner if inner is not None else aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            reason = why_not_public(result["host"])
            if reason is not None:
                raise UnsafeAddressError(
                    f"refused: {host} resolves to {result['host']}, {reason}; {ALLOW_HINT}"
                )
        return results

    async def close(self) -> None:
        await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector that refuses non-public targets before any socket is opened.

    Names go through `GuardedResolver`. IP-literal hosts are checked here, because aiohttp
    connects to them without asking the resolver. Proxies are refused: a proxy resolves the
    target itself, out of our sight.
    """

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        host = req.url.raw_host or ""
        if req.proxy is not None:
            self._refuse(req, f"refused: a proxy ({redact(str(req.proxy))}) hides the target")
        literal = literal_address(host)
        if literal is not None:
            reason = why_not_public(literal)
            if reason is not None:
                self._refuse(req, f"refused: {literal} is {reason}; {ALLOW_HINT}")
        elif _looks_numeric(host):
            self._refuse(req, f"refused: {host!r} is not a valid IP address")
        return await super().connect(req, traces, timeout)

    @staticmethod
    def _refuse(req: ClientRequest, message: str) -> None:
        raise aiohttp.ClientConnectorError(req.connection_key, UnsafeAddressError(message))


def guarded_connector(
    allow_private: bool, *, resolver: AbstractResolver | None = None, **kwargs: Any
) -> aiohttp.TCPConnector:
    """The connector for every outbound webhook session (pass `trust_env=False`, the default).

    With `allow_private=False`, a request whose host is, or resolves to, a non-public address
    fails with `aiohttp.ClientConnectorError` (see `unsafe_cause`) and no connection is opened.
    `allow_private=True` gives a plain TCPConnector. `resolver` replaces aiohttp's default
    resolver (wrapped by the guard); other keyword arguments go to TCPConnector.
    """
    if allow_private:
        return aiohttp.TCPConnector(resolver=resolver, **kwargs)
    return GuardedConnector(resolver=GuardedResolver(resolver), **kwargs)


def unsafe_cause(exc: BaseException) -> UnsafeAddressError | None:
    """The `UnsafeAddressError` behind an aiohttp error, if the guard refused the request."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnsafeAddressError):
            return current
        if isinstance(current, aiohttp.ClientConnectorError):
            current = current.os_error
        else:
            current = current.__cause__ or current.__context__
    return None
