"""The text frames a `Connection` writes are byte for byte those websockets' protocol core
would write: the header is built here, the payload is the encoder's bytes."""

from __future__ import annotations

from websockets.frames import Frame, Opcode

from gameserver.live.connection import text_frame_header


def test_a_text_frame_is_what_websockets_would_send_at_every_length_encoding() -> None:
    for length in (0, 1, 125, 126, 127, 900, 65535, 65536, 70000):
        payload = b"x" * length
        expected = Frame(Opcode.TEXT, payload).serialize(mask=False)
        assert text_frame_header(length) + payload == expected, length
