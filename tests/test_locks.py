"""Two locks (issue 24): requirements.lock is the production install and carries no test tool;
requirements-test.lock is runtime + test tools with every runtime pin the same. Both hashed, made by `make lock`."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
REQUIREMENT_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(name):
    """{package: (version, {hashes})} of a lock file; a pin's hashes are on the continuation lines after it."""
    pins, current = {}, None
    for line in (ROOT / name).read_text().splitlines():
        if match := PIN.match(line):
            current = normal(match.group(1))
            pins[current] = (match.group(2), set())
        elif current and (found := re.search(r"--hash=(sha256:[0-9a-f]{64})", line)):
            pins[current][1].add(found.group(1))
    return pins


def declared(extra=None):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {normal(REQUIREMENT_NAME.match(r).group(1)) for r in requirements}


def test_the_runtime_lock_carries_no_test_tool():
    runtime = read_lock("requirements.lock")
    test_tools = declared("test")
    assert {"pytest", "playwright", "schemathesis", "ruff", "mypy"} <= test_tools
    assert not test_tools & set(runtime), sorted(test_tools & set(runtime))
    assert declared() <= set(runtime), sorted(declared() - set(runtime))


def test_every_runtime_pin_is_the_same_in_the_test_lock_which_adds_the_test_tools():
    runtime, test = read_lock("requirements.lock"), read_lock("requirements-test.lock")
    differing = {name: (pin, test.get(name)) for name, pin in runtime.items() if test.get(name) != pin}
    assert not differing, differing
    assert declared("test") <= set(test), sorted(declared("test") - set(test))


def test_both_locks_are_hashed_and_made_by_make_lock():
    for name in ("requirements.lock", "requirements-test.lock"):
        pins = read_lock(name)
        assert len(pins) > 50 and all(hashes for _, hashes in pins.values()), name
        assert "#    make lock" in (ROOT / name).read_text().splitlines()[1], name
    makefile = (ROOT / "Makefile").read_text()
    lock_recipe = makefile[makefile.index("\nlock:"):].split("\n\n")[0]
    assert "-o requirements.lock" in lock_recipe and "-o requirements-test.lock" in lock_recipe
    assert "-c requirements.lock" in lock_recipe  # the test lock is resolved within the runtime pins


def test_demo_installs_the_runtime_lock_and_make_test_the_test_lock():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "LOCK=requirements.lock\n" in bootstrap
    assert '[ "${WITH_TESTS:-0}" = 1 ] && LOCK=requirements-test.lock' in bootstrap
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile[makefile.index("\ndemo run:"):].split("\n\n")[0]
    test = makefile[makefile.index("\ntest:"):].split("\n\n")[0]
    assert "WITH_TESTS" not in demo and "bash scripts/bootstrap.sh" in demo
    assert "WITH_TESTS=1" in test and "bash scripts/bootstrap.sh" in test
