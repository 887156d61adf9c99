"""Rendered manifests and parsed deployment files, shared by the deployment tests."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")


def load_generator() -> ModuleType:
    """`deploy/k8s/generate.py`, which is a script rather than a package module."""
    spec = importlib.util.spec_from_file_location("waymark_k8s_generate", K8S / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def kustomize() -> str:
    """The pinned kustomize, built by `deploy/k8s/tools.sh` when it is not cached yet."""
    done = subprocess.run(
        [str(K8S / "tools.sh"), "kustomize"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"deploy/k8s/tools.sh kustomize failed:\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def render(kustomize: str, path: Path) -> list[dict[str, Any]]:
    """`kustomize build path`, parsed; fails the test with kustomize's message."""
    done = subprocess.run(
        [kustomize, "build", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"kustomize build {path} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="session")
def rendered(kustomize: str) -> dict[str, list[dict[str, Any]]]:
    """Every resource of each overlay, by overlay name."""
    return {name: render(kustomize, K8S / "overlays" / name) for name in OVERLAYS}


def workloads(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Deployments and StatefulSets among `resources`."""
    return [r for r in resources if r["kind"] in {"Deployment", "StatefulSet"}]
