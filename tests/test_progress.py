"""The reports' progress bar: redrawn in place on a terminal, about 20 lines in a log, ETA from
the pace so far, failures always on a line of their own."""

from __future__ import annotations

import io

from hocba_audit.progress import ProgressBar, duration


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_duration_wording():
    assert [duration(s) for s in (4.6, 412, 3 * 3600 + 185)] == ["5 s", "6 min 52 s", "3 h 03 min"]


def test_log_gets_a_line_per_5_percent_with_eta():
    out, clock = io.StringIO(), Clock()
    bar = ProgressBar("reports", 1000, out, clock=clock)
    for i in range(1, 1001):
        clock.t = i * 2.0  # 2 s a school
        bar.update(i)
    lines = out.getvalue().splitlines()
    assert 20 <= len(lines) <= 22
    assert "1/1000" in lines[0] and "ETA 33 min 18 s" in lines[0]  # 999 schools × 2 s
    assert "500/1000  50 %  16 min 40 s  ETA 16 min 40 s" in "\n".join(lines)
    assert lines[-1].endswith("1000/1000  100 %  33 min 20 s  done")


def test_terminal_redraws_one_line_and_prints_failures_above_it():
    out, clock = Tty(), Clock()
    bar = ProgressBar("reports", 4, out, width=4, clock=clock)
    clock.t = 10
    bar.update(1)
    bar.update(2, "31200001: kernel died", failed=True)
    bar.update(3)
    bar.update(4)
    text = out.getvalue()
    assert text.count("\r\x1b[2K") >= 4 and text.endswith("[####]  4/4  100 %  10 s  done\n")
    assert "\r\x1b[2K  reports: FAILED 31200001: kernel died\n" in text  # bar cleared, then the failure
    assert "[##..]  2/4  50 %" in text


def test_schools_skipped_as_unchanged_do_not_shorten_the_eta():
    out, clock = Tty(), Clock()
    bar = ProgressBar("reports", 1000, out, clock=clock)
    for i in range(1, 901):  # unchanged schools, reported at once
        bar.update(i, worked=False)
    clock.t = 4.0
    bar.update(901)  # the first school rendered: 4 s, 99 to go
    assert out.getvalue().endswith("901/1000  90 %  4 s  ETA 6 min 36 s")


def test_run_command_times_reports_from_the_start_of_rendering(capsys):
    """hocba-audit run's bar counts the first school's time too: the renderer calls it once with
    no outcome when rendering starts (before, the bar started at the first finished school)."""
    from types import SimpleNamespace

    from hocba_audit.cli import _report_progress

    clock = Clock()
    show = _report_progress(clock)
    show(None, 0, 2)  # rendering starts
    clock.t = 10
    show(SimpleNamespace(school_id="31200000", status="rendered", error=None), 1, 2)
    assert "1/2  50 %  10 s  ETA 10 s" in capsys.readouterr().err
