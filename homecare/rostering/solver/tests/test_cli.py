"""The command line prints one JSON object, and a clear message (no traceback) for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from homecare.rostering.solver import cli

from .builders import BENCH
from .test_readers import TINY_MANKOWSKA

KEYS = {
    "instance",
    "feasible",
    "objective",
    "travel",
    "total_tardiness",
    "max_tardiness",
    "unassigned",
    "wall_s",
}


def test_solves_a_file_and_prints_the_json_shape(tmp_path, capsys):
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_MANKOWSKA)
    code = cli.main([str(path), "--format", "mankowska", "--time-limit", "0.3", "--seed", "3", "--routes"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert KEYS <= set(out)
    assert out["feasible"] is True and out["unassigned"] == [] and out["violations"] == []
    assert out["objective"] == pytest.approx(
        (out["travel"] + out["total_tardiness"] + out["max_tardiness"]) / 3
    )
    assert sorted(s["visit"] for r in out["routes"] for s in r["stops"]) == ["p1", "p2/s0", "p2/s1"]


def test_malformed_file_exits_2_with_the_line_on_stderr(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text(TINY_MANKOWSKA.replace("x\n0 1 2 0", "x\n0 one 2 0"))
    code = cli.main([str(path), "--format", "mankowska", "--time-limit", "1"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "bad.txt:" in captured.err and "'one' is not a number" in captured.err
    assert "Traceback" not in captured.err


def test_wrong_format_for_the_file_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_MANKOWSKA)
    assert cli.main([str(path), "--format", "vrptw"]) == 2
    assert "error:" in capsys.readouterr().err


def test_bad_time_limit_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["x.txt", "--format", "vrptw", "--time-limit", "0"])
    assert exc.value.code == 2
    assert "--time-limit" in capsys.readouterr().err


@pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench")
def test_runs_as_a_module_without_django():
    """`python -m ...cli` on a published instance, in a fresh interpreter that must not load Django."""
    code = (
        "import runpy, sys; sys.argv = ['cli', sys.argv[1], '--format', 'mankowska', '--time-limit', '0.5'];"
        "\ntry:\n    runpy.run_module('homecare.rostering.solver.cli', run_name='__main__')"
        "\nexcept SystemExit:\n    assert 'django' not in sys.modules, 'solver imported Django'\n    raise"
    )
    done = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "-c", code, str(BENCH / "hhcrsp" / "InstanzCPLEX_HCSRP_10_1.txt")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["instance"] == "InstanzCPLEX_HCSRP_10_1.txt" and out["feasible"] is True
