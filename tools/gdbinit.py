# gdbinit.py - kossu's gdb helpers (tools, host side), loaded by tools/gdb into gdb-multiarch.
# Connects gdb to QEMU's gdb server and the guest console to this terminal, loads the kernel's
# and the pager's symbols, and adds the k* commands: kthread, ktask, ktasks, kfault, kbreak,
# kuser. It reads the kernel's own tables (sched/sched.h, sched/object.c, arch/arch.h) and the
# pager's process table (servers/proc.c), so it follows their layout through the debug info.
# Environment (set by tools/gdb): KOSSU_GDB_SOCKET, KOSSU_CONSOLE, KOSSU_GDB_BUILD.

import contextlib
import functools
import os
import select
import signal
import socket
import termios
import threading

import gdb

KERNEL_BASE = 0xffffffc000000000  # arch/arch.h: kernel virtual = physical + KERNEL_BASE
USER_TEXT = 0x10000               # libsys/user.ld: every program's .text starts here
PAGE = 4096
STATES = ["SUSPENDED", "READY", "RUNNING", "SEND", "RECV", "REPLY", "NOTIF", "SLEEP", "DEAD"]
CAUSES = {0: "instruction misaligned", 1: "instruction access fault", 2: "illegal instruction",
          3: "breakpoint", 5: "load access fault", 7: "store access fault",
          8: "ecall from U-mode", 12: "instruction page fault", 13: "load page fault",
          15: "store page fault"}
FAULT_FLAG_KACCESS = 1  # libsys/abi.h: a syscall's user buffer, not a hardware fault


# ---- reading the kernel's and the pager's state --------------------------------------------

def kval(expr):
    return gdb.parse_and_eval(expr)


def reg(name):
    return int(kval("$" + name)) & 0xffffffffffffffff


@contextlib.contextmanager
def kernel_view():
    """QEMU's gdb server reads memory with the hart's privilege: stopped in user mode, kernel
    pages (PTE U clear) are unreadable. Switch the hart to S-mode for the reads, then back
    (QEMU's TLB is per privilege, so nothing else changes)."""
    user = reg("priv") == 0
    if user:
        gdb.execute("set $priv = 1", to_string=True)
    try:
        yield
    finally:
        if user:
            gdb.execute("set $priv = 0", to_string=True)


def in_kernel_view(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with kernel_view():
            return fn(*args, **kwargs)
    return wrapper


def ktables():
    """The kernel's task and thread tables (static in sched/object.c)."""
    return kval("'object.c'::tasks"), kval("'object.c'::threads")


def current_thread():
    """The thread running on this hart, or None. In user mode sscratch holds it (arch/trap.S);
    in the kernel tp holds the struct hart, whose current is the thread the next sret resumes."""
    thread_t = ktables()[1].type.target().pointer()
    if reg("pc") < KERNEL_BASE:
        t = reg("sscratch")
    else:
        tp = reg("tp")
        if tp < KERNEL_BASE:
            return None  # very early boot or the first instructions of trap_entry
        t = int(kval("((struct hart *)%#x)->current" % tp))
    return kval("(%s)%#x" % (thread_t, t)) if t else None


def phys_read(pa, n):
    return bytes(gdb.selected_inferior().read_memory(KERNEL_BASE + pa, n))


def user_to_phys(root_pa, va):
    """Walk a task's Sv39 table (through the kernel's physmap, mapped in every space)."""
    table = root_pa
    for level in (2, 1, 0):
        idx = (va >> (12 + 9 * level)) & 0x1ff
        pte = int.from_bytes(phys_read(table + 8 * idx, 8), "little")
        if not pte & 1:
            return None
        pa = (pte >> 10) << 12
        if pte & 0xa:  # R or X: a leaf (a megapage above level 0)
            return pa + (va & ((1 << (12 + 9 * level)) - 1))
        table = pa
    return None


def user_read(task, va, n):
    """n bytes at va in task's address space (any task, whatever satp holds now)."""
    out = b""
    while n:
        chunk = min(n, PAGE - va % PAGE)
        pa = user_to_phys(int(task["root_pa"]), va)
        if pa is None:
            raise gdb.GdbError("%#x is not mapped in task %d" % (va, int(task["id"])))
        out += phys_read(pa, chunk)
        va, n = va + chunk, n - chunk
    return out


def root_task():
    """The root pager: the live task nobody gave quota to (sched/boot.c)."""
    tasks = ktables()[0]
    for i in range(1, tasks.type.range()[1] + 1):
        t = tasks[i]
        if int(t["obj"]["type"]) == 1 and int(t["quota_from"]) == 0:
            return t
    return None


def program_of(task_id):
    """(name, pid) of the process the pager runs in task task_id, from its procs table."""
    root = root_task()
    if root is None:
        return None, None
    if int(root["id"]) == task_id:
        return "pager", None
    try:
        procs = kval("'proc.c'::procs")
    except gdb.error:
        return None, None  # the pager's symbols are not loaded
    size = procs.type.target().sizeof
    proc_t = procs.type.target()
    for i in range(procs.type.range()[1] + 1):
        raw = user_read(root, int(procs[i].address), size)
        p = gdb.Value(raw, proc_t)
        if int(p["state"]) != 0 and int(p["task_id"]) == task_id:
            return p["name"].string(), int(p["pid"])
    return None, None


def describe_task(t):
    name, pid = program_of(int(t["id"]))
    who = name if pid is None else "%s, pid %d" % (name, pid)
    return "task %d (%s)" % (int(t["id"]), who or "?")


def thread_line(t):
    """One line on thread t: the live pc if it is running now, else the pc it resumes at."""
    state = int(t["state"])
    cur = current_thread()
    if cur is not None and int(cur) == int(t.address) and reg("pc") < KERNEL_BASE:
        pc = "pc %#x" % reg("pc")
    else:
        pc = "user pc %#x" % int(t["tf"]["regs"][0])
    return "thread %d of %s: %s, %s%s" % (
        int(t["id"]), describe_task(t["task"].dereference()),
        STATES[state] if state < len(STATES) else state, pc,
        ", in a fault" if t["in_fault"] else "")


def thread_arg(arg):
    if not arg.strip():
        t = current_thread()
        if t is None:
            raise gdb.GdbError("no current thread: the hart is idle (or still booting); "
                               "give a thread id (ktasks lists them)")
        return t.dereference()
    threads = ktables()[1]
    i = int(kval(arg))
    if not 0 <= i <= threads.type.range()[1]:
        raise gdb.GdbError("no thread %d" % i)
    return threads[i]


# ---- commands ------------------------------------------------------------------------------

class KThread(gdb.Command):
    """kthread [ID]: the current thread (or thread ID): its task, program, state and pc."""
    def __init__(self):
        super().__init__("kthread", gdb.COMMAND_USER)

    @in_kernel_view
    def invoke(self, arg, from_tty):
        print(thread_line(thread_arg(arg)))


class KTask(gdb.Command):
    """ktask: the current task: its program, address space (satp) and threads."""
    def __init__(self):
        super().__init__("ktask", gdb.COMMAND_USER)

    @in_kernel_view
    def invoke(self, arg, from_tty):
        t = thread_arg(arg)["task"].dereference()
        ids, th = [], t["threads"]
        while int(th):
            ids.append(str(int(th["id"])))
            th = th["task_next"]
        print("%s: satp %#x (asid %d, page table at %#x), threads %s" % (
            describe_task(t), int(t["satp"]), int(t["asid"]), int(t["root_pa"]),
            " ".join(ids) or "none"))


class KTasks(gdb.Command):
    """ktasks: every live task with its program and threads (like ps, from the kernel)."""
    def __init__(self):
        super().__init__("ktasks", gdb.COMMAND_USER)

    @in_kernel_view
    def invoke(self, arg, from_tty):
        tasks, threads = ktables()
        for i in range(threads.type.range()[1] + 1):
            if int(threads[i]["obj"]["type"]) == 2:
                print(thread_line(threads[i]))


class KFault(gdb.Command):
    """kfault [ID]: the fault message of the current thread (or thread ID), as the pager gets it
(struct thread's fault_msg, filled by fault_user in fault/fault.c)."""
    def __init__(self):
        super().__init__("kfault", gdb.COMMAND_USER)

    @in_kernel_view
    def invoke(self, arg, from_tty):
        t = thread_arg(arg)
        w = [int(t["fault_msg"][i]) for i in range(6)]
        print("fault message of thread %d (%s):" % (int(t["id"]), "pending" if t["in_fault"]
                                                     else "stale: not in a fault now"))
        print("  scause %d (%s), stval %#x, sepc %#x" % (w[0], CAUSES.get(w[0], "?"), w[1], w[2]))
        print("  thread %d, task %d, flags %#x%s" % (w[3], w[4], w[5], " (a syscall's buffer)"
                                                      if w[5] & FAULT_FLAG_KACCESS else ""))


class KBreakpoint(gdb.Breakpoint):
    """A breakpoint that stops only in one program (every program runs at 0x10000, so a bare
    breakpoint at a user address stops in whatever program is there)."""
    def __init__(self, spec, prog):
        super().__init__(spec)
        self.prog = prog

    @in_kernel_view
    def stop(self):
        t = current_thread()
        if t is None:
            return False
        task_id = int(t["task"]["id"])
        if self.prog.isdigit():
            return task_id == int(self.prog)
        return program_of(task_id)[0] == self.prog


class KBreak(gdb.Command):
    """kbreak PROGRAM LOCATION: break at LOCATION only in PROGRAM (a name such as pager or sh,
or a kernel task id). For a program other than the pager, load its symbols first:
kload NAME."""
    def __init__(self):
        super().__init__("kbreak", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        words = arg.split(None, 1)
        if len(words) != 2:
            raise gdb.GdbError("usage: kbreak PROGRAM LOCATION")
        bp = KBreakpoint(words[1], words[0])
        print("(stops only in %s)" % ("task " + words[0] if words[0].isdigit() else words[0]))
        return bp


class KLoad(gdb.Command):
    """kload NAME: load the symbols of the user program NAME from the build directory (linked at
0x10000 like every program: a user address then has several meanings, see kbreak)."""
    def __init__(self):
        super().__init__("kload", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        load_program(arg.strip())


def sret_address():
    """The sret in trap_return (arch/trap.S): where the kernel leaves for user mode."""
    start = int(kval("(long)&trap_return")) & 0xffffffffffffffff
    arch = gdb.selected_frame().architecture()
    for insn in arch.disassemble(start, count=200):
        if insn["asm"].split()[0] == "sret":
            return insn["addr"]
    raise gdb.GdbError("no sret found in trap_return")


def continue_to(spec):
    bp = gdb.Breakpoint(spec, internal=True, temporary=True)
    try:
        gdb.execute("continue")
    finally:
        if bp.is_valid():
            bp.delete()


class KUser(gdb.Command):
    """kuser: run to the next return to user mode and stop at the first user instruction (stepi
over sret loses control: this stops at sret, then breaks at sepc in that address space)."""
    def __init__(self):
        super().__init__("kuser", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        if reg("pc") < KERNEL_BASE:
            raise gdb.GdbError("already in user mode")
        sret = sret_address()
        if reg("pc") != sret:
            continue_to("*%#x" % sret)
        if reg("pc") != sret:
            return  # stopped elsewhere (another breakpoint, Ctrl-C)
        sepc, satp = reg("sepc"), reg("satp")
        bp = gdb.Breakpoint("*%#x" % sepc, internal=True, temporary=True)
        bp.condition = "$satp == %#x" % satp
        try:
            gdb.execute("continue")
        finally:
            if bp.is_valid():
                bp.delete()
        with kernel_view():
            t = current_thread()
            if t is not None and reg("pc") == sepc:
                print(thread_line(t.dereference()))
                if program_of(int(t["task"]["id"]))[0] != "pager":
                    print("(user addresses are named with the pager's symbols: kload NAME "
                          "for this program's)")


class KTaskId(gdb.Function):
    """$ktask_id(): the current task's kernel id, for conditions: break f if $ktask_id() == 3."""
    def __init__(self):
        super().__init__("ktask_id")

    @in_kernel_view
    def invoke(self):
        t = current_thread()
        return -1 if t is None else int(t["task"]["id"])


# ---- the guest console on this terminal ----------------------------------------------------

def start_thread(fn):
    """A thread with gdb's signals blocked, so that Ctrl-C's SIGINT reaches gdb's main thread
(gdb 13 has no gdb.Thread yet: block them here, the new thread inherits the mask)."""
    sigs = {signal.SIGINT, signal.SIGCHLD, signal.SIGWINCH, signal.SIGTERM, signal.SIGQUIT}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        th = threading.Thread(target=fn, daemon=True)
        th.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return th


class Console:
    """QEMU's serial port (and its monitor: Ctrl-A c) on a Unix socket, relayed to this terminal.
Output is copied all the time; the keyboard goes to the guest only while gdb lets the guest
run, in QEMU's raw mode but with ISIG on, so that Ctrl-C interrupts the guest into gdb. At
the gdb prompt the keyboard is gdb's."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.tty = os.isatty(0)
        self.saved = None
        self.stop_r = self.stop_w = None
        self.input = None
        start_thread(self.output)
        gdb.events.cont.connect(self.on_cont)
        gdb.events.stop.connect(self.on_stop)
        gdb.events.exited.connect(self.on_stop)

    def output(self):
        while True:
            data = self.sock.recv(4096)
            if not data:
                break
            os.write(1, data)
        gdb.post_event(lambda: print("\n[QEMU has exited: the console is closed; quit with q]"))

    def on_cont(self, _event):
        if not self.tty or self.input is not None:
            return
        self.saved = termios.tcgetattr(0)
        mode = termios.tcgetattr(0)
        # QEMU's own stdio settings (chardev/char-stdio.c), ISIG kept.
        mode[0] &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP |
                     termios.INLCR | termios.IGNCR | termios.ICRNL | termios.IXON)
        mode[1] |= termios.OPOST
        mode[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.IEXTEN)
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(0, termios.TCSANOW, mode)
        self.stop_r, self.stop_w = os.pipe()
        self.input = start_thread(self.keyboard)

    def keyboard(self):
        while True:
            ready = select.select([0, self.stop_r], [], [])[0]
            if self.stop_r in ready:
                return
            data = os.read(0, 1024)
            if not data:
                return
            try:
                self.sock.sendall(data)
            except OSError:
                return

    def on_stop(self, _event):
        if self.input is None:
            return
        os.write(self.stop_w, b"x")
        self.input.join()
        os.close(self.stop_r)
        os.close(self.stop_w)
        self.input = None
        termios.tcsetattr(0, termios.TCSANOW, self.saved)


# ---- start-up ------------------------------------------------------------------------------

def load_program(name):
    path = os.path.join(os.environ.get("KOSSU_GDB_BUILD", "build-debug"), name)
    if not os.path.isfile(path):
        raise gdb.GdbError("no program %s" % path)
    gdb.execute("add-symbol-file %s %#x" % (path, USER_TEXT), to_string=True)


def main():
    for c in (KThread, KTask, KTasks, KFault, KBreak, KLoad, KUser, KTaskId):
        c()
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    load_program("pager")
    console = os.environ.get("KOSSU_CONSOLE")
    if console:
        Console(console)
    target = os.environ.get("KOSSU_GDB_SOCKET")
    if target:
        gdb.execute("target remote %s" % target)


main()
