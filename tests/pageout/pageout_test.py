#!/usr/bin/env python3
"""pageout_test.py - host-driven page-out suites (issue 8), layer: tests.

Each suite boots "root=pager init=sh -- -c CMD" through tools/qemu-run
under -icount with a fresh copy of the disk template (checked with
e2fsck -fn afterwards) and a fresh swap disk (mkswap), and checks the
console. Prints TAP for meson.

  agree  the guest's replay program, under a resident limit of N frames with
         policy P, faults exactly as often as tools/pagersim misses for P at
         N on the same trace: FIFO, Clock and seeded Random, several traces
         and sizes (one boot runs them all from a script on the disk)
  oom    swap full: the process that needs a frame is killed with SIGKILL,
         the shell and everyone else go on, and its slots come back
  stress tests/guest/swaptest.c: 3x the frame limit of checksummed anonymous,
         heap, fork-shared and shared-file pages under every guest policy,
         then 2x the limit of shared anonymous pages, written by a fork
  eio    tests/guest/swapeio.c: the swap driver dies; the process whose pages
         are lost is killed with SIGBUS and a pager: line, nobody else

usage: pageout_test.py SUITE SOURCE_ROOT BUILD_DIR
"""
import csv
import importlib.util
import io
import re
import subprocess
import sys
from pathlib import Path

DEBUGFS = "/usr/sbin/debugfs"
MKSWAP = "/sbin/mkswap"
BOOT_TIMEOUT = 240
REPLAY = re.compile(r"replay: requests=(\d+) pages=(\d+) faults=(\d+)")
BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]


def load_storage():
    """tests/storage/storage_test.py: its Suite (TAP bookkeeping) and main."""
    spec = importlib.util.spec_from_file_location(
        "storage_test", Path(__file__).resolve().parent.parent / "storage" / "storage_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


storage = load_storage()


class Suite(storage.Suite):
    """storage's checks and report; boots with a swap disk."""

    def swap_image(self, name, mib):
        img = self.tmp / name
        with open(img, "wb") as f:
            f.truncate(mib << 20)
        subprocess.run([MKSWAP, str(img)], check=True, capture_output=True)
        return img

    def disk_with(self, files):
        """A copy of the disk template with files {name: bytes} at /."""
        img = self.tmp / "disk.img"
        subprocess.run(["cp", "--sparse=always", str(self.build / "disk-template.img"),
                        str(img)], check=True)
        script = []
        for name, data in files.items():
            host = self.tmp / name
            host.write_bytes(data)
            script.append(f'write "{host}" "{name}"')
        r = subprocess.run([DEBUGFS, "-w", "-f", "-", str(img)], input="\n".join(script) + "\n",
                           capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError("debugfs: " + r.stderr)
        return img

    def boot(self, disk, swap, command, extra=""):
        args = [str(self.root / "tools/qemu-run"), "--icount", "--timeout", str(BOOT_TIMEOUT),
                "--kernel", str(self.build / "kernel.elf"),
                "--initrd", str(self.build / "initrd.cpio"), "--fresh-disk", str(disk),
                "--swap", str(swap),
                "--append", f"root=pager init=sh {extra}-- -c {command}".replace("  ", " ")]
        r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=BOOT_TIMEOUT + 60)
        out = r.stdout.decode("utf-8", "replace").replace("\r", "")
        err = r.stderr.decode("utf-8", "replace")  # qemu-run's own: e2fsck's findings
        return r.returncode, out.splitlines() + err.splitlines()


def pagersim(s, trace, policy, frames, seed):
    """Misses of policy at each size, from the host simulator."""
    r = subprocess.run([str(s.build / "tools/pagersim/pagersim"), "-p", policy, "-f",
                        ",".join(map(str, frames)), "--seed", str(seed), "--csv", str(trace)],
                       capture_output=True, text=True, check=True)
    return {int(row["frames"]): int(row["misses"]) for row in csv.DictReader(io.StringIO(r.stdout))}


def make_traces(s):
    """name -> (host path, sizes to try)."""
    sim = str(s.build / "tools/pagersim/pagersim")
    traces = {}
    bel = s.tmp / "belady"
    bel.write_text("".join(f"{p}\n" for p in BELADY))
    traces["belady"] = (bel, [3, 4])
    for kind, n, pages, seed, sizes in [("uniform", 3000, 96, 1, [8, 48]),
                                        ("loop", 3000, 40, 2, [16, 39]),
                                        ("hot", 4000, 160, 3, [12, 64])]:
        path = s.tmp / kind
        subprocess.run([sim, "gen", kind, str(n), str(pages), str(seed), str(path)], check=True,
                       capture_output=True)
        traces[kind] = (path, sizes)
    return traces


def suite_agree(s):
    traces = make_traces(s)
    seed = 11
    plan, lines = [], []
    for name, (path, sizes) in traces.items():
        for policy in ("fifo", "clock", "random"):
            want = pagersim(s, path, policy, sizes, seed)
            for n in sizes:
                plan.append((name, policy, n, want[n]))
                lines.append(f"replay -q -n {n} -p {policy} -s {seed} /{name}")
    files = {name: path.read_bytes() for name, (path, _) in traces.items()}
    files["agree.sh"] = ("\n".join(lines) + "\n").encode()
    disk = s.disk_with(files)
    status, out = s.boot(disk, s.swap_image("swap.img", 16), "sh < /agree.sh")
    got = [int(m.group(3)) for m in map(REPLAY.search, out) if m]
    s.check("the boot ran every replay and e2fsck -fn is clean", status == 0 and
            len(got) == len(plan), f"status {status}, {len(got)} of {len(plan)}\n" +
            "\n".join(out[-20:]))
    for (name, policy, n, want), faults in zip(plan, got):
        s.check(f"{name} {policy} {n} frames: guest faults {faults} = simulator misses {want}",
                faults == want)


def suite_oom(s):
    disk = s.disk_with({})
    swap = s.swap_image("small.img", 1)  # 255 slots
    cmd = ("pagerctl limit 128; pgwork seq -n 800 -r 1; echo status $?; "
           "pagerctl limit 0; pagerctl stat -m; echo alive")
    status, out = s.boot(disk, swap, cmd)
    text = "\n".join(out)
    s.check("the machine powers off normally (status 0, e2fsck -fn clean)", status == 0, text)
    s.check("the process that needed a frame got SIGKILL (status 137)",
            "status 137" in out, text)
    s.check("a pager: line says why", any("killed: out of memory" in l for l in out), text)
    s.check("the shell went on", "alive" in out, text)
    m = next((re.search(r"swap_used=(\d+)", l) for l in out if l.startswith("pagerstat ")), None)
    s.check("the killed process's swap slots came back (only the shell's may stay)",
            m is not None and int(m.group(1)) < 32, text)


def guest_tap(s, program, min_checks, swap_mib=64):
    """Run a TAP program of tests/guest with a swap disk: its lines become ours."""
    status, out = s.boot(s.disk_with({}), s.swap_image("swap.img", swap_mib),
                         f"{program}; echo status $?")
    taps = [l for l in out if re.match(r"(not )?ok \d+ - ", l)]
    for l in taps:
        s.check(f"{program}: " + l.split(" - ", 1)[1], l.startswith("ok"))
    s.check(f"{program} ran to its end with status 0, e2fsck -fn clean",
            status == 0 and "status 0" in out and len(taps) >= min_checks, "\n".join(out[-20:]))
    return out


def suite_stress(s):
    """tests/guest/swaptest.c."""
    guest_tap(s, "swaptest", 40)


def suite_eio(s):
    """tests/guest/swapeio.c, and the pager's line about the lost page."""
    out = guest_tap(s, "swapeio", 6, swap_mib=16)
    s.check("one pager: line names the lost page", sum(
        "killed: swap I/O error: its page is lost" in l for l in out) == 1, "\n".join(out))


SUITES = {"agree": suite_agree, "oom": suite_oom, "stress": suite_stress, "eio": suite_eio}


def main():
    return storage.suite_main("pageout_test.py", SUITES, Suite, "kossu-pageout-")


if __name__ == "__main__":
    sys.exit(main())
