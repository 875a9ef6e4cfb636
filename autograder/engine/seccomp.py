"""A small system-call filter for the sandbox (seccomp-BPF), as data.

Memory a process holds in files that are not mapped is not counted by ``RLIMIT_AS``: an
anonymous ``memfd_create`` file or a System V shared memory segment can grow outside the
sandbox's memory limit (everything else it can write lies in its size-limited tmpfs). Without
cgroups, the way to keep them inside the budget is not to have them. The filter also denies
the calls a student's code has no business making: tracing or reading other processes,
new namespaces, mounts, kernel keyrings, BPF, userfaultfd and performance counters.

A denied call fails with EPERM (libraries fall back, e.g. to ``/dev/shm`` files, which lie in
the tmpfs). System calls of another ABI (32-bit ``int 0x80`` on x86-64, x32) are denied
whole. ``install()`` returns False on an architecture it has no table for; the sandbox then
reports the ``seccomp`` property as missing and the isolation policy decides.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

DENIED = ("memfd_create", "shmget", "ptrace", "process_vm_readv", "process_vm_writev",
          "userfaultfd", "bpf", "perf_event_open", "unshare", "setns", "mount", "umount2",
          "pivot_root", "chroot", "add_key", "request_key", "keyctl", "kexec_load",
          "init_module", "finit_module", "delete_module", "swapon", "swapoff", "reboot")

# (audit architecture, system-call numbers) per machine
TABLES = {
    "x86_64": (0xC000003E, {
        "memfd_create": 319, "shmget": 29, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "userfaultfd": 323, "bpf": 321, "perf_event_open": 298,
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
        "chroot": 161, "add_key": 248, "request_key": 249, "keyctl": 250, "kexec_load": 246,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "swapon": 167,
        "swapoff": 168, "reboot": 169}),
    "aarch64": (0xC00000B7, {
        "memfd_create": 279, "shmget": 194, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "userfaultfd": 282, "bpf": 280, "perf_event_open": 241,
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
        "chroot": 51, "add_key": 217, "request_key": 218, "keyctl": 219, "kexec_load": 104,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "swapon": 224,
        "swapoff": 225, "reboot": 142}),
}
X32_BIT = 0x40000000

# BPF opcodes
LD_W_ABS, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
OFF_NR, OFF_ARCH = 0, 4
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def program(machine: str | None = None,
            denied: tuple[str, ...] = DENIED) -> list[tuple[int, int, int, int]] | None:
    """The filter denying ``denied`` (names of :data:`DENIED`) on ``machine`` (default: this
    one), as (code, jt, jf, k) instructions."""
    table = TABLES.get(machine or platform.machine())
    if table is None:
        return None
    arch, numbers = table
    deny = RET_ERRNO | errno.EPERM
    prog = [(LD_W_ABS, 0, 0, OFF_ARCH),
            (JEQ_K, 1, 0, arch),          # our ABI: go on; another ABI: deny
            (RET_K, 0, 0, deny),
            (LD_W_ABS, 0, 0, OFF_NR)]
    if (machine or platform.machine()) == "x86_64":
        prog += [(JGE_K, 0, 1, X32_BIT), (RET_K, 0, 0, deny)]
    for name in denied:
        prog += [(JEQ_K, 0, 1, numbers[name]), (RET_K, 0, 0, deny)]
    prog.append((RET_K, 0, 0, RET_ALLOW))
    return prog


def install(denied: tuple[str, ...] = DENIED) -> bool:
    """Install the filter denying ``denied`` on this process (and everything it starts);
    False when this machine has no table or the kernel refuses."""
    prog = program(denied=denied)
    if prog is None:
        return False
    raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(prog), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) == 0
