"""What a normal install gets: the wheel carries every piece of content, the classifiers
and the simulator's Bot API description, and runs from outside the checkout; every
dependency has an upper bound, and the lock pins each one with its hashes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env_without_settings() -> dict[str, str]:
    """This environment without the bot's own settings, as a newcomer's shell has it."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PORCHLIGHT_"))}


def _requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def test_every_dependency_has_an_upper_bound() -> None:
    for requirement in _requirements():
        assert "<" in requirement or "==" in requirement, requirement


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {name.lower() for name in re.findall(r"(?m)^([A-Za-z0-9_.-]+)==", lock)}
    for requirement in _requirements():
        name = re.split(r"[\[<>=~! ]", requirement, maxsplit=1)[0].lower()
        assert name in pinned, name
    assert lock.count("--hash=sha256:") >= len(pinned)


def test_a_normal_install_runs_from_outside_the_checkout(tmp_path: Path) -> None:
    """pip install . (not -e), as container builds and hosts do: build the wheel, install
    it apart from the checkout, run the content check and the demo from elsewhere."""
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Built from a copy: a build leaves build/ behind, and a stale one could slip old files in.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "*_cache", "data"),
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    build = [*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)]
    subprocess.run(build, check=True)  # noqa: S603 - this interpreter, this checkout
    [wheel] = wheels.glob("porchlight-*.whl")
    install = [*pip, "install", "--no-deps", "--target", str(target), str(wheel)]
    subprocess.run(install, check=True)  # noqa: S603 - the wheel just built
    assert not (target / "bot" / "content" / "reflections" / "01-01.md").is_symlink()
    env = _env_without_settings()
    env["PYTHONPATH"] = str(target)  # the installed copy, not the checkout

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the installed bot, our arguments
            [sys.executable, "-m", "bot", *args],
            cwd=elsewhere,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    checked = run("content", "check")
    assert checked.returncode == 0, checked.stderr
    assert "content is valid" in checked.stdout
    demo = run("--demo", stdin="/start\nhello\n:quit\n")
    assert demo.returncode == 0, demo.stderr
    assert "peer support, not professional care" in demo.stdout
    assert "Hello, and welcome. I'm Porchlight, an anonymous" in demo.stdout
    assert "spec not found" not in demo.stderr
    assert "Traceback" not in demo.stderr
    # The copy that ran was the installed one.
    where = subprocess.run(
        [sys.executable, "-c", "import bot; print(bot.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))


def test_a_copy_with_nothing_beside_it_checks_calls_as_ci_does(tmp_path: Path) -> None:
    """The project alone in a temporary folder (no ../shared): the simulator's tests and the
    foundation's end-to-end tests pass under CI=true, where a missing Bot API description
    would be fatal, so every clone checks calls alike."""
    alone = tmp_path / "alone" / "porchlight"
    shutil.copytree(
        ROOT,
        alone,
        ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "*_cache"),
    )
    assert not (alone.parent.parent / "shared").exists()
    env = _env_without_settings()
    env.update({"CI": "true", "PYTHONPATH": str(alone)})
    suite = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    ran = subprocess.run(  # noqa: S603 - this interpreter, the copied suite
        [*suite, "tests/sim", "tests/test_e2e_foundation.py"],
        cwd=alone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
