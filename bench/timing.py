"""Alternating repetitions and medians."""
import statistics
import subprocess
import time


def timed(fn):
    start = time.perf_counter()
    extra = fn()
    return time.perf_counter() - start, extra


def alternate(runners, reps, log, slow_after_s=None, cleanup=None):
    """Run every runner once per repetition, rotating the order each repetition.

    runners: {label: callable returning an optional dict}. Returns
    {label: {"times": [...], "extra": last extra}}. When one run of any runner took
    longer than slow_after_s, the remaining repetitions are dropped (long runs are
    less noisy and the default run must stay short).
    """
    labels = list(runners)
    out = {label: {"times": [], "extra": None} for label in labels}
    for rep in range(reps):
        order = labels[rep % len(labels):] + labels[:rep % len(labels)]
        slow = False
        for label in order:
            seconds, extra = timed(runners[label])
            if cleanup:
                cleanup(label)
            out[label]["times"].append(seconds)
            out[label]["extra"] = extra
            log(f"    {label}: {seconds:.2f} s" + (f"  {extra}" if extra else ""))
            if slow_after_s and seconds > slow_after_s:
                slow = True
        if slow and rep + 1 < reps:
            log(f"    (a run took over {slow_after_s} s: stopping after {rep + 1} repetition(s))")
            break
    return out


def median(times):
    return statistics.median(times) if times else None


def run_checked(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc
