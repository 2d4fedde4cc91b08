"""Results of bench/run (standard library only).

  python3 bench/results.py oha RESULTS.jsonl SECTION TEST SUBJECT CONNECTIONS < OHA.json
  python3 bench/results.py cycle RESULTS.jsonl SECTION TEST SUBJECT CONNECTIONS < CYCLE.json
  python3 bench/results.py add RESULTS.jsonl '{"kind": ..., ...}'
      Append one measurement (one JSON object per line).

  python3 bench/results.py skip RESULTS.jsonl TEST SUBJECT REASON [TARGET]
      Record a part that could not be measured (and the target it leaves unchecked).

  python3 bench/results.py render RESULTS.jsonl META.json [PREVIOUS.md]
      Print the report: one markdown table of every measurement, then the targets with
      pass/miss and by how much. A `## Notes` section of PREVIOUS.md is carried over.
"""

import json
import math
import sys

CEILING = "storeroom GET /bench/ping"
PRISM = "Stoplight Prism (mock)"
AZURITE = "Azurite"
STOREROOM = "storeroom"


def append(path, record):
    with open(path, "a") as out:
        out.write(json.dumps(record) + "\n")


def from_oha(data):
    codes = data.get("statusCodeDistribution") or {}
    ok = sum(n for code, n in codes.items() if code.startswith("2"))
    failed = sum(n for code, n in codes.items() if not code.startswith("2"))
    # Requests cut off by the end of the run are not failures.
    errors = {k: v for k, v in (data.get("errorDistribution") or {}).items()
              if "deadline" not in k}
    summary = data["summary"]
    percentiles = data["latencyPercentiles"]
    ms = lambda v: None if v is None else v * 1000
    return {
        "rps": ok / summary["total"] if summary.get("total") else None,
        "p50_ms": ms(percentiles.get("p50")),
        "p99_ms": ms(percentiles.get("p99")),
        "bytes": summary.get("sizePerRequest"),
        "requests": ok,
        "errors": failed + sum(errors.values()),
        "error_kinds": sorted(list(errors)[:3] + [c for c in codes if not c.startswith("2")]),
    }


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fmt(value, digits=0, unit=""):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if digits == 0:
        return f"{value:,.0f}{unit}"
    return f"{value:,.{digits}f}{unit}"


def ms(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def find(records, **match):
    for record in records:
        if all(record.get(k) == v for k, v in match.items()):
            return record
    return None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def render(records, meta, notes):
    lines = []
    add = lines.append
    add(f"# Benchmark results\n")
    add(f"Measured by `bench/run{' --quick' if meta.get('quick') else ''}` on {meta['date']}, "
        f"in one run on one machine: {meta['machine']}.\n")
    add(f"Settings: {meta['settings']}.\n")
    add("| benchmark | subject | conns | throughput | p50 | p99 | peak RSS | compared |")
    add("|---|---|---:|---:|---:|---:|---:|---|")
    for r in ordered(records):
        if r["kind"] == "load":
            compared = []
            if r["section"] == "API" and r["subject"] == STOREROOM and r.get("unit", "req/s") == "req/s":
                ceiling = find(records, kind="load", subject=CEILING, conns=r["conns"])
                if ceiling:
                    compared.append(f"{fmt(100 * ratio(r['rps'], ceiling['rps']))} % of ceiling")
                prism = find(records, kind="load", test=r["test"], subject=PRISM, conns=r["conns"])
                if prism and prism.get("rps"):
                    compared.append(f"{ratio(r['rps'], prism['rps']):.1f}× Prism")
            if r.get("errors"):
                compared.append(f"{r['errors']} failed ({', '.join(r.get('error_kinds') or [])})")
            if (r.get("bytes") or 0) >= 100:
                compared.append(f"{fmt(r['bytes'] / 1024, 1)} KiB/response")
            unit = r.get("unit", "req/s")
            add(f"| {r['test']} | {r['subject']} | {r['conns']} | {fmt(r['rps'], 1 if (r['rps'] or 0) < 100 else 0)} {unit} "
                f"| {ms(r['p50_ms'])} | {ms(r['p99_ms'])} | | {'; '.join(compared)} |")
        elif r["kind"] == "upload":
            compared = []
            if r["subject"] == STOREROOM:
                dd = find(records, kind="upload", subject="dd conv=fdatasync")
                azurite = find(records, kind="upload", test=r["test"], subject=AZURITE)
                if dd:
                    compared.append(f"{fmt(100 * ratio(r['mib_s'], dd['mib_s']))} % of dd")
                if azurite and azurite.get("mib_s"):
                    compared.append(f"{ratio(r['mib_s'], azurite['mib_s']):.1f}× Azurite")
            if r.get("status") not in (None, "201", "ok"):
                compared.append(f"status {r['status']}")
            rss = fmt(r.get("rss_mib"), 0, " MiB") if r.get("rss_mib") is not None else ""
            add(f"| {r['test']} | {r['subject']} | 1 | {fmt(r['mib_s'])} MiB/s | | | {rss} | {'; '.join(compared)} |")
        elif r["kind"] == "seed":
            add(f"| seed {r['apps']:,} apps + {r['submissions']:,} submissions | {r['subject']} | 1 "
                f"| {fmt((r['apps'] + r['submissions']) / r['seconds'])} records/s | | | | {r['seconds']:.0f} s |")
        elif r["kind"] == "skipped":
            add(f"| {r['test']} | {r['subject']} | | not measured | | | | {r['reason']} |")
    add("")
    add("## Targets\n")
    add("| target | measured | result |")
    add("|---|---|---|")
    for target, measured, passed, by in targets(records, meta):
        result = "–" if passed is None else ("**pass**" if passed else f"**miss** {by}")
        add(f"| {target} | {measured} | {result} |")
    add("")
    if notes:
        add(notes.rstrip() + "\n")
    return "\n".join(lines)


def ordered(records):
    """Grouped for reading: API, uploads, then scale. API and upload rows by test, subjects
    in the order first measured, then by connections; scale rows by backend (its seed
    first), then by test and connections."""
    def group(r):
        if r.get("section") == "API":
            return 0
        return 1 if r["kind"] == "upload" else 2
    first = {}
    for i, r in enumerate(records):
        g = group(r)
        first.setdefault(("test", g, r.get("test")), i)
        first.setdefault(("subject", g, r.get("test"), r["subject"]), i)
        first.setdefault(("backend", g, r["subject"]), i)

    def key(r):
        g = group(r)
        if g == 2:
            return (g, first[("backend", g, r["subject"])], r["kind"] != "seed",
                    first[("test", g, r.get("test"))], r.get("conns", 0))
        return (g, first[("test", g, r.get("test"))],
                first[("subject", g, r.get("test"), r["subject"])], r.get("conns", 0))
    return sorted(records, key=key)


def targets(records, meta):
    out = []
    top = max((r["conns"] for r in records if r["kind"] == "load" and r["section"] == "API"), default=None)
    get = find(records, kind="load", section="API", test="GET submission", subject=STOREROOM, conns=top)
    ceiling = find(records, kind="load", subject=CEILING, conns=top)
    if get and ceiling:
        share = ratio(get["rps"], ceiling["rps"])
        out.append((f"API GET ≥ 50 % of the ceiling's req/s at {top} connections (SQLite)",
                    f"{fmt(100 * share)} % ({fmt(get['rps'])} of {fmt(ceiling['rps'])} req/s)",
                    share >= 0.5, f"by {fmt(50 - 100 * share)} points"))
        out.append((f"API GET p99 < 5 ms at {top} connections (SQLite)", ms(get["p99_ms"]),
                    get["p99_ms"] < 5, f"by {ms(get['p99_ms'] - 5)} ({get['p99_ms'] / 5:.1f}× the target)"))
    dd = find(records, kind="upload", subject="dd conv=fdatasync")
    for mine in [r for r in records if r["kind"] == "upload" and r["subject"] == STOREROOM]:
        test = mine["test"]
        azurite = find(records, kind="upload", test=test, subject=AZURITE)
        if dd:
            share = ratio(mine["mib_s"], dd["mib_s"])
            out.append((f"{test}: ≥ 90 % of dd's rate", f"{fmt(100 * share)} % ({fmt(mine['mib_s'])} of {fmt(dd['mib_s'])} MiB/s)",
                        share >= 0.9, f"by {fmt(90 - 100 * share)} points"))
        if azurite and azurite.get("mib_s"):
            times = ratio(mine["mib_s"], azurite["mib_s"])
            out.append((f"{test}: ≥ 2× Azurite's rate", f"{times:.2f}× ({fmt(mine['mib_s'])} vs {fmt(azurite['mib_s'])} MiB/s)",
                        times >= 2, f"by {2 - times:.2f}×"))
        out.append((f"{test}: server peak RSS < 64 MiB", fmt(mine["rss_mib"], 0, " MiB"),
                    mine["rss_mib"] < 64, f"by {fmt(mine['rss_mib'] - 64, 0, ' MiB')}"))
    for r in records:
        if r["kind"] == "load" and r["section"] == "Scale":
            out.append((f"scale p99 < 10 ms: {r['test']}, {r['subject']}, {r['conns']} conn{'s' if r['conns'] > 1 else ''}",
                        ms(r["p99_ms"]), None if r["p99_ms"] is None else r["p99_ms"] < 10,
                        f"by {ms((r['p99_ms'] or 0) - 10)}"))
    for r in records:
        if r["kind"] == "skipped" and r.get("target"):
            out.append((r["target"], "not measured: " + r["reason"], False, "(not measured)"))
    return out


def notes_of(path):
    try:
        text = open(path).read()
    except OSError:
        return ""
    index = text.find("\n## Notes")
    return text[index + 1:] if index >= 0 else ""


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command in ("oha", "cycle"):
        section, test, subject, conns = sys.argv[3:7]
        data = json.load(sys.stdin)
        record = from_oha(data) if command == "oha" else {
            "rps": data["rps"], "p50_ms": data["p50_ms"], "p99_ms": data["p99_ms"],
            "requests": data["requests"], "errors": data["errors"],
            "error_kinds": ["cycle failed"] if data["errors"] else [], "unit": "cycles/s",
        }
        record.update(kind="load", section=section, test=test, subject=subject, conns=int(conns))
        append(path, record)
        print(f"  {test} | {subject} | c={conns}: {fmt(record['rps'], 1)} {record.get('unit', 'req/s')}, "
              f"p50 {ms(record['p50_ms'])}, p99 {ms(record['p99_ms'])}"
              + (f", {record['errors']} failed" if record["errors"] else ""), file=sys.stderr)
    elif command == "add":
        append(path, json.loads(sys.argv[3]))
    elif command == "skip":
        test, subject, reason = sys.argv[3:6]
        record = {"kind": "skipped", "test": test, "subject": subject, "reason": reason}
        if len(sys.argv) > 6:
            record["target"] = sys.argv[6]
        append(path, record)
    elif command == "render":
        meta = json.load(open(sys.argv[3]))
        notes = notes_of(sys.argv[4]) if len(sys.argv) > 4 else ""
        print(render(load(path), meta, notes))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
