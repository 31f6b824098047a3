"""The bootstrap on a machine that has everything installs nothing (issue 24).

scripts/bootstrap.sh runs for real (its checks, the database and cache start) with shims first on PATH for every
installer it could call (apt-get, sudo, pip, uv, npm) and a stand-in venv whose pip is a shim too and whose python
runs the shared venv's: each shim records its call and installs nothing, so the shared .venv is never touched."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLERS = ("apt-get", "apt", "sudo", "pip", "pip3", "uv", "npm")


def shim(path, record):
    path.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> "{record}"\n')
    path.chmod(0o755)


@pytest.fixture
def bootstrap(tmp_path):
    """bootstrap(python, **env) runs the bootstrap with the shims and a venv running `python`; returns
    (the completed process, the installer calls recorded)."""
    record = tmp_path / "calls"
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in INSTALLERS:
        shim(shims / name, record)
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    shim(venv_bin / "pip", record)

    def run(python, **env):
        (venv_bin / "python").write_text(f'#!/bin/sh\nexec "{python}" "$@"\n')
        (venv_bin / "python").chmod(0o755)
        record.write_text("")
        done = subprocess.run(
            ["bash", "scripts/bootstrap.sh"], cwd=ROOT, capture_output=True, text=True, timeout=300,
            env={**os.environ, "PATH": f"{shims}:{os.environ['PATH']}", "VENV": str(tmp_path / "venv"), **env})
        return done, record.read_text().splitlines()

    return run


def test_bootstrap_twice_on_a_complete_machine_installs_nothing(bootstrap):
    python = str(ROOT / ".venv" / "bin" / "python")
    for env in ({}, {"WITH_TESTS": "1", "WITH_BROWSER": "1"}, {}, {"WITH_TESTS": "1", "WITH_BROWSER": "1"}):
        done, calls = bootstrap(python, **env)
        assert done.returncode == 0, done.stderr
        assert calls == [], (env, calls)
        assert "Installing" not in done.stdout and "Not installed" not in done.stdout


def test_a_venv_without_the_pins_is_installed_from_the_lock_the_shims_see_it(bootstrap):
    """The same run with a venv whose python has none of the locked packages (the base interpreter): the
    bootstrap calls the venv's pip with the lock, and the shim records it (the test above can fail)."""
    base_python = os.path.realpath(ROOT / ".venv" / "bin" / "python")
    done, calls = bootstrap(base_python)
    assert done.returncode == 0, done.stderr
    assert "pip install -q --require-hashes -r requirements.lock" in calls
    assert "pip install -q --no-deps -e ." in calls
    done, calls = bootstrap(base_python, WITH_TESTS="1")
    assert "pip install -q --require-hashes -r requirements-test.lock" in calls
