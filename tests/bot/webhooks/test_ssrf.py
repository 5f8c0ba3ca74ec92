"""The SSRF guard: which addresses are public, which URLs register, and that a refused send opens
no connection at all (counted by a loopback TCP server). No traffic leaves 127.0.0.0/8; names that
"resolve to a public address" do so through a resolver the test passes in."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.webhooks.ssrf import (
    Resolve,
    UnsafeTarget,
    check_url,
    guarded_connector,
    is_public,
    literal_address,
    redact,
    unsafe_cause,
    why_not_public,
)

NOT_PUBLIC = [
    "0.0.0.0",
    "0.1.2.3",
    "10.1.2.3",
    "100.64.0.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.9",
    "192.0.2.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::7f00:1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "2002:a00:1::1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert is_public(address) is False


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert is_public(address) is True


def test_embedded_ipv4_is_named_in_the_reason() -> None:
    assert why_not_public("64:ff9b::7f00:1") == "an IPv6 wrapper of 127.0.0.1, a loopback address"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("[::1]", "::1"),
        ("fe80::1%25eth0", "fe80::1%eth0"),
        ("example.com", None),
        ("08.1", None),
        ("1.2.3.4.5", None),
    ],
)
def test_numeric_hosts_are_read_as_the_resolver_reads_them(host: str, expected: str | None) -> None:
    found = literal_address(host)
    assert (None if found is None else str(found)) == expected


def test_literal_parsing_agrees_with_the_system_resolver() -> None:
    for host in ["0x7f000001", "2130706433", "017700000001", "127.1", "0x7f.1", "127.0.0.1"]:
        system = {info[4][0] for info in socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)}
        assert {str(literal_address(host))} == system


def resolving(table: dict[str, list[str]]) -> Resolve:
    def resolve(host: str, port: int) -> Iterable[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


def register(url: str, *, allow_http: bool = False, allow_private: bool = False) -> str:
    resolve = resolving(
        {"hooks.example.org": ["8.8.8.8", "2606:4700:4700::1111"], "mixed.example.org": []}
    )
    return check_url(
        url,
        allow_http=allow_http,
        allow_private=allow_private,
        resolve=resolve,
    )


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("https://127.0.0.1/hook", "127.0.0.1", "loopback"),
        ("https://0x7f000001/hook", "127.0.0.1", "loopback"),
        ("https://2130706433/hook", "127.0.0.1", "loopback"),
        ("https://017700000001/hook", "127.0.0.1", "loopback"),
        ("https://127.1/hook", "127.0.0.1", "loopback"),
        ("https://127.0.0.1./hook", "127.0.0.1", "loopback"),
        ("https://[::1]/hook", "::1", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:7f00:1", "127.0.0.1, a loopback"),
        ("https://[64:ff9b::7f00:1]/hook", "64:ff9b::7f00:1", "127.0.0.1, a loopback"),
        ("https://[2002:7f00:1::]/hook", "2002:7f00:1::", "127.0.0.1, a loopback"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254", "cloud metadata"),
        ("https://0.0.0.0/", "0.0.0.0", "this network"),
        ("https://100.64.1.1/", "100.64.1.1", "carrier-grade NAT"),
        ("https://[fd00::1]/", "fd00::1", "unique-local"),
        ("https://[fe80::1%25eth0]/", "fe80::1%eth0", "link-local"),
    ],
)
def test_non_public_literal_hosts_are_refused_at_registration(
    url: str, address: str, kind: str
) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        register(url)
    message = str(refused.value)
    assert message.startswith(f"{address} is ")
    assert kind in message
    assert message.endswith("set [webhooks] allow_private_targets = true to allow it")


def test_the_loopback_message_reads_as_documented() -> None:
    with pytest.raises(UnsafeTarget) as refused:
        register("https://127.0.0.1/x")
    assert str(refused.value) == (
        "127.0.0.1 is a loopback address; set [webhooks] allow_private_targets = true to allow it"
    )


def test_a_name_is_refused_if_any_of_its_addresses_is_not_public() -> None:
    resolve = resolving({"hooks.example.org": ["8.8.8.8", "10.0.0.5"]})
    with pytest.raises(UnsafeTarget, match=r"hooks\.example\.org resolves to 10\.0\.0\.5, a priv"):
        check_url(
            "https://hooks.example.org/x",
            allow_http=False,
            allow_private=False,
            resolve=resolve,
        )


def test_localhost_is_refused_through_the_system_resolver() -> None:
    with pytest.raises(UnsafeTarget, match=r"localhost resolves to .* a loopback address"):
        check_url("https://localhost:8443/x", allow_http=False, allow_private=False)


def test_a_name_with_only_public_addresses_registers_normalised() -> None:
    assert register("https://Hooks.Example.org/x?a=1") == "https://hooks.example.org/x?a=1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.org/x", "only https"),
        ("ftp://hooks.example.org/x", "only https"),
        ("/relative/path", "only https"),
        ("https:///x", "no host"),
        ("https://unknown.example.org/x", "cannot resolve unknown.example.org"),
        ("https://mixed.example.org/x", "has no addresses"),
        ("https://1.2.3.4.5/x", "not a valid IP address"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(UnsafeTarget, match=message):
        register(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:hunter2@hooks.example.org/x",
        "https://:hunter2@hooks.example.org/x",
        "https://hunter2@hooks.example.org/x",
        "http://alice:hunter2@127.0.0.1/x",
    ],
)
def test_credentials_are_refused_and_never_echoed(url: str) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        register(url)
    assert "hunter2" not in str(refused.value)
    assert "hooks.example.org" in str(refused.value) or "127.0.0.1" in str(refused.value)


def test_redact_removes_userinfo_only() -> None:
    assert redact("https://a:b@h.example/p?q=1@x") == "https://h.example/p?q=1@x"


def test_http_and_private_targets_register_when_allowed() -> None:
    assert register("http://127.0.0.1:8080/x", allow_http=True, allow_private=True) == (
        "http://127.0.0.1:8080/x"
    )


# -- send time ----------------------------------------------------------------------------------


class CountingServer:
    """A loopback TCP server that counts accepted connections and answers 204 to anything."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> CountingServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest_asyncio.fixture
async def server() -> AsyncIterator[CountingServer]:
    async with CountingServer() as counting:
        yield counting


class TableResolver(AbstractResolver):
    """A DNS stand-in: names map to whatever the test says (as a rebinding attacker's DNS would)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.table[host]
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


async def send(
    url: str, *, allow_private: bool, resolver: AbstractResolver | None = None, **kw: Any
) -> int:
    connector = guarded_connector(allow_private, resolver=resolver)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.post(url, data=b"{}", allow_redirects=False, **kw) as response,
    ):
        return response.status


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "0x7f000001", "127.1", "2130706433", "[::ffff:127.0.0.1]"]
)
async def test_a_guarded_send_to_loopback_is_refused_before_connecting(
    server: CountingServer, host: str
) -> None:
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        await send(f"http://{host}:{server.port}/hook", allow_private=False)
    cause = unsafe_cause(refused.value)
    assert cause is not None
    assert "loopback" in str(cause)
    assert server.connections == 0


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "0x7f000001",
        pytest.param(
            "[::ffff:127.0.0.1]",
            marks=pytest.mark.skipif(not socket.has_ipv6, reason="needs a dual-stack host"),
        ),
    ],
)
async def test_allow_private_lets_the_same_send_connect(server: CountingServer, host: str) -> None:
    assert await send(f"http://{host}:{server.port}/hook", allow_private=True) == 204
    assert server.connections == 1


async def test_a_name_that_rebinds_to_loopback_after_registration_is_refused(
    server: CountingServer,
) -> None:
    url = f"http://rebind.example.org:{server.port}/hook"
    registered = check_url(
        url,
        allow_http=True,
        allow_private=False,
        resolve=resolving({"rebind.example.org": ["8.8.8.8"]}),
    )
    rebound = TableResolver({"rebind.example.org": "127.0.0.1"})
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        await send(registered, allow_private=False, resolver=rebound)
    assert "rebind.example.org resolves to 127.0.0.1" in str(unsafe_cause(refused.value))
    assert server.connections == 0
    assert await send(registered, allow_private=True, resolver=rebound) == 204
    assert server.connections == 1


async def test_a_proxy_is_refused_because_it_would_resolve_the_target_itself(
    server: CountingServer,
) -> None:
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        await send(
            "http://hooks.example.org/x",
            allow_private=False,
            proxy=f"http://127.0.0.1:{server.port}",
        )
    assert "proxy" in str(unsafe_cause(refused.value))
    assert server.connections == 0


async def test_a_refusal_message_survives_into_the_aiohttp_error_text(
    server: CountingServer,
) -> None:
    with pytest.raises(aiohttp.ClientConnectorError, match=r"127\.0\.0\.1 is a loopback address"):
        await send(f"http://127.0.0.1:{server.port}/hook", allow_private=False)
