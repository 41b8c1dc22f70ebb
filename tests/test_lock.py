"""The lock is the truth: it agrees with pyproject.toml, pins everything with hashes, and is what is installed."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT, require
from packaging.requirements import Requirement

spec = importlib.util.spec_from_file_location("lock", ROOT / "requirements" / "lock.py")
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
LOCKS = ROOT / "requirements"


def test_the_lock_was_made_from_this_pyproject():
    want = lock.digest()
    stale = [p.name for p in LOCKS.glob("*.txt") if lock.recorded_digest(p) != want]
    assert not stale, f"{stale} were not compiled from this pyproject.toml: run `make lock`"


@pytest.mark.parametrize("target", [*lock.TARGETS, "all"])
def test_each_requirement_is_pinned_to_a_version_it_allows(target: str):
    pins = lock.read_pins(LOCKS / f"{target}.txt")
    tables = lock.dependency_tables()
    extras = lock.TARGETS.get(target, tuple(tables))
    for line in [*tables[""], *(r for e in extras for r in tables.get(e, []))]:
        req = Requirement(line)
        got = pins.get(lock.normalise(req.name))
        assert got is not None, f"{req.name} is not in {target}.txt: run `make lock`"
        assert req.specifier.contains(got, prereleases=True), f"{target}.txt pins {req.name}=={got}, not {req}"


def test_one_version_of_each_package_in_every_file_and_every_pin_hashed():
    everything = lock.read_pins(LOCKS / "all.txt")
    for target in lock.TARGETS:
        for name, version in lock.read_pins(LOCKS / f"{target}.txt").items():
            assert everything[name] == version, f"{target}.txt: {name} {version} vs all.txt {everything[name]}"
        unhashed = [name for name, (_, hashes) in lock.read_lock(LOCKS / f"{target}.txt").items() if not hashes]
        assert not unhashed, f"{target}.txt pins {unhashed} without a hash"


def test_the_installed_distributions_are_exactly_the_lock():
    """`make install`/`make test` sync this environment to lock files and record which; it must hold exactly
    their pins (name and version), nothing more (the project itself aside)."""
    targets = lock.synced_targets()
    require(targets, f"{sys.prefix} installed from the lock (make install)")
    pinned: dict[str, str] = {}
    for t in targets:
        pinned.update(lock.read_pins(LOCKS / f"{t}.txt"))
    installed = lock.installed()
    wrong = {n: (v, pinned.get(n)) for n, v in installed.items() if pinned.get(n) != v}
    missing = sorted(set(pinned) - set(installed))
    assert not wrong and not missing, f"installed vs lock: {wrong}; missing: {missing}"
