#!/usr/bin/env python3
"""Generate the differential-test cases for gvm's math answer verifier.

Every case is one JSON line

    {"id": ..., "response": ..., "gold": ..., "expected": true|false,
     "kind": ..., "source": ...}

`response` is a synthetic chain-of-thought answer built from a gold answer of
one of the public evaluation sets in the data directory; `kind` names the
transformation applied to the gold, and `expected` is the verdict a careful
human grader would give (the transformation decides it, not any verifier).

The output depends only on the data files, the seed and the library versions
(sympy prints the algebraic rewrites): the same inputs give a byte-identical
file. No network access.

Usage:
    python3 generate_cases.py [--data-dir DIR] [--out FILE] [--seed N]
    python3 generate_cases.py --review KIND   # list every candidate of a kind
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import sympy

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT / "Tests" / "Fixtures" / "data"
DEFAULT_OUT = REPO_ROOT / "Tests" / "Fixtures" / "verifier-differential" / "cases.jsonl"
DEFAULT_SEED = 20250505

SOURCES = ["math500", "aime24", "amc23", "minerva_math", "olympiad_bench"]
SOURCE_NAMES = {  # the `source` field
    "math500": "math500",
    "aime24": "aime24",
    "amc23": "amc23",
    "minerva_math": "minerva",
    "olympiad_bench": "olympiadbench",
}

# --------------------------------------------------------------------------
# Loading the gold answers
# --------------------------------------------------------------------------


@dataclass
class Item:
    source: str  # value of the `source` field
    index: int  # line number in the data file (0-based)
    gold: str  # the gold answer as a LaTeX string (no `$` delimiters)
    gold_json: object  # what goes into the case's `gold` field
    problem: str
    answer_type: str = ""  # olympiad_bench only
    multiple: bool = False  # olympiad_bench only: several answers expected


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (balanced braces), or None."""
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for k in range(brace, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : k]
    return None


def load_items(data_dir: Path) -> list[Item]:
    items: list[Item] = []

    def rows(name):
        path = data_dir / f"{name}.jsonl"
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    for i, r in enumerate(rows("math500")):
        items.append(Item("math500", i, r["answer"].strip(), r["answer"].strip(), r["problem"]))
    for i, r in enumerate(rows("aime24")):
        items.append(Item("aime24", i, str(r["answer"]).strip(), str(r["answer"]).strip(), r["problem"]))
    for i, r in enumerate(rows("amc23")):
        value = r["answer"]
        items.append(Item("amc23", i, repr(float(value)), value, r["problem"]))
    for i, r in enumerate(rows("minerva_math")):
        gold = last_boxed(r["answer"])
        if gold is None:
            continue
        items.append(Item("minerva", i, gold.strip(), gold.strip(), r["problem"]))
    for i, r in enumerate(rows("olympiad_bench")):
        answers = r["answer"] if isinstance(r["answer"], list) else [r["answer"]]
        gold = ", ".join(a.replace("$", "").strip() for a in answers).strip()
        gold = gold.rstrip(".").strip()
        items.append(
            Item(
                "olympiadbench",
                i,
                gold,
                gold,
                r["problem"],
                answer_type=r.get("answer_type") or "",
                multiple=bool(r.get("is_multiple_answer")),
            )
        )
    return items


# --------------------------------------------------------------------------
# Reading numbers and structure out of gold strings
# --------------------------------------------------------------------------

INT_RE = re.compile(r"-?\d+")
DEC_RE = re.compile(r"-?\d*\.\d+")
FRAC_RE = re.compile(r"(-?)\\([dt]?)frac\{(\d+)\}\{(\d+)\}")
FRAC_SHORT_RE = re.compile(r"(-?)\\frac\s*(\d)\s*(\d)")  # \frac43, \frac 59
FRAC_HALF_SHORT_RE = re.compile(r"(-?)\\frac\s*(\d)\s*\{(\d+)\}")  # \frac9{19}
E_RE = re.compile(r"(-?\d+(?:\.\d+)?)e(-?\d+)")  # minerva's 4.5e33
DEG_RE = re.compile(r"(-?\d+(?:\.\d+)?)\s*\^\s*(?:\\circ|\{\\circ\})")
MC_RE = re.compile(r"\\text\{\(([A-E])\)\}")
TEXT_WORD_RE = re.compile(r"\\text\{([A-Za-z]+)\}")
BAD_GOLD_RE = re.compile(r"where|arbitrary|np\.|\n|\\mho|\\quad")
# golds too idiosyncratic for a layout rewrite to be a fair test of that rewrite
ODD_GOLD_RE = re.compile(r"\*|\\exp|\\text|\\mbox|\\operatorname|\\lambda_")


def exact_number(g: str) -> Fraction | None:
    """The exact value of a plain numeric gold (integer, decimal, fraction)."""
    g = g.strip()
    if INT_RE.fullmatch(g) or DEC_RE.fullmatch(g):
        return Fraction(Decimal(g))
    m = FRAC_RE.fullmatch(g)
    if m:
        sign = -1 if m.group(1) else 1
        if int(m.group(4)) == 0:
            return None
        return sign * Fraction(int(m.group(3)), int(m.group(4)))
    return None


def is_int_gold(g: str) -> bool:
    return bool(INT_RE.fullmatch(g))


def decimal_string(value: Fraction, max_len: int = 10) -> str | None:
    """Exact decimal representation of value, when it terminates."""
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return None
    d = Decimal(value.numerator) / Decimal(value.denominator)
    s = format(d.normalize(), "f")
    return s if len(s) <= max_len else None


def frac_latex(value: Fraction, style: str = "frac") -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    return f"{sign}\\{style}{{{v.numerator}}}{{{v.denominator}}}"


OPEN = "([{"
CLOSE = ")]}"


def split_top(s: str, sep: str = ",") -> list[str]:
    """Split s at `sep` characters that are outside any bracket."""
    parts, depth, cur = [], 0, []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def outer_group(s: str) -> tuple[str, str, str] | None:
    """If s is a single bracketed group `(…)`, `\\left( … \\right)`, return
    (open, inner, close) with the delimiters as written."""
    m = re.fullmatch(r"(\\left\s*[(\[]|[(\[])(.*?)(\\right\s*[)\]]|[)\]])", s.strip(), re.S)
    if not m:
        return None
    inner = m.group(2)
    # the first delimiter must close at the very end
    depth = 0
    for ch in inner:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
            if depth < 0:
                return None
    if depth != 0:
        return None
    return m.group(1), inner, m.group(3)


def question_tail(problem: str, n: int = 260) -> str:
    """The last part of a problem statement (where the question usually is)."""
    p = re.sub(r"\[asy\].*?\[/asy\]", " ", problem, flags=re.S)
    return p[-n:]


# --------------------------------------------------------------------------
# A small LaTeX -> sympy reader for polynomial-like golds
# --------------------------------------------------------------------------

ALG_ALLOWED_RE = re.compile(r"[0-9a-zA-Z+\-^{}() /*]*")


def _replace_frac(s: str) -> str | None:
    while True:
        k = s.find("\\frac")
        if k < 0:
            return s
        j = k + len("\\frac")
        args = []
        for _ in range(2):
            while j < len(s) and s[j] == " ":
                j += 1
            if j >= len(s) or s[j] != "{":
                return None
            depth = 0
            for e in range(j, len(s)):
                if s[e] == "{":
                    depth += 1
                elif s[e] == "}":
                    depth -= 1
                    if depth == 0:
                        break
            else:
                return None
            args.append(s[j + 1 : e])
            j = e + 1
        s = s[:k] + f"(({args[0]})/({args[1]}))" + s[j:]


def latex_to_sympy(g: str):
    """Parse a restricted LaTeX polynomial/rational expression; None if the
    string uses anything outside the supported subset."""
    if E_RE.fullmatch(g.strip()) or "\\begin" in g or "$" in g:
        return None
    s = g.replace("\\left(", "(").replace("\\right)", ")").replace("\\left[", "(").replace("\\right]", ")")
    s = s.replace("\\cdot", "*")
    s = _replace_frac(s)
    if s is None or "\\" in s or not ALG_ALLOWED_RE.fullmatch(s):
        return None
    s = s.replace("{", "(").replace("}", ")").replace("^", "**")
    # tokens: numbers, single-letter symbols, operators, parens
    tokens = re.findall(r"\d+|[a-zA-Z]|\*\*|[+\-*/()]", s)
    if "".join(tokens) != s.replace(" ", ""):
        return None
    out = []
    prev = None
    for t in tokens:
        is_operand_start = t == "(" or t.isalpha() or t.isdigit()
        prev_is_operand_end = prev is not None and (prev == ")" or prev.isalpha() or prev.isdigit())
        if is_operand_start and prev_is_operand_end:
            if not (prev.isdigit() and t.isdigit()):
                out.append("*")
        out.append(t)
        prev = t
    expr_s = "".join(out)
    names = sorted({t for t in tokens if t.isalpha()})
    if "e" in names:  # Euler's number in LaTeX; keep clear of it
        return None
    local = {n: sympy.Symbol(n) for n in names}
    try:
        expr = sympy.sympify(expr_s, locals=local, rational=True)
    except Exception:  # noqa: BLE001
        return None
    if not names:
        return None
    return expr


def equivalent(a: str, b: str) -> bool | None:
    ea, eb = latex_to_sympy(a), latex_to_sympy(b)
    if ea is None or eb is None:
        return None
    return sympy.simplify(ea - eb) == 0


def split_terms(g: str) -> list[str] | None:
    """Top-level additive terms of g, each with its sign ('+' or '-') first."""
    terms, depth, cur = [], 0, ""
    s = g.strip()
    for i, ch in enumerate(s):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch in "+-" and depth == 0 and cur.strip() and not cur.rstrip().endswith(("^", "\\pm")):
            terms.append(cur.strip())
            cur = ch
        else:
            cur += ch
    terms.append(cur.strip())
    out = []
    for t in terms:
        if t.startswith("+") or t.startswith("-"):
            out.append(t[0] + t[1:].strip())
        else:
            out.append("+" + t)
    if any(len(t) < 2 for t in out):
        return None
    return out


def join_terms(terms: list[str], spaced: bool) -> str:
    s = ""
    for k, t in enumerate(terms):
        sign, body = t[0], t[1:]
        if k == 0:
            s = ("-" if sign == "-" else "") + body
        else:
            s += (f" {sign} " if spaced else sign) + body
    return s


# --------------------------------------------------------------------------
# Context from the problem statement
# --------------------------------------------------------------------------

def question_sentence(problem: str) -> str:
    """The last sentence of a problem statement (normally the question),
    ignoring a trailing parenthetical remark such as "(Please format ...)"."""
    p = re.sub(r"\[asy\].*?\[/asy\]", " ", problem, flags=re.S)
    p = re.sub(r"\$\$.*?\$\$|\\\[.*?\\\]", " MATH ", p, flags=re.S).strip()
    bounds, dollars = [0], 0
    for i, ch in enumerate(p):
        if ch == "$" and (i == 0 or p[i - 1] != "\\"):
            dollars += 1
        elif ch in ".?!:" and dollars % 2 == 0 and (i + 1 == len(p) or p[i + 1].isspace()):
            bounds.append(i + 1)
    sentences = [p[a:b].strip() for a, b in zip(bounds, bounds[1:] + [len(p)])]
    sentences = [x for x in sentences if len(x) > 3]
    while len(sentences) > 1 and (sentences[-1].startswith("(") or len(sentences[-1]) < 12 or sentences[-1] == "MATH"):
        sentences.pop()
    return sentences[-1] if sentences else ""


ANGLE_Q_RE = re.compile(
    r"in degrees|how many degrees|degree measure|number of degrees|measure of (?:the )?(?:\w+ )?(?<![A-Za-z])angle|"
    r"measure of \$\\angle|measure,? in degrees,|(?<![A-Za-z])angle [A-Z]{3}\b[^.?]*\?|\$\\angle [A-Z]{3},?\$\?",
    re.I,
)
PERCENT_Q_RE = re.compile(r"what percent|as a percent|in percent|what is the percent|by what percent|percent of", re.I)
DOLLAR_Q_RE = re.compile(
    r"how many dollars|number of dollars|in dollars(?! per)|how much money|how much (?:would|will|did|does|do) .*\bcost\b|"
    r"what was (?:their|the) profit|original price",
    re.I,
)
UNIT_WORDS = {
    "centimeters": "cm", "centimeter": "cm", "meters": "m", "kilometers": "km", "inches": "inches",
    "feet": "feet", "miles": "miles", "seconds": "s", "minutes": "minutes", "hours": "hours",
    "days": "days", "years": "years", "grams": "g", "kilograms": "kg", "units": "units",
    "square units": "square units", "square inches": "square inches", "square feet": "square feet",
    "square centimeters": "cm^2", "square meters": "m^2", "cubic units": "cubic units",
    "cubic inches": "cubic inches", "cubic feet": "cubic feet",
}
UNIT_RE = re.compile(
    r"\bin (square units|square inches|square feet|square centimeters|square meters|"
    r"cubic units|cubic inches|cubic feet|centimeters|centimeter|meters|kilometers|inches|feet|miles|"
    r"seconds|minutes|hours|days|years|grams|kilograms|units)\b(?!\s*(?:per|of|/|squared))"
)
UNIT_TEX_RE = re.compile(r"\bin \$?\s*\\(?:mathrm|text|rm)\s*\{\s*~?\s*([A-Za-z]{1,5})\s*\}\s*\$?(?!\s*[/^])")


def find_unit(item: Item) -> str | None:
    """The unit the question asks for, when it names a simple one."""
    q = question_sentence(item.problem)
    for m in (UNIT_TEX_RE.search(q), UNIT_RE.search(q)):
        if m:
            unit = m.group(1)
            return UNIT_WORDS.get(unit, unit)
    return None


VAR_Q_RE = re.compile(
    r"(?:^|\b)(?:[Cc]ompute|[Ff]ind|[Dd]etermine|[Ss]olve for|[Ww]hat is|[Ee]valuate)\s+"
    r"(?:the\s+(?:(?:smallest|least|largest|greatest|minimum|maximum|unique)\s+)?(?:possible\s+)?(?:positive\s+)?"
    r"(?:value|integer|real number|number)\s+(?:of\s+)?)?\$([a-zA-Z])\$\s*(?:[.?,]|$|such that|for which|that|if)"
    r"|[Ff]or what (?:value|integer|real number) of \$([a-zA-Z])\$"
    r"|[Ww]hat (?:integer|real number) \$([a-zA-Z])\$ satisf"
)


def find_variable(item: Item) -> str | None:
    """The single-letter unknown the question asks for ("Find $x$.")."""
    m = VAR_Q_RE.search(question_sentence(item.problem))
    if not m:
        return None
    v = next(x for x in m.groups() if x)
    if v in ("e", "i", "O", "T"):
        return None
    return v


def is_interval_item(item: Item) -> bool:
    g = item.gold
    if item.answer_type == "Interval":
        return True
    if item.answer_type == "Tuple":
        return False
    if item.source == "minerva":
        return False
    if "interval" in item.problem.lower():
        return True
    starts = re.match(r"(?:x \\in )?(?:\\left\s*)?[(\[]", g) is not None
    return starts and ("\\infty" in g or "\\cup" in g or "]" in g or g.startswith("[") or g.startswith("x \\in"))


def is_tuple_item(item: Item) -> bool:
    if item.answer_type == "Tuple":
        return True
    if item.answer_type:
        return False
    p = item.problem.lower()
    return not is_interval_item(item) and (
        "ordered" in p or "point" in p or "coordinates" in p or re.search(r"\(\s*\\?[a-z]\s*,", item.problem) is not None
    )


def list_elements(item: Item) -> list[str] | None:
    """Top-level comma separated answers of a multiple-answer gold."""
    g = item.gold
    braces = re.fullmatch(r"\\\{(.*)\\\}", g)
    body = braces.group(1) if braces else g
    if ",\\!" in body or "\\in" in body:
        return None
    parts = [p.strip() for p in split_top(body)]
    if len(parts) < 2 or any(not p for p in parts):
        return None
    if item.source == "olympiadbench" and not item.multiple:
        return None
    if item.source == "math500":
        p = item.problem.lower()
        if not (braces or "separated by commas" in p or "all the" in p or "all solutions" in p or "all values" in p):
            return None
    if len(set(parts)) != len(parts):
        return None
    if sum("=" in p for p in parts) not in (0, len(parts)):
        return None
    return parts


# --------------------------------------------------------------------------
# Transformations. Each returns a list of candidate answers (strings) for
# the item; an empty list means the kind does not apply.
# --------------------------------------------------------------------------

TRUE_KINDS: dict[str, object] = {}
FALSE_KINDS: dict[str, object] = {}


def kind(name: str, expected: bool):
    def deco(fn):
        (TRUE_KINDS if expected else FALSE_KINDS)[name] = fn
        return fn

    return deco


def plain_value_string(item: Item) -> str:
    """The gold as a plain number string where that is what a model writes
    (aime '025' -> '25', amc '27.0' -> '27')."""
    g = item.gold
    if item.source == "amc23":
        v = Fraction(Decimal(g))
        return str(v.numerator) if v.denominator == 1 else g
    if item.source == "aime24" and is_int_gold(g):
        return str(int(g))
    return g


@kind("identical", True)
def t_identical(item: Item, rng):
    if BAD_GOLD_RE.search(item.gold):
        return []
    return [item.gold]


@kind("whitespace", True)
def t_whitespace(item: Item, rng):
    g = item.gold
    if BAD_GOLD_RE.search(g) or ODD_GOLD_RE.search(g) or E_RE.search(g) or "\\mathrm" in g:
        return []
    out = []
    if " " not in g and len(g) > 1:
        s = re.sub(r",", ", ", g)
        s = re.sub(r"(?<=[\w})\]])([+=]|(?<![\^{(,])-)(?=[\w\\({])", r" \1 ", s)
        s = s.replace("{", "{ ").replace("}", " }") if s == g else s
        if s != g:
            out.append(s)
    if " " in g and not re.search(r"\\[A-Za-z]+ +[A-Za-z0-9]", g) and not re.search(r"\d +\d", g):
        s = g.replace(" ", "")
        if s != g:
            out.append(s)
    return out


@kind("frac_style", True)
def t_frac_style(item: Item, rng):
    g = item.gold
    if "\\dfrac" in g or "\\tfrac" in g:
        return [re.sub(r"\\[dt]frac", r"\\frac", g)]
    if re.search(r"\\frac\s*\{", g) and not BAD_GOLD_RE.search(g) and not ODD_GOLD_RE.search(g) and len(g) < 60:
        return [g.replace("\\frac", "\\dfrac"), g.replace("\\frac", "\\tfrac")]
    return []


@kind("frac_shorthand", True)
def t_frac_shorthand(item: Item, rng):
    g = item.gold
    if ODD_GOLD_RE.search(g) or re.search(r"\d\s*\\frac", g):  # no mixed numbers like 1\frac{4}{5}
        return []
    if re.search(r"\\frac\{\d\}\{\d\}", g):
        return [re.sub(r"\\frac\{(\d)\}\{(\d)\}", r"\\frac\1\2", g)]
    m = FRAC_SHORT_RE.fullmatch(g) or FRAC_HALF_SHORT_RE.fullmatch(g)
    if m:
        return [f"{m.group(1)}\\frac{{{m.group(2)}}}{{{m.group(3)}}}"]
    return []


@kind("decimal_for_fraction", True)
def t_decimal_for_fraction(item: Item, rng):
    m = FRAC_RE.fullmatch(item.gold)
    if not m:
        return []
    v = exact_number(item.gold)
    s = decimal_string(v, 8)
    return [s] if s and "." in s else []


@kind("fraction_for_decimal", True)
def t_fraction_for_decimal(item: Item, rng):
    g = item.gold
    if not DEC_RE.fullmatch(g) or item.source == "amc23":
        return []
    v = exact_number(g)
    if v.denominator == 1 or v.denominator > 200:
        return []
    return [frac_latex(v)]


@kind("integer_form", True)
def t_integer_form(item: Item, rng):
    g = item.gold
    if DEC_RE.fullmatch(g):
        v = exact_number(g)
        if v.denominator == 1:
            return [str(v.numerator)]
    return []


@kind("leading_zeros_removed", True)
def t_leading_zeros(item: Item, rng):
    g = item.gold
    if re.fullmatch(r"0\d+", g):
        return [str(int(g))]
    return []


@kind("left_right_removed", True)
def t_left_right_removed(item: Item, rng):
    g = item.gold
    if not ("\\left" in g and "\\right" in g) or item.source == "minerva" or "\\lfloor" in g:
        return []
    return [re.sub(r"\\(?:left|right)\s*(?=[()\[\]])", "", g)]


@kind("left_right_added", True)
def t_left_right_added(item: Item, rng):
    g = item.gold
    if "\\left" in g or BAD_GOLD_RE.search(g) or "\\{" in g or item.source == "minerva" or re.search(r"e\^|\\lfloor|\\log", g):
        return []
    grp = outer_group(g)
    if grp is None and not (is_tuple_item(item) or is_interval_item(item) or latex_to_sympy(g) is not None):
        return []
    if "(" not in g:
        return []
    s = re.sub(r"(?<!\\left)([(\[])", r"\\left\1", g)
    s = re.sub(r"(?<!\\right)([)\]])", r"\\right\1", s)
    # \left( must not swallow function arguments written with a command before them
    if re.search(r"\\[A-Za-z]+\\left", s):
        return []
    return [s]


def numeric_answer(item: Item) -> str | None:
    """The gold as the plain number a model would write, when the gold is a
    plain integer/decimal/fraction."""
    g = plain_value_string(item)
    if INT_RE.fullmatch(g) or DEC_RE.fullmatch(g) or FRAC_RE.fullmatch(g):
        return g
    return None


@kind("units_text", True)
def t_units_text(item: Item, rng):
    n, unit = numeric_answer(item), find_unit(item)
    if n is None or unit is None:
        return []
    u = re.sub(r"\^(\d)", r"^\1", unit)
    if "^" in u:
        return [f"{n}\\text{{ {u.split('^')[0]}}}^{u.split('^')[1]}"]
    return [f"{n}\\text{{ {u}}}", f"{n} \\text{{{u}}}"]


@kind("units_mathrm", True)
def t_units_mathrm(item: Item, rng):
    n, unit = numeric_answer(item), find_unit(item)
    if n is None or unit is None or " " in unit:
        return []
    if "^" in unit:
        base, exp = unit.split("^")
        return [f"{n} \\mathrm{{~{base}}}^{{{exp}}}"]
    return [f"{n} \\mathrm{{~{unit}}}", f"{n}\\mathrm{{{unit}}}"]


def degree_value(item: Item) -> str | None:
    """Number of degrees, when the gold is an angle (written with ^\\circ, or a
    plain number answering a question about an angle in degrees)."""
    m = DEG_RE.fullmatch(item.gold)
    if m:
        return m.group(1)
    n = numeric_answer(item)
    if n is not None and not FRAC_RE.fullmatch(n) and ANGLE_Q_RE.search(question_sentence(item.problem)):
        if "polynomial" in item.problem.lower():
            return None
        return n
    return None


@kind("degrees_circ", True)
def t_degrees_circ(item: Item, rng):
    d = degree_value(item)
    if d is None or re.search(r"\^\\circ", item.gold):
        return []
    return [f"{d}^\\circ", f"{d}^{{\\circ}}"]


@kind("degrees_unicode", True)
def t_degrees_unicode(item: Item, rng):
    d = degree_value(item)
    return [f"{d}°"] if d is not None else []


@kind("degrees_removed", True)
def t_degrees_removed(item: Item, rng):
    m = DEG_RE.fullmatch(item.gold)
    return [m.group(1)] if m else []


@kind("percent_added", True)
def t_percent(item: Item, rng):
    n = numeric_answer(item)
    if n is None or FRAC_RE.fullmatch(n) or "%" in item.gold:
        return []
    if not PERCENT_Q_RE.search(question_sentence(item.problem)) or "percent sign" in item.problem:
        return []
    return [f"{n}\\%", f"{n} \\%"]


@kind("dollar_added", True)
def t_dollar(item: Item, rng):
    g = item.gold
    m = re.fullmatch(r"\\\$(.*)", g)
    if m:  # gold carries the dollar sign: answer without it
        return [m.group(1).replace(",\\!", ",")]
    n = numeric_answer(item)
    if n is None or FRAC_RE.fullmatch(n) or n.startswith("-"):
        return []
    q = question_sentence(item.problem)
    if not (DOLLAR_Q_RE.search(q) and ("dollar" in item.problem or "\\$" in item.problem)) or "cents" in q:
        return []
    return [f"\\${n}", f"\\$ {n}"]


def big_int(item: Item) -> int | None:
    g = plain_value_string(item)
    if INT_RE.fullmatch(g) and abs(int(g)) >= 1000:
        return int(g)
    return None


def group_thousands(n: int, sep: str) -> str:
    s = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + s


@kind("thousands_comma", True)
def t_thousands_comma(item: Item, rng):
    n = big_int(item)
    return [group_thousands(n, ",")] if n is not None else []


@kind("thousands_braced_comma", True)
def t_thousands_braced(item: Item, rng):
    n = big_int(item)
    return [group_thousands(n, "{,}")] if n is not None else []


@kind("thousands_thinspace", True)
def t_thousands_thin(item: Item, rng):
    n = big_int(item)
    return [group_thousands(n, "\\,")] if n is not None else []


@kind("thousands_removed", True)
def t_thousands_removed(item: Item, rng):
    g = item.gold
    if re.fullmatch(r"-?\d{1,3}(?:,(?:\\!)? ?\d{3})+", g):
        return [re.sub(r",(?:\\!)? ?", "", g)]
    return []


@kind("variable_prefix", True)
def t_variable_prefix(item: Item, rng):
    v = find_variable(item)
    if v is None:
        return []
    g = plain_value_string(item)
    if "=" in g or BAD_GOLD_RE.search(g) or "," in g or len(g) > 30:
        return []
    if not (numeric_answer(item) or "\\sqrt" in g or "\\pi" in g):
        return []
    return [f"{v} = {g}", f"{v}={g}"]


def sci_parts(item: Item) -> tuple[str, int] | None:
    """(mantissa, exponent) of the gold: from minerva's `4.5e33`, or from a
    decimal/integer that a model would plausibly write in scientific notation."""
    g = item.gold
    m = E_RE.fullmatch(g)
    if m:
        return m.group(1), int(m.group(2))
    if item.source == "amc23" or item.source == "aime24":
        return None
    if INT_RE.fullmatch(g) or DEC_RE.fullmatch(g):
        d = Decimal(g)
        if d == 0:
            return None
        sign, digits, exp = d.normalize().as_tuple()
        e10 = len(digits) - 1 + exp
        if -2 < e10 < 4:
            return None
        if item.source != "minerva" and len(digits) > 3:
            return None  # only round-looking numbers are written this way outside physics
        mant = "".join(str(x) for x in digits)
        mant = mant[0] + ("." + mant[1:] if len(mant) > 1 else "")
        return ("-" if sign else "") + mant, e10
    return None


@kind("sci_notation_times", True)
def t_sci_times(item: Item, rng):
    p = sci_parts(item)
    if p is None:
        return []
    mant, e = p
    return [f"{mant} \\times 10^{{{e}}}", f"{mant}\\times10^{{{e}}}", f"{mant} \\cdot 10^{{{e}}}"]


@kind("sci_notation_e", True)
def t_sci_e(item: Item, rng):
    p = sci_parts(item)
    if p is None:
        return []
    mant, e = p
    if E_RE.fullmatch(item.gold):
        return [f"{mant}E{e}", f"{mant}e{e:+d}" if e > 0 else f"{mant}E{e}"]
    return [f"{mant}e{e}"]


@kind("set_reordered", True)
def t_set_reordered(item: Item, rng):
    parts = list_elements(item)
    if not parts:
        return []
    out = []
    rev = list(reversed(parts))
    out.append(", ".join(rev))
    out.append("\\{" + ", ".join(rev) + "\\}")
    if len(parts) > 2:
        rot = parts[1:] + parts[:1]
        out.append(",".join(rot))
    return out


@kind("sqrt_braces", True)
def t_sqrt_braces(item: Item, rng):
    g = item.gold
    if ODD_GOLD_RE.search(g):
        return []
    if re.search(r"\\sqrt\{\d\}", g):
        return [re.sub(r"\\sqrt\{(\d)\}", r"\\sqrt\1", g)]
    if re.search(r"\\sqrt\d", g):
        return [re.sub(r"\\sqrt(\d)", r"\\sqrt{\1}", g)]
    return []


def same_modulo_layout(a: str, b: str) -> bool:
    """Equal up to spaces, braces, \\left/\\right and the order of factors'
    spacing: a rewrite that only changes layout is not an algebraic rewrite."""
    norm = lambda x: re.sub(r"\\left|\\right|[\s{}]", "", x)
    return norm(a) == norm(b)


def _alg_gold(item: Item):
    g = item.gold
    if "=" in g or "," in g or len(g) > 80:
        return None
    return latex_to_sympy(g)


@kind("algebraic_expanded", True)
def t_alg_expanded(item: Item, rng):
    e = _alg_gold(item)
    if e is None:
        return []
    s = sympy.latex(sympy.expand(e))
    if same_modulo_layout(s, item.gold) or equivalent(s, item.gold) is not True:
        return []
    if sympy.count_ops(sympy.expand(e)) > 3 * max(1, sympy.count_ops(e)) + 6:
        return []
    return [s]


@kind("algebraic_factored", True)
def t_alg_factored(item: Item, rng):
    e = _alg_gold(item)
    if e is None:
        return []
    f = sympy.factor(e)
    s = sympy.latex(f)
    if same_modulo_layout(s, item.gold) or same_modulo_layout(s, sympy.latex(sympy.expand(e))):
        return []
    if equivalent(s, item.gold) is not True:
        return []
    return [s]


@kind("terms_reordered", True)
def t_terms_reordered(item: Item, rng):
    g = item.gold
    if "=" in g or "," in g or "\\pm" in g or BAD_GOLD_RE.search(g):
        return []
    terms = split_terms(g)
    if not terms or len(terms) < 2:
        return []
    out = []
    if "\\begin" in g or "$" in g or E_RE.search(g) or re.search(r"\\l(?:floor|ceil)|e\^", g):
        return []
    # golds that the sympy reader cannot check must be plain numbers with
    # radicals, pi or i, where reordering two terms is obviously harmless
    simple = re.sub(r"\\sqrt\{\d+\}|\\pi|\^\{?\d\}?", "", g)
    for spaced in (True, False):
        s = join_terms(list(reversed(terms)), spaced)
        if s.replace(" ", "") != g.replace(" ", ""):
            ok = equivalent(s, g)
            if ok is True or (ok is None and re.fullmatch(r"[\d\s+\-i]+", simple)):
                out.append(s)
    return out


@kind("mc_letter_bare", True)
def t_mc_bare(item: Item, rng):
    m = MC_RE.fullmatch(item.gold)
    if not m:
        return []
    L = m.group(1)
    return [L, f"({L})", f"\\text{{{L}}}", f"\\textbf{{({L})}}"]


@kind("text_unwrapped", True)
def t_text_unwrapped(item: Item, rng):
    m = TEXT_WORD_RE.fullmatch(item.gold)
    if not m or MC_RE.fullmatch(item.gold):
        return []
    return [m.group(1), f"\\textbf{{{m.group(1)}}}", f"\\mbox{{{m.group(1)}}}"]


# ---- near misses -----------------------------------------------------------


@kind("off_by_one", False)
def f_off_by_one(item: Item, rng):
    g = plain_value_string(item)
    m = DEG_RE.fullmatch(item.gold)
    if m and INT_RE.fullmatch(m.group(1)):
        n = int(m.group(1))
        return [f"{n + 1}^\\circ", f"{n - 1}^\\circ"]
    if not INT_RE.fullmatch(g):
        return []
    n = int(g)
    return [str(n + 1), str(n - 1)]


@kind("wrong_sign", False)
def f_wrong_sign(item: Item, rng):
    g = plain_value_string(item)
    if BAD_GOLD_RE.search(g) or "," in g or "=" in g or "\\pm" in g:
        return []
    v = exact_number(g)
    numeric_like = v is not None or E_RE.fullmatch(g) or re.fullmatch(r"-?\d*\\sqrt\{?\d+\}?|-?\\frac\{\d*\\sqrt\{\d+\}\}\{\d+\}|-?\d*\\pi", g)
    if not numeric_like or v == 0:
        return []
    if g.startswith("-"):
        return [g[1:]]
    return ["-" + g]


@kind("tuple_swapped", False)
def f_tuple_swapped(item: Item, rng):
    g = item.gold
    if not is_tuple_item(item) or BAD_GOLD_RE.search(g):
        return []
    grp = outer_group(g)
    if grp is not None:  # a single tuple
        op, inner, cl = grp
        parts = split_top(inner)
        if len(parts) < 2:
            return []
        stripped = [p.strip() for p in parts]
        for a in range(len(parts) - 1):
            if stripped[a] != stripped[a + 1]:
                swapped = parts[:]
                swapped[a], swapped[a + 1] = parts[a + 1], parts[a]
                s = op + ",".join(swapped) + cl
                bare = ", ".join(p.strip() for p in swapped)
                return [s, bare] if len(parts) == 2 else [s]
        return []
    # a list of tuples: swap inside the first tuple whose first two entries differ
    tuples = list(re.finditer(r"\(([^()]*)\)", g))
    for t in tuples:
        parts = split_top(t.group(1))
        if len(parts) >= 2 and parts[0].strip() != parts[1].strip():
            sw = [parts[1], parts[0]] + parts[2:]
            swapped = "(" + ",".join(sw) + ")"
            norm = lambda x: x.replace(" ", "")
            if any(norm(u.group(0)) == norm(swapped) for u in tuples):
                continue
            return [g[: t.start()] + swapped + g[t.end() :]]
    return []


@kind("interval_bracket", False)
def f_interval_bracket(item: Item, rng):
    g = item.gold
    if not is_interval_item(item) or BAD_GOLD_RE.search(g):
        return []
    m = re.match(r"(x \\in )?(\\left\s*)?([(\[])", g)
    if not m:
        return []
    open_pos = m.start(3)
    # first endpoint
    rest = g[open_pos + 1 :]
    depth, k = 0, 0
    for k, ch in enumerate(rest):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            if depth == 0:
                break
            depth -= 1
    first_interval = rest[:k]
    close_pos = open_pos + 1 + k
    first_ep = split_top(first_interval)[0]
    toggle = {"(": "[", "[": "(", ")": "]", "]": ")"}
    if "\\infty" not in first_ep:
        pos = open_pos
    else:
        pos = close_pos
        if "\\infty" in split_top(first_interval)[-1]:
            return []
    return [g[:pos] + toggle[g[pos]] + g[pos + 1 :]]


@kind("fraction_flipped", False)
def f_fraction_flipped(item: Item, rng):
    g = item.gold
    m = re.fullmatch(r"(-?)\\([dt]?)frac\{([^{}]*(?:\{[^{}]*\}[^{}]*)?)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)?)\}", g)
    if not m:
        return []
    sign, style, a, b = m.groups()
    if a.strip() == b.strip():
        return []
    if not re.fullmatch(r"[\d\\sqrt{} ]+|[\d ]*\\pi|\d+", a) or not re.fullmatch(r"[\d\\sqrt{} ]+|\d+", b):
        return []
    if a.strip() == "1":
        return [f"{sign}{b.strip()}"]
    return [f"{sign}\\{style}frac{{{b}}}{{{a}}}"]


@kind("sci_exponent_off", False)
def f_sci_exponent_off(item: Item, rng):
    p = sci_parts(item)
    if p is None:
        return []
    mant, e = p
    d = 1 if e < 0 else -1
    if E_RE.fullmatch(item.gold):
        return [f"{mant}e{e + d}", f"{mant}e{e - d}", f"{mant} \\times 10^{{{e + d}}}"]
    return [f"{mant}e{e + d}", f"{mant} \\times 10^{{{e - d}}}"]


@kind("similar_expression", False)
def f_similar_expression(item: Item, rng):
    g = item.gold
    if "=" in g or "," in g or latex_to_sympy(g) is None:
        return []
    out = []
    terms = split_terms(g)
    if terms and len(terms) >= 2:
        k = len(terms) - 1
        t = terms[k]
        flipped = terms[:k] + [("-" if t[0] == "+" else "+") + t[1:]]
        out.append(join_terms(flipped, " " in g))
    m = list(re.finditer(r"\^(\d)(?!\d)|\^\{(\d)\}", g))
    if len(m) == 1:
        last = m[-1]
        e = int(last.group(1) or last.group(2))
        new_e = e + 1 if e < 9 else e - 1
        out.append(g[: last.start()] + last.group(0).replace(str(e), str(new_e)) + g[last.end() :])
    return [s for s in out if equivalent(s, g) is False]


@kind("mc_letter_wrong", False)
def f_mc_wrong(item: Item, rng):
    m = MC_RE.fullmatch(item.gold)
    if not m:
        return []
    L = m.group(1)
    others = [x for x in "ABCDE" if x != L]
    return [f"\\text{{({o})}}" for o in others] + [o for o in others] + [f"({o})" for o in others]


@kind("set_missing_element", False)
def f_set_missing(item: Item, rng):
    parts = list_elements(item)
    if not parts:
        return []
    return [", ".join(parts[:-1]), ", ".join(parts[1:])]


# Kinds whose response is built specially (not "working + final answer").
SPECIAL_FALSE_KINDS = ["empty_boxed", "truncated_working", "unclosed_boxed"]


def special_applicable(item: Item) -> bool:
    g = item.gold
    return not BAD_GOLD_RE.search(g) and len(g) <= 60


# --------------------------------------------------------------------------
# Response text
# --------------------------------------------------------------------------

OPENERS = [
    "Let's work through this step by step.",
    "I'll start by organizing the given information.",
    "We need to set up the problem carefully before computing anything.",
    "Let me think about what the problem is asking.",
    "First, let's understand the structure of the problem.",
    "To solve this, I'll break it into smaller steps.",
]
RESTATE = [
    "We are told: {snippet}",
    "The problem states: {snippet}",
    "Restating the setup: {snippet}",
]
MIDDLES = [
    "Rewriting the given condition in a more convenient form simplifies the algebra considerably.",
    "Collecting like terms, most of the expression cancels.",
    "Applying the relevant formula and substituting the known values gives the quantity we need.",
    "There are two cases to consider, and only one of them is consistent with the constraints.",
    "Using the given relationships, we can eliminate one of the unknowns.",
    "A quick sanity check on the sizes of the numbers involved confirms we are on the right track.",
    "Substituting back into the original statement confirms that the computation is consistent.",
    "Note that the expression is symmetric, so we only need to handle one configuration.",
    "The intermediate value is ${k} = {n}$, which we will use in the next step.",
    "Multiplying both sides by ${n}$ clears the denominators.",
    "From the first relation we obtain ${k} = {n}$, and the second relation then follows directly.",
    "Counting carefully, there are ${n}$ configurations to check in total.",
]
FINAL_BOXED = [
    "Therefore, the final answer is $\\boxed{{{a}}}$.",
    "So the answer is $\\boxed{{{a}}}$.",
    "Thus, we get\n\\[\n\\boxed{{{a}}}\n\\]",
    "Putting this together, the result is $\\boxed{{{a}}}$.",
    "Hence $\\boxed{{{a}}}$ is the answer.",
]
FINAL_FBOX = [
    "Therefore, the final answer is $\\fbox{{{a}}}$.",
    "So the result is $\\fbox{{{a}}}$.",
]
FINAL_ANSWER_IS_PLAIN = ["The answer is {a}.", "So the answer is {a}."]
FINAL_ANSWER_IS_TEX = ["The answer is ${a}$.", "Therefore, the answer is ${a}$."]
FINAL_MINERVA = ["Final Answer: The final answer is ${a}$. I hope it is correct."]
FINAL_GSM = ["#### {a}"]
FINAL_DOLLAR = ["So the final answer is ${a}$.", "Thus the final answer is ${a}$."]

TRUNCATED = [
    "Solving the resulting equation gives ${g}$ as a candidate, but we still need to check whether it satisfies the condition that",
    "So far this gives {g}. Before concluding, let me double-check the case where the",
    "Hmm, that gives ${g}$, which seems plausible. Let me re-examine the step where we",
    "Plugging in, we get ${g}$ for this case; however, if the other configuration is allowed, then the denomin",
    "This would give ${g}$, assuming the previous step is right. Wait, I should recompute the sum, because",
    "Combining the two cases we arrive at {g}, provided that none of the excluded values",
]

PLAIN_ANSWER_RE = re.compile(r"-?[\d.,]+")


def problem_snippet(problem: str) -> str | None:
    p = re.sub(r"\[asy\].*?\[/asy\]", " ", problem, flags=re.S).strip()
    p = re.sub(r"\s+", " ", p)
    dollars = 0
    for i, ch in enumerate(p):
        if ch == "$" and (i == 0 or p[i - 1] != "\\"):
            dollars += 1
        if ch in ".?" and dollars % 2 == 0 and (i + 1 == len(p) or p[i + 1] == " "):
            s = p[: i + 1]
            break
    else:
        return None
    if len(s) > 220 or len(s) < 20:
        return None
    if re.search(r"answer|boxed|####|final|\\\\|\\begin", s, re.I):
        return None
    return s


def working(rng: random.Random, item: Item) -> str:
    paras = [rng.choice(OPENERS)]
    snippet = problem_snippet(item.problem)
    if snippet and rng.random() < 0.6:
        paras[0] += " " + rng.choice(RESTATE).format(snippet=snippet)
    middles = rng.sample(MIDDLES, rng.randint(2, 3))
    body = []
    for m in middles:
        body.append(m.format(k=rng.choice("abmt"), n=rng.randint(2, 60)))
    paras.append(" ".join(body))
    return "\n\n".join(paras)


def final_line(rng: random.Random, answer: str, fmt: str) -> str:
    table = {
        "boxed": FINAL_BOXED,
        "fbox": FINAL_FBOX,
        "answer_is": FINAL_ANSWER_IS_PLAIN if PLAIN_ANSWER_RE.fullmatch(answer.strip()) else FINAL_ANSWER_IS_TEX,
        "minerva": FINAL_MINERVA,
        "gsm8k": FINAL_GSM,
        "final_dollar": FINAL_DOLLAR,
    }
    return rng.choice(table[fmt]).format(a=answer)


FORMATS = ["boxed", "fbox", "answer_is", "minerva", "gsm8k", "final_dollar"]
FORMAT_WEIGHTS = [44, 8, 12, 16, 8, 12]


def choose_format(rng: random.Random, answer: str) -> str:
    while True:
        fmt = rng.choices(FORMATS, FORMAT_WEIGHTS)[0]
        if fmt == "gsm8k" and not PLAIN_ANSWER_RE.fullmatch(answer.strip()):
            continue
        if fmt == "answer_is" and answer.strip() == "":
            continue
        return fmt


def build_response(rng: random.Random, item: Item, answer: str) -> str:
    fmt = choose_format(rng, answer)
    return working(rng, item) + "\n\n" + final_line(rng, answer, fmt)


def mention_form(item: Item) -> str:
    return plain_value_string(item)


def build_special(rng: random.Random, item: Item, kind_name: str) -> str:
    g = mention_form(item)
    w = working(rng, item)
    if kind_name == "empty_boxed":
        if rng.random() < 0.5:
            w += f"\n\nThis gives ${g}$ after simplification."
        return w + "\n\n" + rng.choice(["Therefore, the final answer is $\\boxed{}$.", "So the answer is $\\boxed{}$.", "\\[\n\\boxed{}\n\\]"])
    if kind_name == "truncated_working":
        t = rng.choice(TRUNCATED)
        if "$" in t and PLAIN_ANSWER_RE.fullmatch(g) and rng.random() < 0.4:
            t = t.replace("${g}$", "{g}")
        return w + "\n\n" + t.format(g=g)
    if kind_name == "unclosed_boxed":
        if rng.random() < 0.5 or len(g) < 2:
            cut = g  # the whole answer, but the box and the sentence never close
        else:
            cut = g[: rng.randint(1, len(g) - 1)]
        lead = rng.choice(["Therefore, the final answer is $\\boxed{", "So the answer is $\\boxed{", "Thus\n\\[\n\\boxed{"])
        return w + "\n\n" + lead + cut
    raise ValueError(kind_name)


# --------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------

# How many cases of each kind to draw (fewer where fewer golds qualify).
QUOTAS = {
    # equivalent rewrites
    "identical": 45,
    "whitespace": 18,
    "frac_style": 16,
    "frac_shorthand": 12,
    "decimal_for_fraction": 16,
    "fraction_for_decimal": 12,
    "integer_form": 18,
    "leading_zeros_removed": 7,
    "left_right_removed": 6,
    "left_right_added": 10,
    "units_text": 13,
    "units_mathrm": 12,
    "degrees_circ": 10,
    "degrees_unicode": 14,
    "degrees_removed": 6,
    "percent_added": 3,
    "dollar_added": 6,
    "thousands_comma": 12,
    "thousands_braced_comma": 10,
    "thousands_thinspace": 12,
    "thousands_removed": 3,
    "variable_prefix": 16,
    "sci_notation_times": 14,
    "sci_notation_e": 14,
    "set_reordered": 16,
    "sqrt_braces": 12,
    "algebraic_expanded": 10,
    "algebraic_factored": 10,
    "terms_reordered": 12,
    "mc_letter_bare": 3,
    "text_unwrapped": 5,
    # near misses
    "off_by_one": 60,
    "wrong_sign": 44,
    "tuple_swapped": 24,
    "interval_bracket": 12,
    "fraction_flipped": 30,
    "sci_exponent_off": 20,
    "similar_expression": 22,
    "mc_letter_wrong": 3,
    "set_missing_element": 10,
    "empty_boxed": 22,
    "truncated_working": 50,
    "unclosed_boxed": 30,
}

# Each item may be used for at most this many cases in total.
MAX_PER_ITEM = 4


def candidates_for(kind_name: str, items: list[Item], rng: random.Random) -> list[tuple[Item, list[str]]]:
    out = []
    for it in items:
        if kind_name in SPECIAL_FALSE_KINDS:
            if special_applicable(it):
                out.append((it, []))
            continue
        fn = TRUE_KINDS.get(kind_name) or FALSE_KINDS[kind_name]
        answers = [a for a in fn(it, rng) if a is not None]
        # a rewrite must change the string (except `identical`)
        if kind_name != "identical":
            answers = [a for a in answers if a != it.gold]
        answers = list(dict.fromkeys(answers))
        if answers:
            out.append((it, answers))
    return out


def generate(data_dir: Path, seed: int) -> list[dict]:
    items = load_items(data_dir)
    rng = random.Random(seed)
    used = Counter()
    cases = []
    ids = set()
    for kind_name, quota in QUOTAS.items():
        expected = kind_name in TRUE_KINDS
        cands = candidates_for(kind_name, items, rng)
        by_source = defaultdict(list)
        for it, answers in cands:
            by_source[it.source].append((it, answers))
        for src in by_source:
            rng.shuffle(by_source[src])
        order = [s for s in (SOURCE_NAMES[x] for x in SOURCES) if s in by_source]
        rng.shuffle(order)
        picked = 0
        while picked < quota and any(by_source[s] for s in order):
            for src in order:
                if picked >= quota:
                    break
                while by_source[src]:
                    it, answers = by_source[src].pop()
                    key = (it.source, it.index)
                    if used[key] >= MAX_PER_ITEM:
                        continue
                    used[key] += 1
                    if kind_name in SPECIAL_FALSE_KINDS:
                        response = build_special(rng, it, kind_name)
                    else:
                        response = build_response(rng, it, rng.choice(answers))
                    gold = it.gold_json
                    if it.source == "amc23":
                        # the dataset's number as is: a JSON number in some cases
                        gold = float(it.gold_json) if rng.random() < 0.3 else it.gold
                    cid = f"{it.source}-{it.index:04d}-{kind_name}"
                    n = 2
                    while cid in ids:
                        cid = f"{it.source}-{it.index:04d}-{kind_name}-{n}"
                        n += 1
                    ids.add(cid)
                    cases.append(
                        {
                            "id": cid,
                            "response": response,
                            "gold": gold,
                            "expected": expected,
                            "kind": kind_name,
                            "source": it.source,
                        }
                    )
                    picked += 1
                    break
    cases.sort(key=lambda c: c["id"])
    return cases


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--review", metavar="KIND", help="print every candidate answer of KIND and exit")
    args = ap.parse_args(argv)

    if args.review:
        items = load_items(args.data_dir)
        for it, answers in candidates_for(args.review, items, random.Random(args.seed)):
            print(f"{it.source}-{it.index:04d}\tgold={it.gold!r}\t-> {answers}\t| {question_tail(it.problem, 120)!r}")
        return 0

    cases = generate(args.data_dir, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        for c in cases:
            fh.write(json.dumps(c, ensure_ascii=False, sort_keys=False) + "\n")

    by_kind = Counter(c["kind"] for c in cases)
    by_label = Counter(c["expected"] for c in cases)
    by_source = Counter(c["source"] for c in cases)
    print(f"wrote {len(cases)} cases to {args.out}", file=sys.stderr)
    print(f"expected: true={by_label[True]} false={by_label[False]}", file=sys.stderr)
    print("sources: " + ", ".join(f"{k}={v}" for k, v in sorted(by_source.items())), file=sys.stderr)
    for k in QUOTAS:
        print(f"  {k:24s} {by_kind[k]:4d} / {QUOTAS[k]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
