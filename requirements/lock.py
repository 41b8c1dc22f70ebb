"""The dependency lock: compile it from pyproject.toml (`make lock`), install exactly it (`make install`, `make test`).

Every file here pins every distribution, direct and transitive, with its hashes, for CPython 3.11 on Linux x86_64
(torch is the CPU build that lies on this workplace's disk, in /opt/wheels). `all.txt` is resolved first from every
extra together; each install target is then resolved under it as a constraint, so a package has one version in
every file. Each file's first line records a digest of pyproject.toml's dependency tables: tests/test_lock.py fails
when they disagree (someone changed a dependency without `make lock`).

    python requirements/lock.py compile        # refresh every file, print what changed
    python requirements/lock.py sync run test  # install exactly these files into this interpreter's environment
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROJECT = "citable"
# Each install target: the extras it adds to the base dependencies.
TARGETS: dict[str, tuple[str, ...]] = {
    "run": (),
    "test": ("dev", "llm-test", "bench"),  # bench: tests/test_bench.py runs every stage on a tiny corpus
    "bench": ("dev", "bench"),
    "train": ("dev", "train"),
}
DIGEST_LINE = "# pyproject-dependencies-sha256: "
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
FIND_LINKS = "/opt/wheels"  # where this workplace keeps the CPU build of torch


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_tables(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, list[str]]:
    project = tomllib.loads(pyproject.read_text())["project"]
    return {"": project["dependencies"], **project.get("optional-dependencies", {})}


def digest(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """A digest of what the lock is made from: the dependency tables and the build tools (not comments)."""
    inputs = {"tables": dependency_tables(pyproject), "build": (HERE / "build.in").read_text().split()}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def read_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, sha256 hashes) for every pin of a lock file (a pin line, then its ``--hash`` lines)."""
    entries: dict[str, tuple[str, list[str]]] = {}
    hashes: list[str] | None = None
    for line in path.read_text().splitlines():
        if m := PIN.match(line):
            hashes = []
            entries[normalise(m.group(1))] = (m.group(2), hashes)
        elif hashes is not None and "--hash=sha256:" in line:
            hashes.append(line.split("--hash=sha256:")[1].split()[0])
        elif not line.startswith(" "):
            hashes = None
    return entries


def read_pins(path: Path) -> dict[str, str]:
    """name -> version for every pin of a lock file."""
    return {name: version for name, (version, _) in read_lock(path).items()}


def recorded_digest(path: Path) -> str | None:
    first = path.read_text().splitlines()[0]
    return first[len(DIGEST_LINE):] if first.startswith(DIGEST_LINE) else None


def _uv_compile(out: Path, extras: tuple[str, ...], constraint: Path | None, all_extras: bool = False) -> None:
    cmd = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", "requirements/build.in", "--quiet",
           "--generate-hashes", "--python-version", "3.11", "--find-links", FIND_LINKS,
           "--index-strategy", "unsafe-best-match", "--custom-compile-command", "make lock", "-o", str(out)]
    cmd += ["--all-extras"] if all_extras else [a for e in extras for a in ("--extra", e)]
    if constraint is not None:
        cmd += ["--constraint", str(constraint.relative_to(ROOT))]
    subprocess.run(cmd, cwd=ROOT, check=True)
    out.write_text(DIGEST_LINE + digest() + "\n" + out.read_text())


def compile_all() -> None:
    before = {p.stem: read_pins(p) for p in HERE.glob("*.txt")}
    # Resolve afresh (no old pins as preferences): the newest versions that satisfy pyproject.toml.
    all_txt = HERE / "all.txt"
    all_txt.unlink(missing_ok=True)
    _uv_compile(all_txt, (), None, all_extras=True)
    for target, extras in TARGETS.items():
        _uv_compile(HERE / f"{target}.txt", extras, all_txt)
    after = read_pins(all_txt)
    old = before.get("all", {})
    changes = [f"  {n}: {old.get(n, '-')} -> {after.get(n, '-')}" for n in sorted(set(old) | set(after))
               if old.get(n) != after.get(n)]
    print(f"locked {len(after)} distributions" + (":" if changes else "; nothing changed"))
    print("\n".join(changes))


def installed() -> dict[str, str]:
    """name -> version of every distribution in this interpreter's environment, the project itself left out."""
    from importlib import metadata

    found = {normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}
    found.pop(PROJECT, None)
    return found


LOCKS_RECORD = Path(sys.prefix) / ".locks"  # which lock files this environment was synced to


def synced_targets() -> list[str]:
    return LOCKS_RECORD.read_text().split() if LOCKS_RECORD.exists() else []


def sync(targets: list[str]) -> None:
    """Install exactly the pins of these targets (and of the ones synced before), remove what no lock pins, then
    install the project itself without dependencies."""
    wanted = sorted(set(synced_targets()) | set(targets))
    files = [HERE / f"{t}.txt" for t in wanted]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-qq"]  # -qq: not the machine's index notices
    # One pip run for all the files: they pin one version per package, and each run re-collects every pin.
    subprocess.run([*pip, "install", "--require-hashes", "--no-deps", *(a for f in files for a in ("-r", str(f)))],
                   check=True)
    pinned: dict[str, str] = {}
    for f in files:
        pinned.update(read_pins(f))
    extra = sorted(n for n in installed() if n not in pinned)
    if extra:
        subprocess.run([*pip, "uninstall", "-y", *extra], check=True)
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    LOCKS_RECORD.write_text(" ".join(wanted) + "\n")


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        compile_all()
    elif argv[:1] == ["sync"] and argv[1:] and set(argv[1:]) <= set(TARGETS):
        sync(argv[1:])
    else:
        print(f"usage: lock.py compile | lock.py sync {{{','.join(TARGETS)}}}...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main(sys.argv[1:]))
