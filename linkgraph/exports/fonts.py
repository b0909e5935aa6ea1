"""The TrueType fonts exhibit PDFs embed (a court's PDF reader shows what we drew, on any machine),
and how a character no installed font has is written: as its code point and Unicode name, never '?'.

DejaVu Sans (Debian/Ubuntu `fonts-dejavu-core`) when installed: Latin, Greek, Cyrillic and many
symbols; else Bitstream Vera, which reportlab ships. Symbola (`fonts-symbola`), when installed, draws
symbols DejaVu lacks (☺, ✓...). Both are looked up in the usual system font folders only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
             Path("/Library/Fonts"), Path("C:/Windows/Fonts"))
REGULAR, BOLD, SYMBOLS = "LinkgraphSans", "LinkgraphSans-Bold", "LinkgraphSymbols"


@dataclass(frozen=True)
class Fonts:
    """Registered reportlab font names and the files behind them."""

    regular: str
    bold: str
    symbols: str | None
    files: tuple[Path, ...]


def _find(name: str) -> Path | None:
    for folder in FONT_DIRS:
        if folder.is_dir():
            found = next(iter(sorted(folder.rglob(name))), None)
            if found is not None:
                return found
    return None


@cache
def fonts() -> Fonts:
    """Register the exhibit's fonts once: DejaVu Sans (else reportlab's Vera) and Symbola when present."""
    regular, bold = _find("DejaVuSans.ttf"), _find("DejaVuSans-Bold.ttf")
    if regular is None or bold is None:
        shipped = resources.files("reportlab").joinpath("fonts")
        regular, bold = Path(str(shipped.joinpath("Vera.ttf"))), Path(str(shipped.joinpath("VeraBd.ttf")))
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    symbols_file = _find("Symbola_hint.ttf") or _find("Symbola.ttf")
    symbols = None
    if symbols_file is not None:
        try:
            pdfmetrics.registerFont(TTFont(SYMBOLS, str(symbols_file)))
            symbols = SYMBOLS
        except Exception:                       # a font reportlab cannot read is simply not used
            symbols_file = None
    files = tuple(p for p in (regular, bold, symbols_file) if p is not None)
    return Fonts(REGULAR, BOLD, symbols, files)


@cache
def _covers(font_name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def has_glyph(font_name: str, char: str) -> bool:
    return ord(char) in _covers(font_name)


def spelled(char: str) -> str:
    """A character no font draws, written out: '[U+1F4AF HUNDRED POINTS SYMBOL]'."""
    name = unicodedata.name(char, "")
    return f"[U+{ord(char):04X}{' ' + name if name else ''}]"


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Me", "Cf") or char in "\ufe0e\ufe0f"


def plain(text: str) -> str:
    """Text for one font run (chart labels): what the main font lacks is spelled out."""
    face = fonts().regular
    out = []
    for char in text:
        if has_glyph(face, char) or char in "\n\t":
            out.append(char)
        elif not _invisible(char):
            out.append(spelled(char))
    return "".join(out)


def markup(text: str) -> str:
    """Paragraph markup of `text`, escaped: characters the main font lacks are drawn in the symbol font
    when it has them, else spelled out."""
    loaded = fonts()
    out = []
    for char in text:
        if has_glyph(loaded.regular, char):
            out.append(escape(char))
        elif loaded.symbols and ord(char) <= 0xFFFF and has_glyph(loaded.symbols, char):
            # (reportlab's text layer maps only the Basic Multilingual Plane: an emoji beyond it would be
            # drawn right but copied and searched as another character, so it is spelled out instead)
            out.append(f'<font name="{loaded.symbols}">{escape(char)}</font>')
        elif not _invisible(char):
            out.append(escape(spelled(char)))
    return "".join(out)
