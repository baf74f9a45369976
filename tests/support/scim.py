"""A real SCIM 2.0 server for the access tests (``scim2-server`` from PyPI, run as its own process), and a small
TCP proxy in front of it that can answer ``503`` instead of passing a connection on."""

import asyncio
import subprocess

import httpx2
from scim2_client.engines.httpx2 import AsyncSCIMClient
from scim2_models import Email, SearchRequest

from activities.scim import PROVIDER, SCIM_USER
from tests.support import BIN, free_port, start_listening

TOKEN = "scim-token-of-the-tests"


class ScimServer:
    """``scim2-server`` on a port of its own, accepting only ``TOKEN``; users kept in its memory."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ScimServer":
        command = [
            str(BIN / "scim2-server"),
            "--hostname",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--bearer-token",
            TOKEN,
        ]
        self.proc = start_listening(command, self.port, "scim2-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def _client(self, http: httpx2.AsyncClient) -> AsyncSCIMClient:
        return AsyncSCIMClient(http, provider=PROVIDER)

    def _http(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(base_url=self.url + "/", headers={"Authorization": f"Bearer {TOKEN}"})

    async def add_user(
        self,
        user_name: str,
        *,
        email: str | None = None,
        external_id: str | None = None,
        active: bool = True,
    ) -> str:
        async with self._http() as http:
            user = SCIM_USER(
                user_name=user_name,
                active=active,
                external_id=external_id,
                emails=[Email(value=email or user_name, primary=True)],
            )
            return (await self._client(http).create(user)).id

    async def user(self, user_id: str):
        async with self._http() as http:
            return await self._client(http).query(SCIM_USER, user_id)

    async def users(self, filter: str) -> list:
        async with self._http() as http:
            found = await self._client(http).query(SCIM_USER, query_parameters=SearchRequest(filter=filter))
            return list(found.resources or [])


class FaultProxy:
    """Passes TCP connections on to ``upstream``, except the next ``failures`` ones, which get ``503`` at once."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.failures = 0
        self.refused = 0
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> "FaultProxy":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.failures > 0:
            self.failures -= 1
            self.refused += 1
            await reader.readuntil(b"\r\n\r\n")
            body = b"upstream unavailable"
            writer.write(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )
            await writer.drain()
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
