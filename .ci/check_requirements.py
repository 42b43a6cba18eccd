"""Check that requirements.txt resolves on every platform and Python version the app supports.

For each of 16 targets -- CPython 3.10, 3.11, 3.12 and 3.13 on Linux x86-64, Linux aarch64,
macOS arm64 and Windows amd64 -- this runs pip's resolver in dry-run mode against the package
index (``pip install --dry-run --only-binary=:all: --python-version ... --platform ...``), so it
downloads wheel metadata only and installs nothing. It then prints a markdown table with the
versions pip picked (or the last line of pip's error) and exits non-zero if any target fails to
resolve or resolves to the wrong TensorFlow distribution (``tensorflow-cpu`` on Linux x86-64 and
Windows, ``tensorflow`` on Linux aarch64 and macOS, where no ``tensorflow-cpu`` wheels exist).

``--platform`` and ``--python-version`` only choose which wheels pip accepts; pip still evaluates
environment markers (``sys_platform``, ``platform_machine``, ``python_version``, ...) against the
interpreter running it, both in requirements.txt and in the dependencies' metadata. So pip is run
through a small bootstrap that swaps its marker environment for the target's, and the script checks
in pip's report that the swap took effect.

Targets are checked at a baseline: glibc 2.28 (manylinux_2_28 and older wheels) and macOS 12 (the
oldest macOS that TensorFlow supports); ``--glibc`` and ``--macos`` change that.

Needs only the standard library and pip, plus network access to the package index:

    python .ci/check_requirements.py                # all 16 targets, 4 at a time
    python .ci/check_requirements.py --jobs 8 --python 3.13 --platform windows-amd64

Arguments it does not know are passed on to ``pip install`` (for example ``--isolated`` or
``--index-url URL``).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
SHOWN = ("tensorflow", "tensorflow-cpu", "keras", "streamlit", "numpy", "pandas")
TIMEOUT_S = 900

# Runs pip with the target's marker environment. Marker.evaluate() reads the module-level
# default_environment() on every call, and pip's --report takes its "environment" from a copy
# imported by name, so both are replaced; the report then shows whether the swap worked.
BOOTSTRAP = """\
import json, sys
from pip._vendor.packaging import markers
_target = json.loads(sys.argv[1])
_host = markers.default_environment
def _environment():
    env = dict(_host())
    env.update(_target)
    return env
markers.default_environment = _environment
from pip._internal.models import installation_report
installation_report.default_environment = _environment
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


@dataclass(frozen=True)
class Platform:
    name: str
    markers: dict[str, str]
    tensorflow: str  # the TensorFlow distribution requirements.txt must pick here


def _markers(sys_platform: str, system: str, machine: str, os_name: str = "posix") -> dict[str, str]:
    return {
        "sys_platform": sys_platform,
        "platform_system": system,
        "platform_machine": machine,
        "os_name": os_name,
    }


PLATFORMS = (
    Platform("linux-x86_64", _markers("linux", "Linux", "x86_64"), "tensorflow-cpu"),
    Platform("linux-aarch64", _markers("linux", "Linux", "aarch64"), "tensorflow"),
    Platform("macos-arm64", _markers("darwin", "Darwin", "arm64"), "tensorflow"),
    Platform("windows-amd64", _markers("win32", "Windows", "AMD64", "nt"), "tensorflow-cpu"),
)


def platform_tags(platform: Platform, glibc: tuple[int, int], macos: tuple[int, int]) -> list[str]:
    """The wheel platform tags a machine of this platform at the baseline accepts."""
    if platform.name.startswith("linux-"):
        arch = platform.markers["platform_machine"]
        # pip expands manylinux2014 to manylinux2010 and manylinux1 but not the PEP 600
        # manylinux_2_N tags, so list those down to manylinux_2_17 (= manylinux2014).
        tags = [f"manylinux_{glibc[0]}_{minor}_{arch}" for minor in range(glibc[1], 16, -1)]
        return [*tags, f"manylinux2014_{arch}"]
    if platform.name == "macos-arm64":
        return [f"macosx_{macos[0]}_{macos[1]}_arm64"]  # pip expands this to older macOS versions
    return ["win_amd64"]


@dataclass
class Result:
    target: str
    ok: bool = False
    versions: dict[str, str] = field(default_factory=dict)
    note: str = ""
    seconds: float = 0.0


def last_error_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    if errors:
        return errors[-1]
    lines = [line for line in lines if not line.startswith("WARNING:")]
    return lines[-1] if lines else "pip failed without output"


def check(
    platform: Platform,
    python: str,
    requirements: Path,
    tags: list[str],
    pip_args: list[str],
    workdir: Path,
) -> Result:
    target = f"cp{python.replace('.', '')}-{platform.name}"
    result = Result(target)
    full_version = f"{python}.0"
    markers = {
        **platform.markers,
        "python_version": python,
        "python_full_version": full_version,
        "implementation_name": "cpython",
        "implementation_version": full_version,
        "platform_python_implementation": "CPython",
    }
    report = workdir / f"{target}.json"
    abi = f"cp{python.replace('.', '')}"
    command = [
        sys.executable,
        "-c",
        BOOTSTRAP,
        json.dumps(markers),
        "install",
        "--dry-run",
        "--ignore-installed",
        "--only-binary=:all:",
        "--quiet",
        "--progress-bar=off",
        "--no-input",
        "--disable-pip-version-check",
        "--report",
        str(report),
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--abi",
        abi,
        *(arg for tag in tags for arg in ("--platform", tag)),
        *pip_args,
        "-r",
        str(requirements),
    ]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=os.environ.copy()
        )
    except subprocess.TimeoutExpired:
        result.note = f"pip timed out after {TIMEOUT_S} s"
        return result
    finally:
        result.seconds = time.monotonic() - started
    if proc.returncode != 0 or not report.exists():
        result.note = last_error_line(proc.stdout + "\n" + proc.stderr)
        return result

    data = json.loads(report.read_text(encoding="utf-8"))
    seen = {key: data.get("environment", {}).get(key) for key in markers}
    if seen != markers:
        wrong = sorted(key for key in markers if seen[key] != markers[key])
        result.note = f"marker environment not applied ({', '.join(wrong)}): is pip too old or too new?"
        return result
    result.versions = {
        re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower(): item["metadata"]["version"]
        for item in data["install"]
    }
    other = "tensorflow" if platform.tensorflow == "tensorflow-cpu" else "tensorflow-cpu"
    if platform.tensorflow not in result.versions:
        result.note = f"{platform.tensorflow} was not selected"
    elif other in result.versions:
        result.note = f"both {platform.tensorflow} and {other} were selected"
    else:
        result.ok = True
    return result


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(results: list[Result]) -> str:
    header = ["target", "resolves", *SHOWN, "note / error"]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for r in results:
        values = [r.versions.get(name, "-") for name in SHOWN]
        rows.append("| " + " | ".join([r.target, "yes" if r.ok else "**no**", *values, cell(r.note)]) + " |")
    return "\n".join(rows)


def version_pair(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Other arguments are passed on to pip install.",
    )
    parser.add_argument("-r", "--requirements", type=Path, default=ROOT / "requirements.txt")
    parser.add_argument("--jobs", type=int, default=4, help="targets resolved at once (default 4)")
    parser.add_argument("--glibc", default="2.28", help="oldest glibc on Linux targets (default 2.28)")
    parser.add_argument("--macos", default="12.0", help="oldest macOS on macOS targets (default 12.0)")
    parser.add_argument(
        "--python", action="append", choices=PYTHONS, help="only this Python version (repeatable)"
    )
    parser.add_argument(
        "--platform",
        action="append",
        choices=[p.name for p in PLATFORMS],
        help="only this platform (repeatable)",
    )
    args, pip_args = parser.parse_known_args(argv)
    glibc, macos = version_pair(args.glibc), version_pair(args.macos)
    pythons = args.python or PYTHONS
    platforms = [p for p in PLATFORMS if not args.platform or p.name in args.platform]

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="check-requirements-") as tmp,
        ThreadPoolExecutor(args.jobs) as pool,
    ):
        futures = [
            pool.submit(
                check,
                platform,
                python,
                args.requirements.resolve(),
                platform_tags(platform, glibc, macos),
                pip_args,
                Path(tmp),
            )
            for platform in platforms
            for python in pythons
        ]
        results = [future.result() for future in futures]
    elapsed = time.monotonic() - started

    failed = [r for r in results if not r.ok]
    print(f"Resolving {args.requirements} (glibc {args.glibc}, macOS {args.macos}):\n")
    print(table(results))
    print(
        f"\n{len(results) - len(failed)}/{len(results)} targets resolve; "
        f"{elapsed:.0f} s in all, slowest target {max(r.seconds for r in results):.0f} s."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
