#!/bin/bash
# run.sh - checks tools/gdb end to end (tests, host side): boots the debug build with no disk,
# runs tests/gdb/fault.gdb in gdb's batch mode and checks that gdb stopped at fault_user on
# sh's first store fault, printed its fault message, stopped in the pager's vm_fault only (kbreak)
# and saw the FAULT_MAP reply, then came back to sh's store with kuser. Not a meson test: it
# builds build-debug (KOSSU_GDB_BUILD) on first use. Exit 0 = all checks passed.

set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(timeout 120 "$root/tools/gdb" --no-disk --batch-commands "$root/tests/gdb/fault.gdb" 2>&1)
status=$?
fail=0
expect() {
	if grep -qE -- "$1" <<<"$out"; then
		echo "ok - $2"
	else
		echo "not ok - $2 (no line matching: $1)"
		fail=1
	fi
}
expect '^Breakpoint 1, fault_user \(.*scause=scause@entry=15' "stops at fault_user on a store fault"
expect '^thread [0-9]+ of task [0-9]+ \(sh, pid 1\): RUNNING, user pc 0x1[0-9a-f]{4}$' \
	"kthread names the faulting thread, its task and program"
expect '^  scause 15 \(store page fault\), stval 0x[0-9a-f]+, sepc 0x1[0-9a-f]{4}$' \
	"kfault prints the fault message"
expect '^Breakpoint 2, vm_fault \(' "kbreak pager vm_fault stops in the pager"
expect '^thread [0-9]+ of task [0-9]+ \(pager\): RUNNING, pc 0x[0-9a-f]+$' \
	"the stop in vm_fault is in the pager"
expect '^\$3 = \{label = 0x1, w = \{0x[0-9a-f]+000, 0x8[0-9a-f]+000, 0x3, 0x0, 0x0, 0x0\}' \
	"the pager's reply is FAULT_MAP va, pa, R|W"
expect '^Breakpoint 3, fault_do_reply \(' "the kernel takes the reply"
expect '^Temporary breakpoint -2, 0x0*1[0-9a-f]{4} in ' "kuser stops at the first user instruction"
expect '^fault message of thread [0-9]+ \(stale: not in a fault now\):$' \
	"after the reply the thread is out of its fault"
((status == 0)) || { echo "not ok - tools/gdb exited with status $status"; fail=1; }
((fail == 0)) || printf '%s\n' "--- tools/gdb output:" "$out"
exit $fail
