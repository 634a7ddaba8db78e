#!/usr/bin/env python3
"""One HTTP/3 GET with aioquic, for the end-to-end run: a QUIC client that is
not ours, against the appliance's UDP port.

Usage: h3get.py HOST PORT SERVER_NAME PATH
Prints `HTTP/3 STATUS` and exits 0 when the answer came over HTTP/3; the
certificate is not checked (the run's domain has a local CA's certificate).
"""

import asyncio
import ssl
import sys

from aioquic.asyncio import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration


class Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.answer = asyncio.get_running_loop().create_future()
        self.status = None

    def quic_event_received(self, event):
        for ev in self.h3.handle_event(event):
            if isinstance(ev, HeadersReceived):
                self.status = dict(ev.headers).get(b":status", b"?").decode()
            if isinstance(ev, (HeadersReceived, DataReceived)) and ev.stream_ended:
                if not self.answer.done():
                    self.answer.set_result(self.status)

    async def get(self, authority, path):
        stream = self._quic.get_next_available_stream_id()
        self.h3.send_headers(stream, [
            (b":method", b"GET"), (b":scheme", b"https"),
            (b":authority", authority.encode()), (b":path", path.encode()),
            (b"user-agent", b"e2e-h3get"),
        ], end_stream=True)
        self.transmit()
        return await asyncio.wait_for(self.answer, 10)


async def main(host, port, name, path):
    config = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, server_name=name)
    config.verify_mode = ssl.CERT_NONE
    async with connect(host, port, configuration=config, create_protocol=Client) as client:
        status = await client.get(name, path)
    print(f"HTTP/3 {status}")
    return 0 if status and status.isdigit() else 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    host, port, name, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    try:
        sys.exit(asyncio.run(main(host, port, name, path)))
    except Exception as e:  # a refused or timed-out handshake: one sentence
        sys.exit(f"h3get: no HTTP/3 answer from {host}:{port}: {e!r}")
