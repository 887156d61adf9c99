"""Every workload runs non-root and read-only, with limits, probes and a pinned image."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import OVERLAYS, workloads

STATELESS = {
    "waymark-ingest",
    "waymark-dispatch-transactional",
    "waymark-dispatch-marketing",
    "waymark-analytics",
    "waymark-engine-api",
}
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEYS", "MONGO_URL", "USERNAME")


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers and init containers of a workload's pod template."""
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


@pytest.fixture(params=OVERLAYS)
def resources(request: pytest.FixtureRequest, rendered: dict[str, Any]) -> list[dict[str, Any]]:
    """The rendered resources of one overlay."""
    return list(rendered[request.param])


def test_pods_run_as_non_root_with_runtime_default_seccomp(
    resources: list[dict[str, Any]],
) -> None:
    for workload in workloads(resources):
        pod = workload["spec"]["template"]["spec"]["securityContext"]
        assert pod["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert pod["runAsUser"] != 0
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}


def test_containers_are_locked_down(resources: list[dict[str, Any]]) -> None:
    for workload in workloads(resources):
        for container in containers(workload):
            context = container["securityContext"]
            name = f"{workload['metadata']['name']}/{container['name']}"
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context.get("privileged") is not True, name


def test_containers_have_requests_and_limits(resources: list[dict[str, Any]]) -> None:
    for workload in workloads(resources):
        for container in containers(workload):
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), container["name"]


def test_containers_probe_health_and_readiness(resources: list[dict[str, Any]]) -> None:
    for workload in workloads(resources):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            ports = {p["name"] for p in container["ports"]}
            assert container["readinessProbe"]["httpGet"]["port"] in ports


def test_images_are_pinned(resources: list[dict[str, Any]]) -> None:
    for workload in workloads(resources):
        for container in containers(workload):
            image = container["image"]
            assert "@sha256:" in image or ":" in image.rsplit("/", 1)[-1], image
            assert not image.endswith(":latest"), image


def test_only_tmp_and_the_data_volume_are_writable(resources: list[dict[str, Any]]) -> None:
    for workload in workloads(resources):
        for container in containers(workload):
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert mounts <= {"/tmp", "/var/lib/waymark"}, mounts
            assert "/tmp" in mounts


def test_stateless_services_scale_with_an_hpa_and_a_pdb(resources: list[dict[str, Any]]) -> None:
    deployments = {r["metadata"]["name"] for r in resources if r["kind"] == "Deployment"}
    scaled = {
        r["spec"]["scaleTargetRef"]["name"]
        for r in resources
        if r["kind"] == "HorizontalPodAutoscaler"
    }
    budgets = {r["metadata"]["name"] for r in resources if r["kind"] == "PodDisruptionBudget"}
    assert deployments == STATELESS
    assert scaled == STATELESS
    assert {*STATELESS, "waymark-engine-worker"} <= budgets


def test_engine_worker_keeps_rocksdb_on_a_claim(
    resources: list[dict[str, Any]],
) -> None:
    (worker,) = [r for r in resources if r["kind"] == "StatefulSet"]
    (claim,) = worker["spec"]["volumeClaimTemplates"]
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/var/lib/waymark"} in container[
        "volumeMounts"
    ]
    config = next(
        r["data"]
        for r in resources
        if r["kind"] == "ConfigMap" and r["metadata"]["name"] == "waymark-engine-worker"
    )
    assert config["WAYMARK_ENGINE_WORKER_DATA_DIR"].startswith("/var/lib/waymark/")
    assert config["WAYMARK_ENGINE_WORKER_STORE"] == "rocksdb://"


def test_secrets_are_referenced_never_held(resources: list[dict[str, Any]]) -> None:
    assert not [r for r in resources if r["kind"] == "Secret"]
    for resource in resources:
        if resource["kind"] == "ConfigMap":
            for key in resource["data"]:
                assert not any(word in key for word in SECRET_WORDS), key
    for workload in workloads(resources):
        for container in containers(workload):
            for env in container.get("env", []):
                if any(word in env["name"] for word in SECRET_WORDS):
                    assert "secretKeyRef" in env["valueFrom"], env["name"]


def test_only_ingest_is_reachable_from_outside(resources: list[dict[str, Any]]) -> None:
    policies = [r for r in resources if r["kind"] == "NetworkPolicy"]
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")]
    assert deny, "a default deny-ingress policy"
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            if sources is None:
                # No `from`: open to every source, which only ingest may be.
                assert policy["spec"]["podSelector"] == {
                    "matchLabels": {"app.kubernetes.io/name": "ingest"}
                }
            else:
                for source in sources:
                    assert "ipBlock" not in source
                    if "namespaceSelector" in source:
                        assert rule.get("ports"), "other namespaces reach only named ports"


def test_each_dispatch_lane_runs_in_its_own_pods(resources: list[dict[str, Any]]) -> None:
    lanes: dict[str, dict[str, Any]] = {}
    for workload in workloads(resources):
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        if container["args"] == ["waymark-dispatch"]:
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            lanes[env["WAYMARK_DISPATCH_LANES"]] = workload
    assert set(lanes) == {"transactional", "marketing"}
    selectors = [w["spec"]["selector"]["matchLabels"] for w in lanes.values()]
    assert selectors[0] != selectors[1], "a lane's pods belong to its Deployment alone"
    budgets = {
        r["metadata"]["name"]: r["spec"]["selector"]["matchLabels"]
        for r in resources
        if r["kind"] == "PodDisruptionBudget"
    }
    for workload in lanes.values():
        assert budgets[workload["metadata"]["name"]] == workload["spec"]["selector"]["matchLabels"]
    shared = next(
        r["data"]
        for r in resources
        if r["kind"] == "ConfigMap" and r["metadata"]["name"] == "waymark-dispatch"
    )
    assert "WAYMARK_DISPATCH_LANES" not in shared, "set per Deployment, never for both"
