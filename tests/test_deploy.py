"""The deployment files, checked statically (no Docker engine runs here): the Dockerfile, .dockerignore,
compose.yaml, the Kubernetes manifests under deploy/k8s/, the nginx balancer configuration and the
Hugging Face Spaces front matter of README.md must agree with each other and with the app: one port
(8501), one health path (/_stcore/health), one entry script, a non-root user, and every file the app
needs inside the image. tests/e2e/test_balancer.py runs the nginx configuration for real."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PORT = 8501
HEALTH = "/_stcore/health"
ENTRY = "dashboard.py"
IMAGE = "weight-initialization-lab"
APP_FILES = ("dashboard.py", "requirements.txt", ".streamlit/config.toml", "pages", "ui", "charts",
             "initcore",
             "locales", "static")  # fmt: skip


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines, out, pending = ROOT.joinpath("Dockerfile").read_text().splitlines(), [], ""
    for line in lines:
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, rest = text.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _exec_form(args: str) -> list[str]:
    import json

    return json.loads(args) if args.startswith("[") else shlex.split(args)


def test_the_image_is_slim_python_312_and_runs_the_app_headless_on_8501_as_a_user():
    steps = dockerfile()
    kinds = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.12-slim(-\w+)?", steps[0][1]), steps[0]
    user = [a for k, a in steps if k == "USER"]
    assert user and user[-1] not in ("root", "0"), f"the app must not run as root: USER {user}"
    assert kinds.index("USER") > max(i for i, (k, a) in enumerate(steps) if k == "RUN"), "USER after installs"
    assert ("EXPOSE", str(PORT)) in steps
    [cmd] = [_exec_form(a) for k, a in steps if k == "CMD"]
    assert cmd[:3] == ["streamlit", "run", ENTRY] and (ROOT / ENTRY).is_file(), cmd
    flags = dict(f.removeprefix("--").split("=", 1) for f in cmd[3:])
    assert flags == {"server.address": "0.0.0.0", "server.port": str(PORT), "server.headless": "true"}, flags


def test_the_requirements_are_installed_in_a_layer_of_their_own_before_the_code():
    steps = dockerfile()
    copies = [(i, a) for i, (k, a) in enumerate(steps) if k == "COPY"]
    installs = [i for i, (k, a) in enumerate(steps) if k == "RUN" and "pip install -r requirements.txt" in a]
    assert copies[0][1].split() == ["requirements.txt", "."], copies
    assert installs and copies[0][0] < installs[0] < copies[1][0], "requirements, install, then the code"
    assert copies[1][1].split()[-2:] == [".", "."], copies[1]


def test_the_image_compiles_the_apps_own_modules_after_copying_them():
    # PYTHONDONTWRITEBYTECODE keeps a server from writing bytecode, so the image must hold it already
    steps = dockerfile()
    code_copy = max(i for i, (k, _) in enumerate(steps) if k == "COPY")
    compiled = [
        a.split() for i, (k, a) in enumerate(steps) if k == "RUN" and "compileall" in a and i > code_copy
    ]
    assert compiled, "no RUN python -m compileall after the code is copied"
    modules = [
        f for f in APP_FILES if f.endswith(".py") or (ROOT / f / "__init__.py").is_file() or f == "pages"
    ]
    assert set(modules) <= set(compiled[0]), (modules, compiled[0])


def test_the_healthcheck_asks_streamlits_health_endpoint_on_the_apps_port():
    [check] = [a for k, a in dockerfile() if k == "HEALTHCHECK"]
    assert f"127.0.0.1:{PORT}{HEALTH}" in check, check
    command = _exec_form(check.split("CMD", 1)[1].strip())
    assert command[:2] == ["python", "-c"], command
    compile(command[2], "HEALTHCHECK", "exec")  # the check is valid Python


def test_dockerignore_keeps_the_repository_out_and_every_file_the_app_needs_in():
    patterns = [
        p.strip()
        for p in ROOT.joinpath(".dockerignore").read_text().splitlines()
        if p.strip() and p[0] != "#"
    ]

    def ignored(path: str) -> bool:
        parts = Path(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat.removeprefix("**/"))
                   for pat in patterns for p in prefixes)  # fmt: skip

    for needed in APP_FILES:
        assert (ROOT / needed).exists(), needed
        assert not ignored(needed), f"{needed} is needed by the app but .dockerignore leaves it out"
        for f in (ROOT / needed).rglob("*") if (ROOT / needed).is_dir() else []:
            rel = f.relative_to(ROOT).as_posix()
            assert "__pycache__" in rel or f.suffix == ".pyc" or not ignored(rel), rel
    for kept_out in (".git", ".venv", "tests", "bench", "screenshots"):
        assert ignored(kept_out), f".dockerignore should leave {kept_out} out of the image"


def _compose() -> dict:
    return yaml.safe_load(ROOT.joinpath("compose.yaml").read_text())


def test_compose_runs_replicas_of_the_image_behind_nginx_with_the_repositorys_configuration():
    services = _compose()["services"]
    app, lb = services["app"], services["balancer"]
    assert app["build"] == "." and app["image"] == IMAGE
    assert app["deploy"]["replicas"] >= 2, app["deploy"]
    assert lb["image"].startswith("nginx:")
    assert lb["depends_on"]["app"]["condition"] == "service_healthy"  # the image's HEALTHCHECK
    mounts = dict(v.removesuffix(":ro").split(":", 1) for v in lb["volumes"])
    assert mounts["./deploy/nginx/lab.conf"] == "/etc/nginx/conf.d/default.conf"
    servers = next(src for src, dst in mounts.items() if dst == "/etc/nginx/lab-servers.conf")
    for src in mounts:
        assert (ROOT / src).is_file(), src
    lines = [ln for ln in (ROOT / servers).read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines == [f"server app:{PORT} max_fails=1 fail_timeout=10s;"], lines  # every replica of "app"
    listen = re.search(r"listen (\d+);", (ROOT / "deploy/nginx/lab.conf").read_text())[1]
    assert lb["ports"] == [f"{listen}:{listen}"], (lb["ports"], listen)


def test_the_nginx_configuration_is_sticky_by_cookie_passes_websockets_and_retries_a_stopped_replica():
    conf = (ROOT / "deploy/nginx/lab.conf").read_text()
    for needed in ("hash $lab_session consistent;", "proxy_set_header Upgrade $http_upgrade;",
                   "proxy_set_header Connection $connection_upgrade;", "proxy_http_version 1.1;",
                   'Set-Cookie "lab_replica=$lab_session', "proxy_next_upstream error",
                   "include lab-servers.conf;"):  # fmt: skip
        assert needed in conf, needed


def test_nginx_accepts_the_configuration(tmp_path):
    from bench.serve import _nginx_conf, nginx_binary

    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("no nginx; CI is set, so this is an error (.ci/run installs it)")
        pytest.skip("no nginx (Debian: apt-get install nginx)")
    conf = _nginx_conf(tmp_path, 18080, ("127.0.0.1:18501", "127.0.0.1:18502"))
    check = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def _manifests() -> dict[str, dict]:
    docs = {}
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            docs[doc["kind"]] = doc
    return docs


def test_the_kubernetes_manifests_agree_on_names_ports_probes_and_affinity():
    m = _manifests()
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "Kustomization"} <= set(m), set(m)
    dep, svc, ing, hpa = m["Deployment"], m["Service"], m["Ingress"], m["HorizontalPodAutoscaler"]
    pod = dep["spec"]["template"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items(), "the Service finds the pods"
    [box] = pod["spec"]["containers"]
    assert box["image"].split(":")[0].endswith(IMAGE), box["image"]
    [port] = box["ports"]
    assert port["containerPort"] == PORT
    for probe in ("readinessProbe", "livenessProbe"):
        get = box[probe]["httpGet"]
        assert get["path"] == HEALTH and get["port"] in (PORT, port["name"]), (probe, get)
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert box["resources"]["requests"]["cpu"], "the CPU autoscaler needs a CPU request"
    [svc_port] = svc["spec"]["ports"]
    assert svc_port["targetPort"] in (PORT, port["name"])
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == svc["metadata"]["name"]
    assert (
        backend["port"].get("name") == svc_port["name"] or backend["port"].get("number") == svc_port["port"]
    )
    notes = ing["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600, "websockets stay open"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", dep["metadata"]["name"])
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] <= dep["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]
    listed = m["Kustomization"]["resources"]
    assert sorted(listed) == sorted(
        p.name for p in (ROOT / "deploy/k8s").glob("*.yaml") if p.stem != "kustomization"
    )


def test_the_readme_front_matter_makes_a_docker_space_on_the_apps_port():
    text = ROOT.joinpath("README.md").read_text()
    assert text.startswith("---\n"), "Hugging Face Spaces reads the YAML block at the top of README.md"
    meta = yaml.safe_load(text.split("---\n", 2)[1])
    assert meta["sdk"] == "docker" and meta["app_port"] == PORT, meta
    assert meta["title"] and len(meta.get("short_description", "")) <= 60, meta
