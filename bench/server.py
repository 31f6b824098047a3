"""The application server under test: gunicorn in its own process group, on its own port."""
import os
import signal
import subprocess
import time

import psutil
import requests

from . import config


class Server:
    def __init__(self, workers=1, threads=1, timeout=900, log_path=None):
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.log_path = log_path or (config.WORK_DIR / "gunicorn.log")
        self.proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        config.WORK_DIR.mkdir(parents=True, exist_ok=True)
        cmd = [
            config.PYTHON, "-m", "gunicorn", "geo_indi.wsgi:application",
            "--bind", f"{config.HOST}:{config.PORT}",
            "--workers", str(self.workers), "--timeout", str(self.timeout),
            "--log-level", "warning", "--graceful-timeout", "5",
        ]
        if self.threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            cmd, cwd=config.ROOT, env=config.django_env(), stdout=self._log, stderr=self._log,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if requests.get(config.BASE_URL + "/healthz", timeout=2).status_code < 500:
                    # every worker up before we measure
                    if len(self.worker_pids()) >= self.workers:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not come up in 60 s")

    def worker_pids(self):
        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def peak_rss_mb(self):
        """Largest VmHWM (peak resident set) of any worker so far, in MiB."""
        peak = 0
        for pid in self.worker_pids():
            try:
                with open(f"/proc/{pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]))
            except FileNotFoundError:
                pass
        return round(peak / 1024, 1)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        self.proc = None


def available(path, token=None):
    """A URL exists when it does not answer 404 (nor fail to route)."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    try:
        resp = requests.get(config.BASE_URL + path, headers=headers, timeout=600, stream=True)
        resp.close()
        return resp.status_code != 404, resp.status_code
    except requests.RequestException as exc:
        return False, str(exc)
