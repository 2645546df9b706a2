#!/usr/bin/env python3
"""test_pager_exp.py - tools/pager-exp end to end with its fake runner, layer: tests/host.

KOSSU_EXP_FAKE=1 makes the harness answer each point with made-up but
deterministic pgwork/replay lines instead of booting, so this checks the
harness alone: parallel runs, the CSV, reuse of finished points, --force,
failed points, the job list and --merge, --dump-trace's conversion, and the
plots (when gnuplot is installed). Prints TAP for meson.

usage: test_pager_exp.py [PAGERSIM]   (with it, a --trace sweep also draws the
simulator's curve)
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
EXP = ROOT / "tools" / "pager-exp"
DELAY = 0.3  # s a fake boot takes: long enough to see the jobs overlap


class Tap:
    def __init__(self):
        self.n, self.failed = 0, 0

    def check(self, name, ok, detail=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}")
        if not ok:
            self.failed += 1
            for line in str(detail).splitlines()[-20:]:
                print(f"#  {line}")
        return ok

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}")


def run(args, out, fake="1", fail="", cwd=None):
    """tools/pager-exp ARGS --out OUT in fake mode: (status, stdout, stderr, seconds)."""
    env = dict(os.environ, KOSSU_EXP_FAKE=fake, KOSSU_EXP_FAKE_DELAY=str(DELAY),
               KOSSU_EXP_FAKE_FAIL=fail)
    t0 = time.monotonic()
    r = subprocess.run([str(EXP)] + args + ["--out", str(out)], env=env, cwd=cwd,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


def rows(out):
    with open(out / "results.csv", newline="") as f:
        return list(csv.DictReader(f))


def progress_lines(err):
    return [l for l in err.splitlines() if re.match(r"\[\d+/\d+\] ", l)]


def is_png(path):
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


SWEEP = ["--workloads", "seq,rand", "--policies", "fifo,clock", "--frames", "256,1024"]


def test_sweep(t, out):
    st, _, err, secs = run(SWEEP + ["--jobs", "4"], out)
    t.check("sweep exits 0", st == 0, err)
    t.check("one progress line a point", len(progress_lines(err)) == 8, err)
    t.check("the jobs ran in parallel", secs < 8 * DELAY * 0.75,
            f"{secs:.2f} s for 8 points of {DELAY} s at 4 jobs")
    r = rows(out)
    t.check("8 CSV rows", len(r) == 8, r)
    t.check("CSV columns", list(r[0]) == ["workload", "policy", "frames", "seed", "faults",
                                          "pageins", "pageouts", "writebacks", "evictions",
                                          "instructions", "build"], list(r[0]))
    t.check("one build hash", len({x["build"] for x in r}) == 1, r)
    by = {(x["workload"], x["policy"], x["frames"]): int(x["faults"]) for x in r}
    t.check("fewer faults with more frames",
            all(by[(w, p, "1024")] < by[(w, p, "256")] for w in ("seq", "rand")
                for p in ("fifo", "clock")), by)
    return r


def test_reuse(t, out, before):
    st, _, err, _ = run(SWEEP, out)
    t.check("rerun: nothing runs", st == 0 and not progress_lines(err), err)
    t.check("rerun: says it reuses", "8 of 8 points already" in err, err)
    t.check("rerun: CSV unchanged", rows(out) == before)
    st, _, err, _ = run(SWEEP[:-1] + ["256,512,1024"], out)
    t.check("one more size: only its 4 points run", len(progress_lines(err)) == 4, err)
    st, _, err, _ = run(SWEEP + ["--force"], out)
    t.check("--force runs all again", len(progress_lines(err)) == 8, err)
    t.check("--force does not duplicate rows", len(rows(out)) == 12, rows(out))
    st, _, err, _ = run(SWEEP, out, fake="2")
    t.check("another build runs again", len(progress_lines(err)) == 8, err)
    t.check("both builds' rows kept", len({x["build"] for x in rows(out)}) == 2)


def test_failure(t, out):
    st, _, err, _ = run(["--workloads", "zipf", "--policies", "fifo", "--frames",
                         "256,512"], out, fail="zipf,fifo,512")
    t.check("a failed point: exit 1", st == 1, err)
    t.check("the failed point is listed", "zipf,fifo,512,1: status 3" in err, err)
    t.check("the failed point is not in the CSV",
            not any(x["workload"] == "zipf" and x["frames"] == "512" for x in rows(out)))
    t.check("its console is kept", (out / "logs" / "zipf_fifo_512_1.log").is_file())


def test_cluster(t, tmp):
    out, jobs = tmp / "cluster", tmp / "jobs.txt"
    st, _, err, _ = run(SWEEP + ["--job-list", str(jobs)], out)
    lines = jobs.read_text().splitlines() if jobs.exists() else []
    t.check("job list: one command a point", st == 0 and len(lines) == 8, err + "\n".join(lines))
    t.check("job list: --point commands", all(" --point " in l for l in lines), lines[:1])
    env = dict(os.environ, KOSSU_EXP_FAKE="1", KOSSU_EXP_FAKE_DELAY="0")
    bad = [l for l in lines if subprocess.run(["sh", "-c", l], env=env,
                                              capture_output=True).returncode]
    t.check("every job runs", not bad, bad)
    st, so, err, _ = run(["--merge", str(out / "points")], out)
    t.check("merge exits 0", st == 0, so + err)
    t.check("merge: 8 CSV rows", len(rows(out)) == 8)
    st, _, err, _ = run(SWEEP + ["--job-list", str(jobs)], out)
    t.check("job list after the merge is empty", jobs.read_text() == "", jobs.read_text())


def test_plots(t, out, tmp, pagersim):
    if not shutil.which("gnuplot"):
        t.skip("plots", "gnuplot not installed")
        return
    t.check("a plot per workload", is_png(out / "plots" / "faults-seq.png") and
            is_png(out / "plots" / "faults-rand.png"))
    trace = tmp / "loop.txt"
    trace.write_text("".join(f"{0x100 + i % 300}\n" for i in range(3000)))
    args = ["--workloads", "", "--trace", str(trace), "--policies", "fifo,clock",
            "--frames", "256,512"]
    if not pagersim:
        t.skip("simulator curve", "no pagersim given")
        return
    st, _, err, _ = run(args + ["--pagersim", pagersim], tmp / "trace")
    sim = list((tmp / "trace" / "plots").glob("faults-replay_loop@*-sim.dat"))
    png = list((tmp / "trace" / "plots").glob("faults-replay_loop@*.png"))
    t.check("trace: simulator curve and plot", st == 0 and sim and png and is_png(png[0]), err)


def test_dump_trace(t, tmp):
    st, so, err, _ = run(["--dump-trace", "loop"], tmp / "dump")
    path = tmp / "dump" / "trace-loop-s1.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    t.check("dump-trace writes a text trace", st == 0 and len(lines) > 100 and
            lines[0].startswith("#") and all(re.fullmatch(r"0x[0-9a-f]+", l)
                                             for l in lines[1:]), so + err)


def main():
    pagersim = sys.argv[1] if len(sys.argv) > 1 else None
    print("TAP version 13")
    t = Tap()
    with tempfile.TemporaryDirectory(prefix="kossu-test-exp-") as tmp:
        tmp = Path(tmp)
        out = tmp / "sweep"
        before = test_sweep(t, out)
        test_plots(t, out, tmp, pagersim)
        test_reuse(t, out, before)
        test_failure(t, out)
        test_cluster(t, tmp)
        test_dump_trace(t, tmp)
    print(f"1..{t.n}")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
