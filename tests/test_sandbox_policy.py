"""The sandbox's policy as data (autograder/engine/policy.py): built from the limits, it lists
the namespaces, mounts, resource limits, uid and system-call filter, crosses to the child as
JSON, and the child applies what it says (failing closed when a step fails). The sandbox also
keeps no pipe the grader holds (multiprocessing's forkserver and resource-tracker pipes)."""
from __future__ import annotations

import json
import os
import tempfile
import time

import pytest

from autograder.engine import protocol, seccomp
from autograder.engine.policy import Limits, Mount, SandboxPolicy, python_dirs
from autograder.engine.remote import (
    CallbackAnswers,
    IsolationPolicy,
    NotebookRun,
    Sandbox,
    SandboxProcess,
    UidClaim,
    exchange,
)

MB = 1024 * 1024


def _policy(**limits) -> SandboxPolicy:
    return SandboxPolicy.from_limits(Limits(**limits), root_dir="/tmp/root", files_dir="/staged",
                                     uid=123456, extra_readonly=["/opt/data"], env={"SEED": 3})


def test_the_policy_lists_namespaces_limits_uid_and_filter():
    policy = _policy(memory_mb=1000, file_mb=2, cpu_seconds=30, max_processes=7, reply_mb=5)
    assert policy.namespaces == ("mount", "network", "pid", "ipc")
    assert dict(policy.rlimits) == {"RLIMIT_AS": 1000 * MB, "RLIMIT_FSIZE": 2 * MB,
                                    "RLIMIT_CPU": 30, "RLIMIT_NOFILE": 256, "RLIMIT_CORE": 0,
                                    "RLIMIT_NPROC": 7}
    assert policy.uid == 123456 and policy.reply_bytes == 5 * MB
    assert policy.denied_syscalls == seccomp.DENIED and "memfd_create" in policy.denied_syscalls
    assert policy.env["SEED"] == "3" and policy.env["TMPDIR"] == "/tmp"


def test_the_policy_lists_the_mounts_in_the_order_they_are_made():
    mounts = _policy(scratch_mb=100).mounts
    targets = [m.target for m in mounts]
    assert mounts[0] == Mount("tmpfs", "/", size_mb=16, mode=0o755)
    assert mounts[1] == Mount("tmpfs", "/tmp", size_mb=100, mode=0o1777)  # the scratch budget
    readonly = {m.target for m in mounts if m.kind == "readonly"}
    assert {"/usr", "/lib", "/bin", "/sbin", "/etc", "/opt/data", *python_dirs()} <= readonly
    # everything writable lies in the scratch tmpfs, mounted before the read-only binds
    # (which may lie below /tmp); the submission's folder comes last
    shared = {m.target: m.source for m in mounts if m.kind == "folder"}
    assert shared == {"/dev/shm": "/tmp/.shm", "/submission": "/tmp/.submission"}
    assert targets.index("/tmp") < min(targets.index(t) for t in readonly)
    assert targets[-1] == "/submission" and "/proc" in targets and "/dev/null" in targets


def test_the_policy_crosses_as_json():
    policy = _policy()
    data = json.loads(json.dumps(policy.to_json()))
    assert SandboxPolicy.from_json(data) == policy


@pytest.mark.parametrize("change", [
    lambda d: d.pop("uid"),
    lambda d: d.update(mounts=[{"kind": "overlay", "target": "/x"}]),
    lambda d: d.update(mounts=[{"kind": "readonly", "target": "relative/path"}]),
    lambda d: d.update(mounts=[{"kind": "tmpfs", "target": "/", "size": 1}]),
    lambda d: d.update(rlimits=[["RLIMIT_MADE_UP", 1]]),
    lambda d: d.update(rlimits=[["RLIMIT_AS"]]),
    lambda d: d.update(namespaces=["time"]),
    lambda d: d.update(denied_syscalls=["no_such_call"]),
    lambda d: d.update(env=["PATH"]),
])
def test_a_malformed_policy_is_refused(change):
    data = _policy().to_json()
    change(data)
    with pytest.raises(ValueError):
        SandboxPolicy.from_json(data)


# ------------------------------------------------------------ the child applies it

PROBE = """
import os, resource
def probe():
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    written = 0
    try:
        with open("/tmp/big.bin", "wb") as fh:
            for _ in range(4):
                fh.write(b"x" * (1 << 20))
                fh.flush()
                written += 1
    except OSError:
        pass
    try:
        os.close(os.memfd_create("probe"))
        memfd = "allowed"
    except OSError:
        memfd = "refused"
    return {"fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0], "written_mb": written,
            "fds": fds, "memfd": memfd, "uid": os.getuid()}
"""


def _grader_pipes() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("pipe:"):
            found.add(link)
    return found


@pytest.fixture(scope="module")
def probed():
    sandbox = Sandbox([(0, PROBE)], None, limits=Limits(file_mb=2))
    try:
        from autograder.engine.remote import RemoteFunction

        result = RemoteFunction(sandbox, "probe")()
        return {"result": result, "pipes": _grader_pipes(), "sandbox": sandbox,
                "policy": sandbox.sandbox_policy}
    finally:
        sandbox.close()


def test_the_child_enforces_the_policys_file_limit(probed):
    result = probed["result"]
    assert probed["policy"].rlimit("RLIMIT_FSIZE") == 2 * MB
    assert result["fsize"] == 2 * MB and result["written_mb"] == 2, result


def test_the_child_runs_as_the_policys_uid_and_filters_its_calls(probed):
    assert probed["result"]["uid"] == probed["sandbox"].uid == probed["policy"].uid
    assert probed["result"]["memfd"] == "refused"


def test_the_sandbox_holds_no_pipe_of_the_grader(probed):
    """The forkserver's "alive" pipe (which would keep the forkserver, and so the sandbox,
    running after the grader died) and the root-owned resource tracker's pipe are the
    grader's: the sandbox holds none of its pipes. Besides its one connection (a socket)
    and the files it opened itself in its /tmp, every descriptor points at /dev/null."""
    fds = probed["result"]["fds"]
    assert not set(fds.values()) & probed["pipes"], (fds, probed["pipes"])
    links = list(fds.values())
    assert sum(link.startswith("socket:") for link in links) == 1, fds
    assert all(link == "/dev/null" or link.startswith(("socket:", "/tmp/", "/proc/"))
               for link in links), fds


def _probe_with(policy: SandboxPolicy) -> dict:
    """Run PROBE in a process under ``policy`` (the trusted side's parts, without the
    facade's defaults)."""
    process = SandboxProcess(policy, IsolationPolicy())
    try:
        channel = process.start()
        NotebookRun([(0, PROBE)], Limits()).run(channel, 60.0)
        return exchange(channel, protocol.Call({"global": "probe"}), time.monotonic() + 60,
                        CallbackAnswers(None)).value
    finally:
        process.kill()


@pytest.fixture
def claimed():
    uid, root = UidClaim(), tempfile.mkdtemp(prefix="nnbio-sandbox-root-")
    yield uid.uid, root
    uid.release()
    os.rmdir(root)


def test_the_child_applies_the_policys_system_call_filter(claimed):
    uid, root = claimed
    policy = SandboxPolicy.from_limits(Limits(), root_dir=root, files_dir=None, uid=uid)
    allowed = tuple(s for s in policy.denied_syscalls if s != "memfd_create")
    result = _probe_with(SandboxPolicy.from_json({**policy.to_json(),
                                                  "denied_syscalls": list(allowed)}))
    assert result["memfd"] == "allowed" and result["uid"] == uid


def test_a_step_that_fails_stops_the_sandbox(claimed):
    uid, root = claimed
    policy = SandboxPolicy.from_limits(Limits(), root_dir=root, files_dir=None, uid=uid)
    broken = SandboxPolicy.from_json({**policy.to_json(), "mounts": policy.to_json()["mounts"]
                                      + [{"kind": "folder", "target": "/x", "source": "/tmp",
                                          "size_mb": 0, "mode": 0o755}]})  # /tmp exists
    with pytest.raises(RuntimeError, match="sandbox isolation failed.*FileExistsError"):
        _probe_with(broken)
