"""Is everything a lock file names installed? Exits 0 when it is, 1 listing what is missing (scripts/bootstrap.sh).

  python scripts/installed.py python requirements.lock   every `name==version` pin, and this project itself,
                                                         installed in the running interpreter's environment
  python scripts/installed.py npm package-lock.json      every package of the lock in node_modules/ at its version

The bootstrap asks this instead of keeping a stamp of the lock's digest: a stamp is missing (or stale) on a
machine that has everything installed another way (a second lock, a shared venv, a manual `npm ci`), and the
bootstrap then reinstalls. Runs on the standard library only.
"""
import json
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def missing_python(lock: Path) -> list[str]:
    installed = {normal(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}
    pins = [m.groups() for line in lock.read_text().splitlines() if (m := PIN.match(line))]
    missing = [f"{name}=={version}" for name, version in pins if installed.get(normal(name)) != version]
    project = re.search(r'^name = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    if project and normal(project.group(1)) not in installed:
        missing.append(project.group(1))
    return missing


def missing_npm(lock: Path) -> list[str]:
    packages = json.loads(lock.read_text()).get("packages", {})
    missing = []
    for path, package in packages.items():
        if not path.startswith("node_modules/") or package.get("link"):
            continue
        manifest = ROOT / path / "package.json"
        try:
            version = json.loads(manifest.read_text()).get("version")
        except (OSError, ValueError):
            version = None
        if version != package.get("version") and not package.get("optional"):
            missing.append(f"{path.removeprefix('node_modules/')}@{package.get('version')}")
    return missing


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in {"python", "npm"}:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    lock = ROOT / argv[2]
    missing = (missing_python if argv[1] == "python" else missing_npm)(lock)
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        print(f"Not installed from {argv[2]}: {shown}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
