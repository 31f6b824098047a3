"""scripts/bootstrap.sh decides what is missing without pipe races (issue 24: `ldconfig -p | grep -q` under
pipefail failed on a complete machine when grep's early exit killed ldconfig with SIGPIPE)."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "scripts").glob("*.sh"))


def test_no_script_pipes_into_an_early_exiting_grep():
    for script in SCRIPTS:
        for number, line in enumerate(script.read_text().splitlines(), 1):
            assert not re.search(r"\|\s*grep\s+(-\w*q|--quiet)", line), f"{script.name}:{number}: {line.strip()}"


def test_every_apt_get_waits_for_the_dpkg_lock():
    for path in [*SCRIPTS, ROOT / "compose.yaml"]:
        for line in path.read_text().splitlines():
            for call in re.findall(r"apt-get[^;&|]*", line):
                if re.search(r"\b(update|install)\b", call):
                    assert "DPkg::Lock::Timeout" in call, f"{path.name}: {call}"


def test_a_library_is_found_in_a_long_list_under_pipefail():
    """The bootstrap's own check, against a list far longer than a pipe's buffer with the library first."""
    text = (ROOT / "scripts" / "bootstrap.sh").read_text()
    has_lib = next(line for line in text.splitlines() if line.startswith("has_lib()"))
    script = ("set -euo pipefail\n"
              "LIBS=\"libgdal.so.32 => /usr/lib/libgdal.so.32\n$(seq 1 200000)\"\n"
              f"{has_lib}\n"
              "has_lib libgdal && ! has_lib libnothere && echo found")
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "found", done.stderr
