"""Small, valid media files built from scratch, so tests need no fixtures on disk."""

from __future__ import annotations

import base64
import os
import random
import struct
import zlib
from pathlib import Path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 30, 30),
              pad_to: int | None = None, seed: int = 0) -> bytes:
    """A valid RGB PNG; ``pad_to`` appends a private ancillary chunk of random bytes."""
    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * height))
    )
    end = _png_chunk(b"IEND", b"")
    if pad_to is not None:
        filler = max(0, pad_to - len(body) - len(end) - 12)
        body += _png_chunk(b"ruSt", random.Random(seed).randbytes(filler))
    return body + end


GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


def gif_bytes() -> bytes:
    return GIF_1X1


def jpeg_bytes() -> bytes:
    """A valid baseline 8x8 grey JPEG: one block whose DC difference is 0, then EOB."""
    soi, eoi = b"\xff\xd8", b"\xff\xd9"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    counts = bytes([1] + [0] * 15)
    dht_dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + counts + b"\x00"
    dht_ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + counts + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return soi + app0 + dqt + sof + dht_dc + dht_ac + sos + b"\x3f" + eoi


def pdf_bytes(text: str = "Menu") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 10 20 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 120 40] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def mp4_bytes() -> bytes:
    """An MP4 header: an ``ftyp`` box and an empty ``free`` box."""
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2mp41"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", 8) + b"free"


def vcard_bytes(name: str = "Ada Lovelace") -> bytes:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"FN:{name}\r\nTEL;TYPE=CELL:+14155550100\r\nEND:VCARD\r\n"
    ).encode()


def write(path: Path | str, data: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def random_png(path: Path | str, size: int, seed: int | None = None) -> Path:
    """A valid PNG of exactly ``size`` bytes, its bulk random so every file hashes apart."""
    seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
    return write(path, png_bytes(pad_to=size, seed=seed))
