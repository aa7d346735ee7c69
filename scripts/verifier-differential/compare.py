#!/usr/bin/env python3
"""Compare gvm's verifier with math-verify on the differential-test cases.

Inputs (JSON lines):
  --cases        the cases (`generate_cases.py`): id, response, gold, expected, kind, source
  --math-verify  math-verify's verdicts (`run_math_verify.py`): id, correct
  --gvm          gvm's verdicts (`gvm-worker verify`): id, correct, extracted

Prints the number of cases, how often the two verifiers agree, each one's
accuracy against the intended labels (`expected`), and the disagreements
grouped by kind with the side that matches `expected`. `--markdown FILE`
writes the same summary as Markdown for the README.

A case with no verdict in a file counts as a wrong verdict for that tool.
Exit status: 0, or 1 when gvm's accuracy is below --min-gvm-accuracy
(default 1.0: every case must be right), 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON ({exc})") from exc
    return rows


def read_verdicts(path: Path) -> tuple[dict[str, bool], dict[str, object]]:
    """Verdicts by id. Lines reporting an error (`gvm-worker verify` writes
    {"id","line","error"} for an input line it could not read) give no
    verdict, so their cases count as wrong; they are reported on stderr."""
    verdicts, extracted = {}, {}
    errors = 0
    for row in read_jsonl(path):
        if "error" in row and "correct" not in row:
            errors += 1
            print(f"warning: {path}: error line: {json.dumps(row, ensure_ascii=False)}", file=sys.stderr)
            continue
        if "id" not in row or not isinstance(row.get("correct"), bool):
            raise SystemExit(f"{path}: line without id/correct: {row!r}")
        verdicts[str(row["id"])] = row["correct"]
        if "extracted" in row:
            extracted[str(row["id"])] = row["extracted"]
    if errors:
        print(f"warning: {path}: {errors} error lines (their cases count as wrong)", file=sys.stderr)
    return verdicts, extracted


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "n/a"


def summarize(cases, gvm, mv):
    total = len(cases)
    stats = {"total": total}
    for name, verdicts in (("gvm", gvm), ("math-verify", mv)):
        right = sum(verdicts.get(c["id"]) == c["expected"] for c in cases)
        missing = sum(c["id"] not in verdicts for c in cases)
        false_accept = sum(c["expected"] is False and verdicts.get(c["id"]) is True for c in cases)
        false_reject = sum(c["expected"] is True and verdicts.get(c["id"]) is not True for c in cases)
        stats[name] = {
            "right": right,
            "missing": missing,
            "false_accept": false_accept,
            "false_reject": false_reject,
        }
    agree = sum(c["id"] in gvm and c["id"] in mv and gvm[c["id"]] == mv[c["id"]] for c in cases)
    stats["agree"] = agree
    return stats


def per_kind(cases, gvm, mv):
    rows = defaultdict(lambda: {"n": 0, "expected": set(), "gvm": 0, "mv": 0, "dis": 0, "dis_gvm": 0, "dis_mv": 0})
    for c in cases:
        r = rows[c["kind"]]
        r["n"] += 1
        r["expected"].add(c["expected"])
        g, m = gvm.get(c["id"]), mv.get(c["id"])
        r["gvm"] += g == c["expected"]
        r["mv"] += m == c["expected"]
        if g != m:
            r["dis"] += 1
            r["dis_gvm"] += g == c["expected"]
            r["dis_mv"] += m == c["expected"]
    return rows


def label(expected: set) -> str:
    return "/".join(sorted("true" if e else "false" for e in expected))


def text_report(cases, gvm, mv, gvm_extracted) -> str:
    s = summarize(cases, gvm, mv)
    t = s["total"]
    out = []
    out.append(f"cases: {t} (expected true: {sum(c['expected'] for c in cases)}, false: {sum(not c['expected'] for c in cases)})")
    out.append(f"agreement gvm vs math-verify: {s['agree']}/{t} ({pct(s['agree'], t)})")
    for name in ("gvm", "math-verify"):
        r = s[name]
        extra = f", missing verdicts: {r['missing']}" if r["missing"] else ""
        out.append(
            f"{name:12s} accuracy vs expected: {r['right']}/{t} ({pct(r['right'], t)}); "
            f"accepted wrong answers: {r['false_accept']}, rejected right answers: {r['false_reject']}{extra}"
        )
    rows = per_kind(cases, gvm, mv)
    dis = {k: r for k, r in rows.items() if r["dis"]}
    out.append("")
    if dis:
        out.append("disagreements by kind:")
        out.append(f"  {'kind':26s} {'expected':8s} {'n':>4s} {'gvm right':>10s} {'mv right':>9s}")
        for k in sorted(dis, key=lambda k: (-dis[k]["dis"], k)):
            r = dis[k]
            out.append(f"  {k:26s} {label(r['expected']):8s} {r['dis']:4d} {r['dis_gvm']:10d} {r['dis_mv']:9d}")
    else:
        out.append("no disagreements")
    wrong = [c for c in cases if gvm.get(c["id"]) != c["expected"]]
    if wrong:
        out.append("")
        out.append(f"gvm wrong ({len(wrong)}):")
        for c in wrong:
            ex = gvm_extracted.get(c["id"], "?")
            out.append(
                f"  {c['id']}  kind={c['kind']} expected={str(c['expected']).lower()} "
                f"gvm={str(gvm.get(c['id'])).lower()} gold={json.dumps(c['gold'], ensure_ascii=False)} "
                f"extracted={json.dumps(ex, ensure_ascii=False)}"
            )
    return "\n".join(out)


def markdown_report(cases, gvm, mv) -> str:
    s = summarize(cases, gvm, mv)
    t = s["total"]
    n_true = sum(c["expected"] for c in cases)
    lines = []
    lines.append(f"{t} cases ({n_true} equivalent rewrites of the gold, {t - n_true} near misses), "
                 f"sources: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(c['source'] for c in cases).items())) + ".")
    lines.append("")
    lines.append("| | gvm | math-verify |")
    lines.append("|---|---:|---:|")
    lines.append(f"| right vs intended label | {s['gvm']['right']}/{t} ({pct(s['gvm']['right'], t)}) | "
                 f"{s['math-verify']['right']}/{t} ({pct(s['math-verify']['right'], t)}) |")
    lines.append(f"| wrong answers accepted | {s['gvm']['false_accept']} | {s['math-verify']['false_accept']} |")
    lines.append(f"| right answers rejected | {s['gvm']['false_reject']} | {s['math-verify']['false_reject']} |")
    lines.append("")
    lines.append(f"The two verifiers agree on {s['agree']}/{t} cases ({pct(s['agree'], t)}).")
    rows = per_kind(cases, gvm, mv)
    dis = {k: r for k, r in rows.items() if r["dis"]}
    if dis:
        lines.append("")
        lines.append("Disagreements by kind of rewrite:")
        lines.append("")
        lines.append("| kind | intended | disagreements | gvm right | math-verify right |")
        lines.append("|---|---|---:|---:|---:|")
        for k in sorted(dis, key=lambda k: (-dis[k]["dis"], k)):
            r = dis[k]
            lines.append(f"| `{k}` | {label(r['expected'])} | {r['dis']} | {r['dis_gvm']} | {r['dis_mv']} |")
    lines.append("")
    lines.append("<details><summary>Accuracy by kind</summary>")
    lines.append("")
    lines.append("| kind | intended | cases | gvm right | math-verify right |")
    lines.append("|---|---|---:|---:|---:|")
    for k in sorted(rows):
        r = rows[k]
        lines.append(f"| `{k}` | {label(r['expected'])} | {r['n']} | {r['gvm']} | {r['mv']} |")
    lines.append("")
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, required=True)
    ap.add_argument("--math-verify", dest="math_verify", type=Path, required=True)
    ap.add_argument("--gvm", type=Path, required=True)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--min-gvm-accuracy", type=float, default=1.0,
                    help="fail (exit 1) when gvm's accuracy against `expected` is below this fraction")
    args = ap.parse_args(argv)

    try:
        cases = read_jsonl(args.cases)
        mv, _ = read_verdicts(args.math_verify)
        gvm, gvm_extracted = read_verdicts(args.gvm)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ids = [c["id"] for c in cases]
    if len(set(ids)) != len(ids):
        print("error: duplicate case ids", file=sys.stderr)
        return 2
    unknown = (set(gvm) | set(mv)) - set(ids)
    if unknown:
        print(f"warning: {len(unknown)} verdicts for ids not in the cases (ignored)", file=sys.stderr)

    print(text_report(cases, gvm, mv, gvm_extracted))
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown_report(cases, gvm, mv), encoding="utf-8")

    accuracy = sum(gvm.get(c["id"]) == c["expected"] for c in cases) / len(cases) if cases else 1.0
    if accuracy < args.min_gvm_accuracy:
        print(f"\nFAIL: gvm accuracy {accuracy:.4f} < required {args.min_gvm_accuracy:.4f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
