#!/usr/bin/env python3
"""ops/check-fly-config.py ROOT: fly.toml and Procfile of ROOT agree with each other and with
the settings the binaries read. Prints one line per problem and exits 1 when there is any;
prints nothing and exits 0 otherwise. Run by ops/predeploy-check.sh.

fly.toml: app and primary_region set (eze or gru, see the comment there); [deploy] rolling with
a release_command; [processes] app and worker; [env] APP_ENV=production; the HTTP service on
the app group only, on [env] PORT, never stopped, checking /api/v1/healthz; a worker check on
WORKER_PORT; [[metrics]] of the app on METRICS_PORT and of the worker on WORKER_PORT.
Procfile: the same process groups with the same commands, and `release` = release_command.
"""

import sys
import tomllib
from pathlib import Path

REGIONS = {"eze", "gru"}


def procfile(path: Path) -> dict[str, str]:
    """Process name -> command, from `name: command` lines."""
    entries = {}
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not line.lstrip().startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


def problems(root: Path) -> list[str]:
    found = []
    fly = tomllib.loads((root / "fly.toml").read_text())
    env = fly.get("env", {})
    deploy = fly.get("deploy", {})
    processes = fly.get("processes", {})

    if not fly.get("app"):
        found.append("fly.toml: app is not set")
    if fly.get("primary_region") not in REGIONS:
        found.append(f"fly.toml: primary_region {fly.get('primary_region')!r} is not one of {sorted(REGIONS)}")
    if deploy.get("strategy") != "rolling":
        found.append(f"fly.toml: [deploy] strategy is {deploy.get('strategy')!r}, not 'rolling'")
    if not deploy.get("release_command"):
        found.append("fly.toml: [deploy] has no release_command (migrations)")
    if set(processes) != {"app", "worker"}:
        found.append(f"fly.toml: [processes] are {sorted(processes)}, not ['app', 'worker']")
    if env.get("APP_ENV") != "production":
        found.append(f"fly.toml: [env] APP_ENV is {env.get('APP_ENV')!r}, not 'production'")

    def port(name: str) -> int | None:
        value = env.get(name)
        if value is None or not str(value).isdigit():
            found.append(f"fly.toml: [env] {name} is missing or not a number")
            return None
        return int(value)

    api_port, worker_port, metrics_port = port("PORT"), port("WORKER_PORT"), port("METRICS_PORT")

    http = fly.get("http_service", {})
    if http.get("internal_port") != api_port:
        found.append(f"fly.toml: [http_service] internal_port {http.get('internal_port')} != [env] PORT {api_port}")
    if http.get("processes") != ["app"]:
        found.append(f"fly.toml: [http_service] processes {http.get('processes')} != ['app']")
    if http.get("auto_stop_machines") not in ("off", False) or http.get("min_machines_running", 0) < 1:
        found.append("fly.toml: [http_service] must keep a Machine running (auto_stop_machines off, min 1)")
    if not any(c.get("path") == "/api/v1/healthz" for c in http.get("checks", [])):
        found.append("fly.toml: [http_service] has no check on /api/v1/healthz")

    worker_checks = [c for c in fly.get("checks", {}).values() if "worker" in c.get("processes", [])]
    if not worker_checks:
        found.append("fly.toml: no [checks] entry for the worker group")
    for check in worker_checks:
        if check.get("port") != worker_port:
            found.append(f"fly.toml: worker check port {check.get('port')} != [env] WORKER_PORT {worker_port}")

    metrics = {tuple(m.get("processes", [])): m.get("port") for m in fly.get("metrics", [])}
    for group, expected, name in (("app", metrics_port, "METRICS_PORT"), ("worker", worker_port, "WORKER_PORT")):
        if metrics.get((group,)) != expected:
            found.append(f"fly.toml: [[metrics]] of {group} on port {metrics.get((group,))}, not [env] {name} {expected}")

    proc_path = root / "Procfile"
    if not proc_path.is_file():
        return found + ["Procfile is missing"]
    proc = procfile(proc_path)
    expected = dict(processes)
    if deploy.get("release_command"):
        expected["release"] = deploy["release_command"]
    for name in sorted(set(proc) | set(expected)):
        if proc.get(name) != expected.get(name):
            found.append(
                f"Procfile {name}: {proc.get(name)!r} but fly.toml says {expected.get(name)!r}"
            )
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    try:
        found = problems(root)
    except (OSError, tomllib.TOMLDecodeError) as error:
        found = [f"cannot read fly.toml/Procfile: {error}"]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
