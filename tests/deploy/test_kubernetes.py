"""The Kubernetes manifests, validated offline against the Kubernetes schemas, and consistent
with each other and with the server's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from warmtts.config import Settings

FOLDER = Path(__file__).parents[2] / "deploy" / "kubernetes"
# The oldest release still commonly run and the newest whose schemas ship with kubernetes-validate.
VERSIONS = ("1.29.0", "1.37.0")
MANIFESTS = sorted(p.name for p in FOLDER.glob("*.yaml") if p.name != "kustomization.yaml")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((FOLDER / name).read_text())  # type: ignore[no-any-return]


def by_kind() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in map(load, MANIFESTS)}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", MANIFESTS)
def test_manifest_is_valid_against_the_schema(name: str, version: str) -> None:
    kubernetes_validate.validate(load(name), version, strict=True)  # raises on any error or unknown field


def test_the_validator_rejects_a_broken_manifest() -> None:
    broken = load("deployment.yaml")
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = {"no": "such"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest() -> None:
    assert sorted(load("kustomization.yaml")["resources"]) == MANIFESTS
    assert set(by_kind()) == {"ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


def test_probes_drain_and_scraping_fit_the_server() -> None:
    docs = by_kind()
    pod = docs["Deployment"]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/ready"
    grace = float(docs["ConfigMap"]["data"]["WARMTTS_SHUTDOWN_GRACE_SECONDS"])
    pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["spec"]["terminationGracePeriodSeconds"] > pre_stop + grace
    port = container["ports"][0]["containerPort"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["WARMTTS_PORT"]) == port == int(pod["metadata"]["annotations"]["prometheus.io/port"])
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    # Workers match the CPU requested: the process sees the node's cores, not its share.
    assert docs["ConfigMap"]["data"]["WARMTTS_WORKERS"] == container["resources"]["requests"]["cpu"]


def test_selectors_and_targets_point_at_the_deployment() -> None:
    docs = by_kind()
    labels = docs["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert docs["Deployment"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert docs["Service"]["spec"]["selector"].items() <= labels.items()
    assert docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", docs["Deployment"]["metadata"]["name"])
    assert docs["HorizontalPodAutoscaler"]["spec"]["minReplicas"] > docs["PodDisruptionBudget"]["spec"]["minAvailable"]
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    refs = {ref.get("secretRef", ref.get("configMapRef"))["name"] for ref in container["envFrom"]}
    assert refs == {docs["Secret"]["metadata"]["name"], docs["ConfigMap"]["metadata"]["name"]}


def test_the_s3_settings_come_from_the_secret_and_the_server_accepts_them(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = by_kind()
    secret = docs["Secret"]["stringData"]
    assert {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"} <= set(secret)
    for name, value in (docs["ConfigMap"]["data"] | secret).items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # what the pod's environment gives the server, validated as at start
    assert settings.audio_store_url is not None and settings.audio_store_url.startswith("s3://")
    assert settings.workers == 2 and settings.shutdown_grace_seconds == 30
