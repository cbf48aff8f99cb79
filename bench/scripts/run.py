#!/usr/bin/env python3
"""Reproducible benchmarks for facadelint (writes target/bench/results.json and an SVG chart).

Every number is a median of paired runs made in the same invocation, and every ratio is
against the parse floor (`parse-floor`: read + syn-parse every file in parallel, nothing else)
measured in the same run on the same files with the same thread count.

    python3 bench/scripts/run.py [--runs N] [--sizes 10000,100000,1000000] [--skip-corpus]
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REL = ROOT / "target" / "release"
OUT = ROOT / "target" / "bench"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def timed(cmd, env=None, cwd=None):
    """Wall seconds (clock around the process, finer than /usr/bin/time's 10 ms) and peak RSS
    (KiB, from /usr/bin/time) of one run."""
    full = ["/usr/bin/time", "-f", "%e %M"] + cmd
    start = time.perf_counter()
    p = subprocess.run(full, text=True, capture_output=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    last = p.stderr.strip().splitlines()[-1].split()
    return wall, int(last[1]), p


def medians(cmds, runs, env=None, cwd=None):
    """Runs the commands interleaved (paired), returns per-command (median s, max RSS KiB)."""
    walls, last = paired(cmds, runs, env=env, cwd=cwd)
    return {k: (statistics.median(v), walls["rss"][k]) for k, v in walls.items() if k != "rss"}, last


def paired(cmds, runs, env=None, cwd=None):
    """Runs the commands interleaved, `runs` rounds; returns every wall time per command
    (and the max RSS per command under "rss") and the last run of each."""
    walls = {k: [] for k in cmds}
    rss = {k: 0 for k in cmds}
    last = {}
    for _ in range(runs):
        for k, c in cmds.items():
            w, m, p = timed(c, env=env, cwd=cwd)
            walls[k].append(w)
            rss[k] = max(rss[k], m)
            last[k] = p
    return {**walls, "rss": rss}, last


def paired_ratio(walls, key, base):
    """Median over rounds of each round's ratio to the baseline of the same round: on a VM
    whose speed drifts during the script, steadier than a ratio of medians."""
    return statistics.median(w / b for w, b in zip(walls[key], walls[base]))


def phases(stderr):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"phase (\w+)\s+([\d.]+) ms", stderr)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--skip-corpus", action="store_true")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sh(["cargo", "build", "--release", "-q", "-p", "facadelint", "-p", "facadelint-bench"], cwd=ROOT)
    fl, floor, gen = str(REL / "facadelint"), str(REL / "parse-floor"), str(REL / "gen-workspace")
    env = dict(os.environ, RAYON_NUM_THREADS=str(os.cpu_count() or 2))
    res = {"machine": {"nproc": os.cpu_count(), "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
           "date": time.strftime("%Y-%m-%d"), "runs": a.runs}

    if not a.skip_corpus:
        vendor = sh(["bash", str(ROOT / "corpus" / "fetch.sh")]).stdout.strip().splitlines()[-1]
        stats = sh([floor, vendor], env=env).stdout.strip()
        walls, last = paired({
            "parse_floor": [floor, vendor],
            "facadelint": [fl, vendor, "-q", "-v"],
            "facadelint_no_prefilter": [fl, vendor, "-q", "-v", "--no-prefilter"],
        }, a.runs, env=env)
        m = {k: (statistics.median(v), walls["rss"][k]) for k, v in walls.items() if k != "rss"}
        base = m["parse_floor"][0]
        res["corpus"] = {"files": stats, **{k: {"median_s": v[0], "peak_rss_kib": v[1], "ratio": v[0] / base,
                                                "ratio_paired": paired_ratio(walls, k, "parse_floor"),
                                                "runs_s": walls[k]} for k, v in m.items()},
                         "phases_ms": phases(last["facadelint"].stderr), "phases_no_prefilter_ms": phases(last["facadelint_no_prefilter"].stderr)}
        print(json.dumps(res["corpus"], indent=1))

    fixture = str(ROOT / "fixtures" / "curator-5.6.0")
    m, _ = medians({"fixture": [fl, fixture, "-q"]}, max(a.runs, 10), env=env)
    res["fixture_curator_5_6_0_ms"] = m["fixture"][0] * 1000

    series = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in a.sizes.split(",")]:
            d = Path(tmp) / f"ws{n}"
            out = sh([gen, "--lines", str(n), "--out", str(d), "--seed", "1"]).stdout
            info = dict(kv.split("=") for kv in out.split())
            planted = len(json.loads((d / "planted.json").read_text()))
            m, last = medians({"floor": [floor, str(d)], "facadelint": [fl, str(d), "-v", "--message-format", "short"]},
                              a.runs if n < 1_000_000 else max(3, a.runs // 2), env=env)
            # Planted leaks are bypass points (file:line); a bypass that reaches several
            # registrations is one planted leak reported once per registration.
            # Paths are shown as given (the workspace lies outside the working directory).
            hits = [l.split(": error[")[0].rsplit(":", 1)[0].removeprefix(f"{d}/")
                    for l in last["facadelint"].stderr.splitlines()
                    if ": error[watcher-removal-bypass]" in l]
            want = {f"{p['file']}:{p['line']}" for p in json.loads((d / "planted.json").read_text())}
            found = len(set(hits))
            exact = set(hits) == want
            # The prefilter never changes what is reported (same bytes without it).
            unfiltered = subprocess.run([fl, str(d), "--message-format", "short", "--no-prefilter"],
                                        text=True, capture_output=True, env=env)
            same_without_prefilter = unfiltered.stderr == subprocess.run(
                [fl, str(d), "--message-format", "short"], text=True, capture_output=True, env=env).stderr
            lines = int(info["lines"])
            row = {"lines": lines, "files": int(info["files"]), "planted": planted, "found": found,
                   "findings": len(hits), "found_exactly_the_planted": exact,
                   "same_without_prefilter": same_without_prefilter,
                   "median_s": m["facadelint"][0], "peak_rss_kib": m["facadelint"][1],
                   "floor_s": m["floor"][0], "us_per_line": m["facadelint"][0] / lines * 1e6,
                   "ratio_to_floor": m["facadelint"][0] / m["floor"][0],
                   "phases_ms": phases(last["facadelint"].stderr)}
            series.append(row)
            print(json.dumps(row))
    res["scale"] = series
    (OUT / "results.json").write_text(json.dumps(res, indent=1))
    svg(series, OUT / "scale.svg")
    print(f"wrote {OUT/'results.json'} and {OUT/'scale.svg'}")


def svg(series, path):
    """Log-log chart of wall time against lines, facadelint and the parse floor."""
    import math
    W, H, P = 640, 400, 60
    xs = [r["lines"] for r in series]
    ys = [r["median_s"] for r in series] + [r["floor_s"] for r in series]
    lx0, lx1 = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
    ly0, ly1 = math.log10(max(min(ys), 1e-3)) - 0.2, math.log10(max(ys)) + 0.2
    X = lambda v: P + (math.log10(v) - lx0) / (lx1 - lx0) * (W - 2 * P)
    Y = lambda v: H - P - (math.log10(max(v, 1e-3)) - ly0) / (ly1 - ly0) * (H - 2 * P)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
             f'<rect width="{W}" height="{H}" fill="white"/>',
             f'<line x1="{P}" y1="{H-P}" x2="{W-P}" y2="{H-P}" stroke="black"/><line x1="{P}" y1="{P}" x2="{P}" y2="{H-P}" stroke="black"/>',
             f'<text x="{W/2}" y="{H-15}" text-anchor="middle">lines of code (log)</text>',
             f'<text x="15" y="{H/2}" transform="rotate(-90 15 {H/2})" text-anchor="middle">wall time, s (log)</text>',
             f'<text x="{W/2}" y="25" text-anchor="middle" font-size="14">facadelint on generated Curator-style workspaces</text>']
    for key, colour, name in [("median_s", "#c00", "facadelint"), ("floor_s", "#06c", "parse floor (read + syn, all files)")]:
        pts = " ".join(f"{X(r['lines']):.1f},{Y(r[key]):.1f}" for r in series)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for r in series:
            parts.append(f'<circle cx="{X(r["lines"]):.1f}" cy="{Y(r[key]):.1f}" r="4" fill="{colour}"/>')
            parts.append(f'<text x="{X(r["lines"])+6:.1f}" y="{Y(r[key])-6:.1f}" fill="{colour}">{r[key]:.2f}s</text>')
    parts.append(f'<text x="{P+10}" y="{P+10}" fill="#c00">— facadelint</text><text x="{P+10}" y="{P+26}" fill="#06c">— parse floor</text>')
    for r in series:
        parts.append(f'<text x="{X(r["lines"]):.1f}" y="{H-P+16}" text-anchor="middle">{r["lines"]:,}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts))


if __name__ == "__main__":
    sys.exit(main())
