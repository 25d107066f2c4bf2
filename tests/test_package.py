"""The package installs, imports without TensorFlow, and has a working console script."""

import subprocess
import sys

import frcnet_lite
from frcnet_lite.cli import main


def test_version_is_a_string():
    assert isinstance(frcnet_lite.__version__, str) and frcnet_lite.__version__.count(".") >= 2


def test_cli_help_and_version(capsys):
    assert main([]) == 0
    assert "frcnet-lite" in capsys.readouterr().out
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert frcnet_lite.__version__ in capsys.readouterr().out


def test_console_script_runs_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-m", "frcnet_lite", "--help"], capture_output=True, text=True, check=True)
    assert "usage: frcnet-lite" in out.stdout


def test_import_does_not_pull_in_tensorflow():
    code = "import sys, frcnet_lite, frcnet_lite.kde; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_public_module_is_reachable_lazily():
    code = (
        "import sys, frcnet_lite\n"
        "assert 'frcnet_lite.kde' not in sys.modules\n"
        "k = frcnet_lite.kde\n"
        "assert k is sys.modules['frcnet_lite.kde']\n"
        "print(all(hasattr(frcnet_lite, m) for m in frcnet_lite.MODULES))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"
