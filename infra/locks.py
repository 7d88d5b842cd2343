"""The hashed dependency locks: write them, check they are fresh, and cut them per Lambda layer.

Two locks, both resolved by uv for the Lambda platform (CPython 3.13, x86_64 manylinux_2_28, which the
python3.13 runtime on Amazon Linux 2023 runs) with every artifact's sha256:

- ``requirements.lock`` from ``requirements.txt``: what the functions run. The layer build installs from it.
- ``requirements-dev.lock`` from ``requirements-dev.txt`` constrained by ``requirements.lock``: the venv
  (tests, local stack, tools). The constraint makes the venv run exactly the versions Lambda runs.

Each lock starts with the sha256 of its inputs, so a requirements file changed without ``make lock``
is caught (``python infra/locks.py check``, run by ``make lint`` and a unit test) without asking a registry.

    python infra/locks.py write            # resolve both again (make lock); needs the package registry
    python infra/locks.py check            # exit 1 when a lock is stale or the two disagree
    python infra/locks.py layer OUT NAME.. # the runtime lock less the packages only NAME.. need (for a layer)
    python infra/locks.py only OUT NAME..  # the packages only NAME.. need, with their hashes
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_INPUT, RUNTIME_LOCK = ROOT / "requirements.txt", ROOT / "requirements.lock"
DEV_INPUT, DEV_LOCK = ROOT / "requirements-dev.txt", ROOT / "requirements-dev.lock"
PYTHON_VERSION = "3.13"
PLATFORM = "x86_64-manylinux_2_28"
DIGEST_PREFIX = "# inputs-sha256: "
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def canonical(name: str) -> str:
    """PEP 503 name, so `PyYAML`, `pyyaml` and `py_yaml` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Entry:
    """One pinned package of a lock: its text block (pin and hashes) and who asked for it."""

    name: str
    version: str
    lines: list[str] = field(default_factory=list)
    required_by: set[str] = field(default_factory=set)  # canonical names; "" for the input file itself


def parse(text: str) -> dict[str, Entry]:
    """The entries of a uv lock, reading uv's `# via` comments for the dependency edges."""
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    in_via = False
    for line in text.splitlines():
        pin = _PIN.match(line)
        if pin:
            current = Entry(canonical(pin[1]), pin[2], [line])
            entries[current.name] = current
            in_via = False
            continue
        if current is None or not line.startswith(" "):
            continue
        stripped = line.strip()
        if stripped.startswith("--hash"):
            current.lines.append(line)
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                current.required_by.add(_requirer(rest))
        elif in_via and stripped.startswith("#"):
            current.required_by.add(_requirer(stripped.lstrip("# ")))
    return entries


def _requirer(text: str) -> str:
    return "" if text.startswith(("-r ", "-c ")) else canonical(text.split()[0])


def pins(path: Path) -> dict[str, str]:
    return {name: entry.version for name, entry in parse(path.read_text()).items()}


def digest(*paths: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def recorded_digest(lock: Path) -> str | None:
    for line in lock.read_text().splitlines():
        if line.startswith(DIGEST_PREFIX):
            return line.removeprefix(DIGEST_PREFIX).strip()
    return None


def problems() -> list[str]:
    """What makes the locks unfit: each a sentence naming the fix. Empty when both are fresh."""
    found = []
    for lock, inputs in ((RUNTIME_LOCK, (RUNTIME_INPUT,)), (DEV_LOCK, (DEV_INPUT, RUNTIME_INPUT, RUNTIME_LOCK))):
        if not lock.exists():
            found.append(f"{lock.name} is missing: run `make lock`")
        elif recorded_digest(lock) != digest(*inputs):
            found.append(f"{lock.name} is stale ({', '.join(p.name for p in inputs)} changed): run `make lock`")
    if not found:
        runtime, dev = pins(RUNTIME_LOCK), pins(DEV_LOCK)
        for name, version in sorted(runtime.items()):
            if dev.get(name) != version:
                found.append(f"{DEV_LOCK.name} has {name}=={dev.get(name)}, {RUNTIME_LOCK.name} {version}: run `make lock`")
    return found


def write() -> None:
    """Resolve both locks again (the newest versions the requirement ranges allow)."""
    _compile(RUNTIME_INPUT, RUNTIME_LOCK, (RUNTIME_INPUT,))
    _compile(DEV_INPUT, DEV_LOCK, (DEV_INPUT, RUNTIME_INPUT, RUNTIME_LOCK), "--constraint", str(RUNTIME_LOCK))


def _compile(source: Path, lock: Path, inputs: tuple[Path, ...], *extra: str) -> None:
    resolved = subprocess.run(
        [sys.executable, "-m", "uv", "pip", "compile", str(source.relative_to(ROOT)), *extra,
         "--python-version", PYTHON_VERSION, "--python-platform", PLATFORM,
         "--generate-hashes", "--no-header", "--quiet"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    header = (f"# Generated by `make lock` from {source.name} (uv pip compile, CPython {PYTHON_VERSION}, {PLATFORM},\n"
              f"# every artifact's sha256). Do not edit: change {source.name} and run `make lock`.\n"
              f"{DIGEST_PREFIX}{digest(*inputs)}\n")
    lock.write_text(header + resolved)


def subset(names: list[str]) -> tuple[list[Entry], list[Entry]]:
    """Split the runtime lock into (what the rest needs, what only `names` and their own deps need)."""
    entries = parse(RUNTIME_LOCK.read_text())
    only = {canonical(name) for name in names}
    missing = only - entries.keys()
    if missing:
        raise SystemExit(f"not in {RUNTIME_LOCK.name}: {', '.join(sorted(missing))}")
    changed = True
    while changed:  # a package goes with them when every requirer of it goes with them
        changed = False
        for entry in entries.values():
            if entry.name not in only and entry.required_by and "" not in entry.required_by \
                    and entry.required_by <= only:
                only.add(entry.name)
                changed = True
    rest = [entry for entry in entries.values() if entry.name not in only]
    return rest, [entries[name] for name in sorted(only)]


def _write_entries(out: Path, entries: list[Entry]) -> None:
    out.write_text("".join("\n".join(entry.lines) + "\n" for entry in entries))


def main(argv: list[str]) -> int:
    command, *args = argv or ["check"]
    if command == "write":
        write()
    elif command == "check":
        for problem in problems():
            print(problem, file=sys.stderr)
        return 1 if problems() else 0
    elif command in ("layer", "only"):
        out, *names = args
        rest, only = subset(names)
        _write_entries(Path(out), rest if command == "layer" else only)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
