"""Reads what the SFU forwarded (the DIGITALMEET_TEST_MEDIA_CAPTURE hook: per track a file of
records, each a 4-byte big-endian length and one RTP packet after SRTP decryption), puts VP8 frames
back together (RFC 7741 payload descriptor) and tries to decode them with FFmpeg's VP8 decoder."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av


@dataclass
class RTPPacket:
    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes


def read_records(path: Path) -> list[bytes]:
    data = path.read_bytes()
    records, offset = [], 0
    while offset + 4 <= len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        offset += 4
        if offset + length > len(data):
            break  # the writer was still busy with the last record
        records.append(data[offset:offset + length])
        offset += length
    return records


def parse_rtp(packet: bytes) -> RTPPacket | None:
    """RFC 3550 header (CSRCs, header extension and padding skipped); None if it is not RTP."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    csrcs, extension, padding = packet[0] & 0x0F, packet[0] & 0x10, packet[0] & 0x20
    marker, payload_type = bool(packet[1] & 0x80), packet[1] & 0x7F
    sequence, timestamp, ssrc = struct.unpack_from(">HII", packet, 2)
    offset = 12 + 4 * csrcs
    if extension:
        if len(packet) < offset + 4:
            return None
        (words,) = struct.unpack_from(">H", packet, offset + 2)
        offset += 4 + 4 * words
    end = len(packet) - (packet[-1] if padding and packet else 0)
    if offset > end:
        return None
    return RTPPacket(marker, payload_type, sequence, timestamp, ssrc, packet[offset:end])


def vp8_descriptor(payload: bytes) -> tuple[bool, int] | None:
    """(start of a partition 0, descriptor length) of an RFC 7741 VP8 payload descriptor."""
    if not payload:
        return None
    first, size = payload[0], 1
    if first & 0x80:  # X: extension byte follows
        if len(payload) < 2:
            return None
        extension = payload[1]
        size = 2
        if extension & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= size:
                return None
            size += 2 if payload[size] & 0x80 else 1
        if extension & 0x40:  # L: TL0PICIDX
            size += 1
        if extension & 0x30:  # T or K: TID/Y/KEYIDX
            size += 1
    if size > len(payload):
        return None
    start = bool(first & 0x10) and (first & 0x07) == 0
    return start, size


def vp8_frames(packets: list[RTPPacket]) -> list[bytes]:
    """Whole frames (from a start packet to the marker, with no gap in sequence numbers)."""
    frames: list[bytes] = []
    current: list[bytes] | None = None
    last_sequence = None
    for packet in packets:
        described = vp8_descriptor(packet.payload)
        if described is None:
            current = None
            continue
        start, size = described
        if start:
            current = []
        elif current is not None and last_sequence is not None and packet.sequence != (last_sequence + 1) & 0xFFFF:
            current = None
        last_sequence = packet.sequence
        if current is None:
            continue
        current.append(packet.payload[size:])
        if packet.marker:
            frames.append(b"".join(current))
            current = None
    return frames


def is_key_frame(frame: bytes) -> bool:
    """RFC 6386 §9.1: bit 0 of the frame tag is 0 for a key frame, which carries the start code."""
    return len(frame) >= 10 and frame[0] & 0x01 == 0 and frame[3:6] == b"\x9d\x01\x2a"


@dataclass
class DecodeResult:
    frames: int
    key_frames: int
    decoded: int
    errors: int


def try_decoding(frames: list[bytes]) -> DecodeResult:
    """Feeds the frames, from the first key frame on, to FFmpeg's VP8 decoder; counts pictures and errors."""
    codec = av.CodecContext.create("vp8", "r")
    decoded = errors = 0
    started = False
    for frame in frames:
        started = started or is_key_frame(frame)
        if not started:
            continue
        try:
            decoded += len(codec.decode(av.Packet(frame)))
        except av.error.FFmpegError:
            errors += 1
    return DecodeResult(frames=len(frames), key_frames=sum(is_key_frame(f) for f in frames), decoded=decoded, errors=errors)


def captured_video(path: Path) -> DecodeResult:
    packets = [p for p in (parse_rtp(r) for r in read_records(path)) if p is not None]
    return try_decoding(vp8_frames(packets))
