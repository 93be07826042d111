"""Write the examples' media files: small, valid, and byte-for-byte reproducible.

    python examples/generate_assets.py            # (re)write them next to this script
    python examples/generate_assets.py --check    # exit 1 if a committed file differs

Pure Python and integer arithmetic only, so every machine writes the same bytes: PNGs use
stored (uncompressed) deflate blocks rather than zlib's compressor, whose output varies
between zlib builds; the JPEG encoder uses an integer DCT and fixed-length Huffman codes.
The files are committed; this script documents how they were made and proves it.
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

Pixel = tuple[int, int, int]

# -- PNG (palette, stored deflate) -----------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _stored_zlib(data: bytes) -> bytes:
    """A zlib stream of stored deflate blocks: deterministic whatever zlib is installed."""
    out = bytearray(b"\x78\x01")
    blocks = [data[i : i + 65535] for i in range(0, len(data), 65535)] or [b""]
    for index, block in enumerate(blocks):
        final = 1 if index == len(blocks) - 1 else 0
        out += bytes([final]) + struct.pack("<HH", len(block), len(block) ^ 0xFFFF) + block
    return bytes(out + struct.pack(">I", zlib.adler32(data)))


def png_palette(
    width: int,
    height: int,
    index_at: Callable[[int, int], int],
    palette: Sequence[Pixel],
    transparent: int | None = None,
) -> bytes:
    """An 8-bit palette PNG; ``index_at(x, y)`` picks each pixel's palette entry."""
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    raw = b"".join(
        b"\x00" + bytes(index_at(x, y) for x in range(width)) for y in range(height)
    )
    chunks = [_png_chunk(b"IHDR", header), _png_chunk(b"PLTE", b"".join(bytes(c) for c in palette))]
    if transparent is not None:
        chunks.append(_png_chunk(b"tRNS", bytes(255 if i != transparent else 0
                                                for i in range(len(palette)))))
    chunks += [_png_chunk(b"IDAT", _stored_zlib(raw)), _png_chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


# -- JPEG (baseline, YCbCr 4:4:4) ------------------------------------------------------------

_ZIGZAG = sorted(range(64), key=lambda i: (i // 8 + i % 8, -(i // 8) if (i // 8 + i % 8) % 2 == 0
                                           else i // 8))
_LUMA_Q = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]
_CHROMA_Q = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
             24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32
# cos((2x+1)u*pi/16) * C(u) * 2**13, written out so no libm rounding can differ.
_DCT = [
    [5793, 5793, 5793, 5793, 5793, 5793, 5793, 5793],
    [8035, 6811, 4551, 1598, -1598, -4551, -6811, -8035],
    [7568, 3135, -3135, -7568, -7568, -3135, 3135, 7568],
    [6811, -1598, -8035, -4551, 4551, 8035, 1598, -6811],
    [5793, -5793, -5793, 5793, 5793, -5793, -5793, 5793],
    [4551, -8035, 1598, 6811, -6811, -1598, 8035, -4551],
    [3135, -7568, 7568, -3135, -3135, 7568, -7568, 3135],
    [1598, -4551, 6811, -8035, 8035, -6811, 4551, -1598],
]
# Fixed-length Huffman codes: 4 bits for the 12 DC sizes, 8 bits for the 162 AC symbols.
_DC_SYMBOLS = list(range(12))
_AC_SYMBOLS = [0x00, 0xF0] + [(run << 4) | size for run in range(16) for size in range(1, 11)]
_DC_CODE = {s: (i, 4) for i, s in enumerate(_DC_SYMBOLS)}
_AC_CODE = {s: (i, 8) for i, s in enumerate(_AC_SYMBOLS)}


def _scaled(table: Sequence[int], quality: int) -> list[int]:
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (q * scale + 50) // 100)) for q in table]


class _Bits:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def put(self, value: int, length: int) -> None:
        self.acc = (self.acc << length) | (value & ((1 << length) - 1))
        self.count += length
        while self.count >= 8:
            self.count -= 8
            byte = (self.acc >> self.count) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0x00)
        self.acc &= (1 << self.count) - 1

    def flush(self) -> bytes:
        if self.count:
            self.put((1 << (8 - self.count)) - 1, 8 - self.count)
        return bytes(self.out)


def _magnitude(value: int) -> tuple[int, int]:
    size = abs(value).bit_length()
    return size, (value if value >= 0 else value + (1 << size) - 1)


def _encode_block(bits: _Bits, block: list[int], quant: list[int], previous_dc: int) -> int:
    rows = [[sum(_DCT[v][y] * block[y * 8 + x] for y in range(8)) for x in range(8)]
            for v in range(8)]
    coefficients = []
    for natural in range(64):
        v, u = divmod(natural, 8)
        total = sum(_DCT[u][x] * rows[v][x] for x in range(8))
        divisor = 4 * (1 << 26) * quant[natural]
        magnitude = (abs(total) + divisor // 2) // divisor
        coefficients.append(magnitude if total >= 0 else -magnitude)
    zigzag = [coefficients[i] for i in _ZIGZAG]
    size, value = _magnitude(zigzag[0] - previous_dc)
    bits.put(*_DC_CODE[size])
    if size:
        bits.put(value, size)
    run = 0
    for coefficient in zigzag[1:]:
        if coefficient == 0:
            run += 1
            continue
        while run > 15:
            bits.put(*_AC_CODE[0xF0])
            run -= 16
        size, value = _magnitude(coefficient)
        bits.put(*_AC_CODE[(run << 4) | size])
        bits.put(value, size)
        run = 0
    if run:
        bits.put(*_AC_CODE[0x00])
    return zigzag[0]


def _clamp(value: int) -> int:
    return min(255, max(0, value))


def _ycbcr(pixel: Pixel) -> tuple[int, int, int]:
    r, g, b = pixel
    y = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16
    cb = ((-11059 * r - 21709 * g + 32768 * b + 32768) >> 16) + 128
    cr = ((32768 * r - 27439 * g - 5329 * b + 32768) >> 16) + 128
    return _clamp(y), _clamp(cb), _clamp(cr)


def jpeg(
    width: int, height: int, pixel_at: Callable[[int, int], Pixel], quality: int = 90
) -> bytes:
    """A baseline JFIF JPEG; width and height must be multiples of 8."""
    assert width % 8 == 0 and height % 8 == 0
    tables = [_scaled(_LUMA_Q, quality), _scaled(_CHROMA_Q, quality)]
    planes = [[0] * (width * height) for _ in range(3)]
    for y in range(height):
        for x in range(width):
            for plane, value in zip(planes, _ycbcr(pixel_at(x, y)), strict=True):
                plane[y * width + x] = value - 128
    bits = _Bits()
    previous = [0, 0, 0]
    for by in range(0, height, 8):
        for bx in range(0, width, 8):
            for c in range(3):
                block = [planes[c][(by + j) * width + bx + i] for j in range(8) for i in range(8)]
                previous[c] = _encode_block(bits, block, tables[min(c, 1)], previous[c])
    scan = bits.flush()

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    dqt = b"".join(bytes([i]) + bytes(t[z] for z in _ZIGZAG) for i, t in enumerate(tables))
    counts_dc = bytes(12 if n == 4 else 0 for n in range(1, 17))
    counts_ac = bytes(162 if n == 8 else 0 for n in range(1, 17))
    dht = (b"\x00" + counts_dc + bytes(_DC_SYMBOLS) + b"\x10" + counts_ac + bytes(_AC_SYMBOLS))
    components = b"".join(bytes([c + 1, 0x11, min(c, 1)]) for c in range(3))
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, dqt)
        + segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components)
        + segment(0xC4, dht)
        + segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00")
        + scan
        + b"\xff\xd9"
    )


# -- GIF (animated, LZW) ---------------------------------------------------------------------


def _lzw(indices: Sequence[int], min_size: int) -> bytes:
    clear, end = 1 << min_size, (1 << min_size) + 1
    out = bytearray()
    acc = count = 0

    def emit(code: int, size: int) -> None:
        nonlocal acc, count
        acc |= code << count
        count += size
        while count >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            count -= 8

    size = min_size + 1
    table: dict[tuple[int, int], int] = {}
    next_code = end + 1
    emit(clear, size)
    prefix = indices[0]
    for index in indices[1:]:
        key = (prefix, index)
        if key in table:
            prefix = table[key]
            continue
        emit(prefix, size)
        table[key] = next_code
        next_code += 1
        # The decoder learns each code one step later, so widen when it will need to.
        if next_code > (1 << size) and size < 12:
            size += 1
        if next_code == 4096:
            emit(clear, size)
            table.clear()
            size, next_code = min_size + 1, end + 1
        prefix = index
    emit(prefix, size)
    emit(end, size)
    if count:
        out.append(acc & 0xFF)
    return bytes(out)


def gif_animation(
    width: int,
    height: int,
    frames: Sequence[Callable[[int, int], int]],
    palette: Sequence[Pixel],
    delay_cs: int = 15,
) -> bytes:
    """A looping GIF89a; each frame function picks a palette index (0 is transparent)."""
    assert len(palette) == 4
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF1, 0, 0))
    out += b"".join(bytes(c) for c in palette)
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for frame in frames:
        out += b"\x21\xf9\x04\x09" + struct.pack("<H", delay_cs) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
        data = _lzw([frame(x, y) for y in range(height) for x in range(width)], 2)
        out += b"\x02" + b"".join(
            bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255)
        ) + b"\x00"
    return bytes(out + b"\x3b")


# -- PDF and vCard ---------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_page(title: str, lines: Sequence[tuple[str, str]], width: int = 300,
             height: int = 420) -> bytes:
    """A one-page PDF: a bold title, then (item, price) rows; with a correct xref table."""
    ops = [f"BT /F2 18 Tf 24 {height - 48} Td ({_pdf_text(title)}) Tj ET",
           f"0.06 0.64 0.5 RG 2 w 24 {height - 60} m {width - 24} {height - 60} l S"]
    for row, (item, price) in enumerate(lines):
        y = height - 92 - 24 * row
        ops.append(f"BT /F1 12 Tf 24 {y} Td ({_pdf_text(item)}) Tj ET")
        ops.append(f"BT /F1 12 Tf {width - 72} {y} Td ({_pdf_text(price)}) Tj ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>" % (width, height),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def vcard(name: str, org: str, phone: str, email: str, url: str) -> bytes:
    family, _, given = name.rpartition(" ")
    return "\r\n".join([
        "BEGIN:VCARD", "VERSION:3.0", f"N:{given};{family};;;", f"FN:{name}", f"ORG:{org}",
        f"TEL;TYPE=CELL:{phone}", f"EMAIL:{email}", f"URL:{url}", "END:VCARD", "",
    ]).encode("utf-8")


# -- the pictures ----------------------------------------------------------------------------


def _inside(x: int, y: int, cx: int, cy: int, r: int) -> bool:
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def logo_png(size: int = 96, brand: Pixel = (15, 163, 127)) -> bytes:
    """A round badge with a speech bubble: transparent corners, brand ring, three dots."""
    c = size // 2

    def index_at(x: int, y: int) -> int:
        if not _inside(x, y, c, c, c - 2):
            return 0
        bubble = _inside(x, y, c, c - 4, c * 9 // 20) or (
            c - 14 <= x <= c - 2 and c + 8 <= y <= c + 20 and x - (c - 14) >= y - (c + 8)
        )
        if bubble:
            dots = any(_inside(x, y, c + dx, c - 4, 4) for dx in (-12, 0, 12))
            return 3 if dots else 2
        return 1

    return png_palette(size, size, index_at, [(0, 0, 0), brand, (255, 255, 255), (18, 49, 43)],
                       transparent=0)


def bands_png(width: int, height: int, colors: Sequence[Pixel]) -> bytes:
    """Horizontal colour bands with a circle of the last colour: a flat sunset."""
    band = height // (len(colors) - 1)

    def index_at(x: int, y: int) -> int:
        if _inside(x, y, width // 2, height * 3 // 5, height // 5) and y < height * 3 // 5:
            return len(colors) - 1
        return min(y // band, len(colors) - 2)

    return png_palette(width, height, index_at, colors)


def scene_jpeg(width: int, height: int, sun: tuple[int, int, int],
               sky: tuple[Pixel, Pixel], sea: Pixel, tag: bool) -> bytes:
    """Sky gradient, a sun, a striped sea, and (``tag``) a white price tag."""
    horizon = height * 5 // 8
    sun_x, sun_y, sun_r = sun

    def pixel_at(x: int, y: int) -> Pixel:
        if tag and 12 <= x < 68 and 14 <= y < 42:
            return (250, 250, 245) if not (20 <= x < 60 and 26 <= y < 30) else (214, 64, 52)
        if y < horizon:
            if _inside(x, y, sun_x, sun_y, sun_r):
                return (255, 214, 90)
            (r0, g0, b0), (r1, g1, b1) = sky
            return (r0 + (r1 - r0) * y // horizon, g0 + (g1 - g0) * y // horizon,
                    b0 + (b1 - b0) * y // horizon)
        wave = 24 if (y - horizon) % 6 < 2 and (x // 10 + y) % 3 else 0
        return _clamp(sea[0] + wave), _clamp(sea[1] + wave), _clamp(sea[2] + wave)

    return jpeg(width, height, pixel_at)


_RING = [(16, 0), (11, 11), (0, 16), (-11, 11), (-16, 0), (-11, -11), (0, -16), (11, -11)]


def spinner_gif(size: int = 48, palette: Sequence[Pixel] = ((255, 255, 255), (15, 163, 127),
                                                            (18, 49, 43), (243, 146, 55))) -> bytes:
    """Eight dots on a ring; two bright ones walk round it in four frames."""
    c = size // 2

    def frame(step: int) -> Callable[[int, int], int]:
        def index_at(x: int, y: int) -> int:
            for n, (dx, dy) in enumerate(_RING):
                if _inside(x, y, c + dx * size // 48, c + dy * size // 48, 4 * size // 48):
                    return 3 if n // 2 == step else 1
            return 2 if _inside(x, y, c, c, 3) else 0

        return index_at

    return gif_animation(size, size, [frame(step) for step in range(4)], palette)


def wave_gif(width: int = 64, height: int = 32) -> bytes:
    """A blue wave that rolls across in four frames."""
    heights = [0, 1, 3, 4, 5, 4, 3, 1]

    def frame(step: int) -> Callable[[int, int], int]:
        def index_at(x: int, y: int) -> int:
            crest = height // 2 - heights[(x // 4 + step * 2) % 8]
            if y >= crest + 3:
                return 1
            return 3 if y >= crest else 0

        return index_at

    return gif_animation(width, height, [frame(s) for s in range(4)],
                         [(255, 255, 255), (28, 92, 170), (18, 49, 43), (170, 214, 240)])


MENU = [("Grilled fish tacos", "$12"), ("Harbor chowder", "$9"), ("Garden salad", "$8"),
        ("Lemon tart", "$6"), ("Iced tea", "$3")]


def build() -> dict[str, bytes]:
    """Every example file, keyed by its path relative to ``examples/``."""
    logo = logo_png()
    menu = pdf_page("Harbor Cafe - Lunch", MENU)
    card = vcard("Ada Lovelace", "Harbor Cafe", "+14155550100", "hello@harbor.example",
                 "https://harbor.example")
    sunset = bands_png(120, 80, [(44, 30, 80), (120, 50, 110), (230, 110, 80), (250, 180, 90),
                                 (255, 230, 150)])
    return {
        "campaign/assets/images/banner.jpg": scene_jpeg(
            160, 96, (116, 44, 16), ((120, 180, 235), (250, 200, 150)), (24, 70, 130), tag=True),
        "campaign/assets/images/logo.png": logo,
        "campaign/assets/images/spinner.gif": spinner_gif(),
        "campaign/assets/menu.pdf": menu,
        "campaign/assets/contact.vcf": card,
        "single-file/logo.png": logo,
        "folder/media/photos/beach.jpg": scene_jpeg(
            128, 80, (32, 26, 12), ((90, 160, 230), (200, 230, 250)), (30, 110, 150), tag=False),
        "folder/media/photos/sunset.png": sunset,
        "folder/media/stickers/wave.gif": wave_gif(),
        "folder/media/drafts/sketch.png": logo_png(48, (200, 200, 200)),
        "folder/media/.notes.txt": b"Hidden: MediaAssets skips this file.\n",
        "from-config/media/logo.png": logo,
        "from-config/media/menu.pdf": menu,
        "from-config/media/contact.vcf": card,
        "adopt/logo.png": logo,
        "yaml/media/logo.png": logo,
        "yaml/media/menu.pdf": menu,
        "typescript/media/logo.png": logo,
        "typescript/media/contact.vcf": card,
        "two-accounts/media/harbor-logo.png": logo,
        "two-accounts/media/harbor-menu.pdf": menu,
        "two-accounts/media/sunset-logo.png": logo_png(96, (214, 64, 52)),
    }


def generate(root: Path) -> list[Path]:
    """Write every example file under ``root``; return the paths written."""
    written = []
    for relative, data in build().items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write into (default: the examples folder)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file is missing or differs")
    args = parser.parse_args(argv)
    if args.check:
        stale = [rel for rel, data in build().items()
                 if not (args.root / rel).is_file() or (args.root / rel).read_bytes() != data]
        for rel in stale:
            print(f"{rel}: missing or different; run python examples/generate_assets.py")
        return 1 if stale else 0
    for path in generate(args.root):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
