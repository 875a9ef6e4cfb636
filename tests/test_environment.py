"""The environment descriptions agree: requirements.in (direct pins), requirements.txt (full
lock used by `make setup`), environment.yml (conda) and the running interpreter."""
from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1 and spec[0].operator == "==", f"not pinned exactly: {line}"
        pins[canonicalize_name(req.name)] = spec[0].version
    return pins


def direct_pins():
    return _pins((REPO / "requirements.in").read_text().splitlines())


def test_every_direct_dependency_is_pinned_in_the_lock_file():
    lock = _pins((REPO / "requirements.txt").read_text().splitlines())
    for name, ver in direct_pins().items():
        assert lock.get(name) == ver, f"{name}: requirements.in {ver}, requirements.txt {lock.get(name)}"


def test_environment_yml_matches_the_pip_pins():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert _pins(pip_section) == direct_pins()


def test_torch_is_the_pinned_cpu_build():
    assert direct_pins()["torch"] == "2.13.0"
    lock = (REPO / "requirements.txt").read_text().lower()
    assert "nvidia" not in lock and "cuda" not in lock, "the lock must not pull CUDA packages"


def test_running_environment_matches_the_pins():
    assert sys.version_info[:2] == (3, 11)
    for name, ver in direct_pins().items():
        installed = version(name).split("+")[0]
        assert installed == ver, f"{name}: installed {installed}, pinned {ver}"
