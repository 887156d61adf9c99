"""Both overlays render, and every resource is valid for Kubernetes or for its CRD."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from .conftest import K8S, OVERLAYS

# The Kubernetes version the manifests are checked against (kubernetes-validate ships its schemas).
KUBERNETES_VERSION = "1.34.0"
EXPECTED_KINDS = {
    "ConfigMap",
    "Deployment",
    "StatefulSet",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "KafkaTopic",
    "ServiceMonitor",
    "PrometheusRule",
}


def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The openAPIV3Schema of each CRD kept in deploy/k8s/crds, by (apiVersion, kind)."""
    schemas = {}
    for path in sorted((K8S / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schemas[(f"{group}/{version['name']}", kind)] = version["schema"]["openAPIV3Schema"]
    return schemas


def validate(resource: dict[str, Any], crds: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Raise when `resource` breaks its Kubernetes or CRD schema."""
    key = (resource["apiVersion"], resource["kind"])
    if key in crds:
        jsonschema.Draft7Validator(crds[key]).validate(resource)
    else:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_every_kind(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    kinds = {r["kind"] for r in rendered[overlay]}
    assert kinds == EXPECTED_KINDS


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_validates(rendered: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    crds = crd_schemas()
    for resource in rendered[overlay]:
        validate(resource, crds)


def test_crd_schemas_are_kept_for_every_custom_kind() -> None:
    assert set(crd_schemas()) == {
        ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
    }


def test_validation_rejects_a_broken_resource(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    crds = crd_schemas()
    deployment = next(r for r in rendered["prod"] if r["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, crds)
    topic = next(r for r in rendered["prod"] if r["kind"] == "KafkaTopic")
    broken_topic = {**topic, "spec": {**topic["spec"], "partitons": 6}}
    with pytest.raises(jsonschema.ValidationError):
        validate(broken_topic, crds)


def test_kept_crds_are_themselves_valid_schemas() -> None:
    for schema in crd_schemas().values():
        jsonschema.Draft7Validator.check_schema(schema)
    assert Path(K8S / "crds").is_dir()
