"""Value tokens, units and names as printed in the reports (docs/report-families.md 1.3, 1.4, 5).

Every parser goes through these helpers so that one printed token means one thing everywhere.
Amounts are exact `Decimal`s: never binary floats.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .periods import full_year

# Full-width digits and punctuation that HWP/PDF exports leave in numbers.
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．－％", "0123456789,.-%")
_SPACES = re.compile(r"[\u00a0\u2002\u2003\u2009\u202f\u3000]")
# Any character normalize_text changes: most text has none, and str.translate is slow on Hangul.
_TO_NORMALIZE = re.compile("[" + "".join(map(chr, _FULLWIDTH)) + "\u00a0\u2002\u2003\u2009\u202f\u3000]")

UNIT_FACTORS: dict[str, int] = {
    "원": 1,
    "천원": 1_000,
    "백만원": 1_000_000,
    "억원": 100_000_000,
    "억": 100_000_000,
}
MONEY_UNITS = tuple(sorted(UNIT_FACTORS, key=len, reverse=True))
COUNT_UNITS = ("개사", "건", "명", "회", "개", "편", "종", "대", "%")


def normalize_text(text: str) -> str:
    """Full-width digits to ASCII, exotic spaces to plain spaces; nothing else changes."""
    if text.isascii() or _TO_NORMALIZE.search(text) is None:
        return text
    return _SPACES.sub(" ", text.translate(_FULLWIDTH))


_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")  # real tags only: '<연도별 실적>' is text
_BOLD = re.compile(r"<b\b|<strong\b", re.I)
_MD_BOLD = re.compile(r"\*\*")
_ESCAPE = re.compile(r"\\([_*\[\]#<>\-])")
_BLOCK_TAG = re.compile(r"</?(li|p|br|tr|td|th|ul|ol|table)\b[^>]*>", re.I)


def strip_html(text: str) -> tuple[str, bool]:
    """Cell text with HTML tags removed and entities decoded; the flag says whether `<b>` was there."""
    bold = False
    # Block tags separate words; inline tags do not.
    if "<" in text:
        bold = _BOLD.search(text) is not None
        text = _BLOCK_TAG.sub(" ", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    # Whitespace runs to one space, stripped (str.split and the regex \s agree on what whitespace is).
    return " ".join(_normalize_text(text).split()), bold


def strip_markup(text: str) -> str:
    """HTML, markdown bold and escapes removed; used for headings and prose lines."""
    text, _ = strip_html(text)
    if "*" not in text and "\\" not in text:
        return text  # strip_html already collapsed the whitespace
    text = _ESCAPE.sub(r"\1", _MD_BOLD.sub("", text))
    return " ".join(text.split())


_SPACED_RUN = re.compile(r"(?:^|\s)\S(?:\s\S){1,}(?=\s|$)")


def clean_name(raw: str) -> str:
    """Markup removed and per-character spacing collapsed: 'S W 융 합 클 러 스 터' -> 'SW융합클러스터'.

    A name with two or more consecutive one-character tokens loses all its spaces (docs/report-families.md 5.2);
    other names keep their word spaces.
    """
    text = strip_markup(raw)
    tokens = text.split(" ")
    if any(len(a) == 1 and len(b) == 1 for a, b in zip(tokens, tokens[1:])):
        text = "".join(tokens)
    return _fix_rnd(text)


_RND = re.compile(r"\bR\s*&\s*D\b")
_BIRND = re.compile(r"\bBIR&D\b")


def _fix_rnd(text: str) -> str:
    """'R & D' -> 'R&D', 'BIR&D' / '비 R&D' -> '비R&D' (all need an '&')."""
    if "&" not in text:
        return text
    text = _RND.sub("R&D", text)
    text = _BIRND.sub("비R&D", text)
    return text.replace("비 R&D", "비R&D")


_DOTS = re.compile(r"[·ㆍ・]")


def squash(text: str) -> str:
    """Key for comparing labels printed with different spacing or middle dots."""
    # strip_markup leaves no whitespace but single spaces
    text = strip_markup(text).replace(" ", "")
    if "·" in text or "ㆍ" in text or "・" in text:
        text = _DOTS.sub("", text)
    return text


@dataclass(frozen=True)
class Value:
    """A printed value token read as docs/report-families.md 1.3 says.

    `number` is None for blank, dash, masked and text cells; `flag` tells which.
    `scale` is the number of decimals printed (24.750 -> 3) so a copy can be compared at its precision.
    """

    printed: str
    number: Decimal | None
    flag: str | None = None  # 'blank' | 'dash' | 'masked' | 'text'
    unit: str | None = None
    scale: int = 0
    companion: Decimal | None = None  # '8.00 (71.72)' -> 71.72
    footnote: bool = False  # trailing '*'

    @property
    def is_number(self) -> bool:
        return self.number is not None

    @property
    def in_sums(self) -> Decimal:
        """The value as it enters a sum: dash counts as 0, unknown values raise."""
        if self.number is not None:
            return self.number
        if self.flag == "dash":
            return Decimal(0)
        raise ValueError(f"{self.printed!r} has no value to add")


_NUMBER = r"[△▲\-−]?\s?\d[\d,]*(?:\.\d+)?"
_VALUE = re.compile(
    rf"^(?P<num>{_NUMBER})\s*(?P<unit>{'|'.join(MONEY_UNITS + COUNT_UNITS)})?"
    rf"(?:\s*\((?P<comp>{_NUMBER})\))?\s*(?P<star>\*)?$"
)
_DASHES = {"-", "−", "–", "—", "- - -", "--", "---"}


_SPACE_GROUPS = re.compile(r"^(?P<sign>[△▲\-−]\s?)?(?P<digits>\d{1,3}(?: \d{3})+)(?=(?:\.\d+)?\s*\D*$)")


_PLAIN_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_MASKED = re.compile(r"\*+\S*")


def parse_number(token: str) -> Decimal:
    """'△3,500' -> Decimal('-3500'); raises ValueError on anything that is not one number."""
    text = _normalize_text(token).strip().replace(" ", "")
    negative = text[:1] in "△▲-−"
    if negative:
        text = text[1:]
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError(f"not a number: {token!r}")
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex above guards this
        raise ValueError(f"not a number: {token!r}") from exc
    return -number if negative else number


def parse_value(cell: str) -> Value:
    """Read one value cell: number, △n, '-', blank, masked '***', 'n (m)', 'n%', 'n*'."""
    printed = cell
    text, _ = strip_html(cell)
    text = text.strip()
    # '1 234 567' (no-break or thin spaces as thousands separators, plain spaces after normalize_text):
    # strict groups of three digits read as '1,234,567'.
    if " " in text:  # the groups are space-separated
        text = _SPACE_GROUPS.sub(lambda m: (m.group("sign") or "") + m.group("digits").replace(" ", ","), text)
    if not text:
        return Value(printed, None, "blank")
    if text in _DASHES:
        return Value(printed, None, "dash")
    if "***" in text or (text[0] == "*" and _MASKED.fullmatch(text)):
        return Value(printed, None, "masked")
    match = _VALUE.match(text)
    if not match:
        return Value(printed, None, "text")
    num = match.group("num")
    number = parse_number(num)
    scale = len(num.split(".")[1]) if "." in num else 0
    comp = match.group("comp")
    return Value(
        printed=printed,
        number=number,
        unit=match.group("unit"),
        scale=scale,
        companion=parse_number(comp) if comp else None,
        footnote=bool(match.group("star")),
    )


def is_value_like(cell: str) -> bool:
    """True for cells that read as a value (number, △n, '-', masked), false for labels and blanks."""
    value = parse_value(cell)
    return value.number is not None or value.flag in ("dash", "masked")


def to_won(amount: Decimal, unit: str) -> Decimal:
    """An amount in a printed money unit as exact won (integral when the report is exact)."""
    try:
        factor = UNIT_FACTORS[unit.replace(" ", "")]
    except KeyError:
        raise ValueError(f"unknown money unit {unit!r}; expected one of {', '.join(UNIT_FACTORS)}")
    return amount * factor


@dataclass(frozen=True)
class UnitLine:
    """A unit line such as '(2024.9.30.현재, 단위 : 천원, %)'."""

    text: str
    units: tuple[str, ...]
    as_of: str | None = None  # ISO date when the line carries one

    @property
    def money_unit(self) -> str | None:
        return next((u for u in self.units if u.replace(" ", "") in UNIT_FACTORS), None)


_UNIT_LINE = re.compile(r"^\s*[\\*]*\s*\(?(?P<body>[^()]*단위\s*[:：][^()]*)\)?\s*$")
_UNIT_WORD = re.compile(r"단위\s*[:：]")
_AS_OF = re.compile(r"'?(\d{2,4})\s*\.\s*(\d{1,2})\s*\.\s*(\d{1,2})\s*\.?\s*(?:현재|기준)")


def parse_unit_line(line: str) -> UnitLine | None:
    """The units (and as-of date) of a unit line, or None when the line is not one."""
    # Markup removal only deletes characters (entities aside): no '단' and '위', no '단위'.
    if ("단" not in line or "위" not in line) and "&" not in line:
        return None
    text = strip_markup(line)
    match = _UNIT_LINE.match(text)
    if not match:
        return None
    body = match.group("body")
    as_of = parse_as_of(body)
    units_part = _UNIT_WORD.split(body, maxsplit=1)[1]
    units = tuple(u.strip().replace(" ", "") for u in units_part.split(",") if u.strip())
    return UnitLine(text=text, units=units, as_of=as_of)


def parse_as_of(text: str) -> str | None:
    """'2024.9.30.현재' -> '2024-09-30'; "'20. 6. 30 현재" -> '2020-06-30'."""
    if "현재" not in text and "기준" not in text:
        return None
    match = _AS_OF.search(text)
    if not match:
        return None
    year = int(match.group(1))
    year = full_year(year)
    return f"{year:04d}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"


_DATE_TOKEN = re.compile(r"^'?(\d{2}|\d{4})\s*\.\s*(\d{1,2})\s*\.\s*(\d{1,2})\s*\.?$")


def parse_date(text: str) -> str | None:
    """A cell that is exactly one date, as ISO: '20.04.13.' -> '2020-04-13', '2024. 9. 30' ->
    '2024-09-30' (two-digit years are 20xx; trailing dot optional). None for anything else."""
    match = _DATE_TOKEN.match(strip_markup(text))
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    year = full_year(year)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


_LETTER_RUN = re.compile(r"(?<![^ ])[^ ] [^ ] [^ ](?![^ ])")  # three one-character tokens in a row


def clean_prose_name(raw: str) -> str:
    """`clean_name` for names written as Korean prose (KPI / outcome names).

    Prose has legitimate one-character words (`이끌어 갈 수 있는`, `및`), so letter spacing is collapsed
    only inside a run of three or more one-character tokens (`급 량 비` -> `급량비`), and only that
    run loses its spaces; markup is removed and `R & D` normalized as in `clean_name`.
    """
    text = strip_markup(raw)
    if _LETTER_RUN.search(text) is None:  # nothing to collapse (the text is single-spaced)
        return _fix_rnd(text)
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and len(tokens[j]) == 1:
            j += 1
        if j - i >= 3:
            out.append("".join(tokens[i:j]))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return _fix_rnd(" ".join(out))


_GROUPED = re.compile(r"(?<![\d.])\d[\d,]*,[\d,]*\d?")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def odd_grouping(text: str) -> list[str]:
    """Numbers in `text` whose thousands separators are misplaced ('1,23,456', '1234,567', '12,34'):
    `parse_number` reads their digits as printed, so they are worth a warning, not an error."""
    out = []
    if "," not in text and "，" not in text:
        return out
    for match in _GROUPED.finditer(_normalize_text(text)):
        token = match.group().rstrip(",")
        if "," in token and not _THOUSANDS.fullmatch(token):
            out.append(token)
    return out


# --- performance -------------------------------------------------------------------------------
# The parsers call these pure functions of one string many times per cell (a report of 800 KB made
# ~180,000 strip_html calls on ~30,000 distinct strings). They return immutable values (str, tuple,
# frozen Value), so a bounded memo changes nothing but the time. Bounded: memory stays flat however
# many reports one process parses.
import functools as _functools

_MEMO = 1 << 15
_MEMOIZED: list = []


def memoize(function):
    """A bounded memo of a pure function of hashable arguments with an immutable (or never mutated)
    result, forgotten by `clear_memo`. The parsers use it for their own per-cell helpers."""
    wrapped = _functools.lru_cache(maxsize=_MEMO)(function)
    _MEMOIZED.append(wrapped)
    return wrapped


# Unmemoized, for helpers whose own results are memoized or whose inputs are mostly unique tokens.
_normalize_text = normalize_text
normalize_text = memoize(normalize_text)
strip_html = memoize(strip_html)
strip_markup = memoize(strip_markup)
clean_name = memoize(clean_name)
clean_prose_name = memoize(clean_prose_name)
squash = memoize(squash)
parse_value = memoize(parse_value)
parse_unit_line = memoize(parse_unit_line)  # frozen UnitLine
is_value_like = memoize(is_value_like)


def clear_memo() -> None:
    """Forget the memoized strings (for measurements that must start cold)."""
    for function in _MEMOIZED:
        function.cache_clear()
