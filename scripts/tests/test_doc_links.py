"""Every relative link and image in README.md and docs/ (recursively) must resolve.

For each Markdown file it finds inline links and images, `[text](target)` and
`![alt](target)`, and reference definitions, `[label]: target`, outside fenced
code blocks and inline code. Targets with a scheme (http:, https:, mailto:, ...)
are skipped. A target's `?query` and `#anchor` are dropped, and the path is
resolved against the file's folder; it must exist. A `#anchor`, on its own or
after a Markdown path, must name a heading of the target file, by GitHub's rule:
the heading's text without its Markdown (backticks, emphasis, link targets),
lower-cased, with everything but letters, digits, spaces, `-` and `_` dropped
and spaces turned into `-`; a repeated heading gets `-1`, `-2`, ... An explicit
`<a name="...">` or `id="..."` counts too.

Standard library only: `make test` runs it with `python -m unittest discover -s
scripts/tests`. Alone: `python3 -m unittest scripts/tests/test_doc_links.py -v`.
"""
from __future__ import annotations

import re
import tempfile
import unicodedata
import unittest
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](target), the text holding at most one level of brackets.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
    r"\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<[^>]*\b(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_files() -> list[Path]:
    files = [ROOT / "README.md"]
    files += sorted((ROOT / "docs").rglob("*.md"))
    return [f for f in files if f.is_file()]


def prose(text: str) -> str:
    """The text with fenced code blocks blanked, line for line, so offsets keep their lines."""
    lines = text.split("\n")
    out = []
    fence = None
    for line in lines:
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            out.append("")
        elif fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def without_code_spans(text: str) -> str:
    """Inline code blanked with spaces, within each line, so offsets stay put."""
    return "\n".join(CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line) for line in text.split("\n"))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's Markdown text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "")
    text = re.sub(r"(\*{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w))", "", text)  # emphasis markers
    text = text.strip().lower()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in " -" or category[0] in "LMN" or category == "Pc":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    counts: dict[str, int] = {}
    for line in prose(text).split("\n"):
        m = HEADING.match(line)
        if m:
            base = slug(m.group(2))
            n = counts.get(base, 0)
            counts[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    found.update(HTML_ANCHOR.findall(text))
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link, image and reference definition outside code."""
    text = without_code_spans(prose(path.read_text(encoding="utf-8")))
    found = []
    for m in INLINE_LINK.finditer(text):
        found.append((text.count("\n", 0, m.start()) + 1, m.group(1)))
    # A reference definition cannot interrupt a paragraph: it follows a blank line,
    # the file's start, or another definition.
    previous_blank_or_definition = True
    for number, line in enumerate(text.split("\n"), start=1):
        m = REFERENCE_DEFINITION.match(line)
        if m and previous_blank_or_definition:
            found.append((number, m.group(1)))
        previous_blank_or_definition = not line.strip() or bool(m and previous_blank_or_definition)
    cleaned = []
    for number, target in found:
        target = target.strip()
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1].strip()
        cleaned.append((number, target))
    return sorted(cleaned)


def problems() -> list[str]:
    found = []
    anchor_cache: dict[Path, set[str]] = {}
    for source in markdown_files():
        where = source.relative_to(ROOT)
        for line, target in links(source):
            if not target or SCHEME.match(target):
                continue
            path_part, _, fragment = target.partition("#")
            path_part = path_part.partition("?")[0]
            if path_part:
                resolved = (source.parent / unquote(path_part)).resolve()
                if not resolved.exists():
                    found.append(f"{where}:{line}: {target}: no such file or folder")
                    continue
            else:
                resolved = source.resolve()
            if fragment and resolved.is_file() and resolved.suffix.lower() == ".md":
                if resolved not in anchor_cache:
                    anchor_cache[resolved] = anchors(resolved)
                if unquote(fragment) not in anchor_cache[resolved]:
                    found.append(f"{where}:{line}: {target}: no heading or anchor #{fragment} in {resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved}")
    return found


class SlugTests(unittest.TestCase):
    def test_github_rule(self):
        self.assertEqual(slug("`gvm-coordinator allocate`, JSON in and out"), "gvm-coordinator-allocate-json-in-and-out")
        self.assertEqual(slug("1. Build the binaries"), "1-build-the-binaries")
        self.assertEqual(slug("Run configuration (`POST /v1/runs`, `create-run --config`)"),
                         "run-configuration-post-v1runs-create-run---config")
        self.assertEqual(slug("Mechanism: how much an allocation can cut the gradient's error"),
                         "mechanism-how-much-an-allocation-can-cut-the-gradients-error")
        self.assertEqual(slug("Warm start, evaluation and speed"), "warm-start-evaluation-and-speed")
        self.assertEqual(slug("balanced, self-normalised 1/k_i (balancePrompts)"),
                         "balanced-self-normalised-1k_i-balanceprompts")
        self.assertEqual(slug("What allocation buys, measured"), "what-allocation-buys-measured")

    def test_links_outside_code_only(self):
        text = ("see [a](x.md) and `[b](y.md)`\n```\n[c](z.md)\n```\n![d](img/e.svg \"t\")\n\n[ref]: <f.md#g>\n"
                "\na paragraph\n  [1.6, 2.4]: not a definition\n")
        with tempfile.TemporaryDirectory() as folder:
            sample = Path(folder) / "sample.md"
            sample.write_text(text, encoding="utf-8")
            self.assertEqual(links(sample), [(1, "x.md"), (5, "img/e.svg"), (7, "f.md#g")])


class DocLinkTests(unittest.TestCase):
    def test_files_found(self):
        names = {f.name for f in markdown_files()}
        self.assertIn("README.md", names)
        self.assertGreater(len(names), 1, "no Markdown files under docs/")

    def test_every_relative_link_resolves(self):
        broken = problems()
        self.assertEqual(broken, [], "broken links:\n" + "\n".join(broken))


if __name__ == "__main__":
    unittest.main()
