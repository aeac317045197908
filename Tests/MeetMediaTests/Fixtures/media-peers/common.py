"""Shared by the aiortc peers that MediaServerAiortcTests drives over stdin/stdout, one JSON object a line."""
import asyncio
import json
import sys

import aioice.ice

# Tests use loopback only; aioice leaves 127.0.0.1 out of its host candidates, so offer exactly that.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []


def send(**message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def lines():
    """Yields the JSON messages arriving on stdin until it closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        yield json.loads(line)
