"""The Kubernetes manifests pass the offline checker, and the checker catches what it claims to catch.

Each test that breaks something works on a copy of ``deploy/k8s`` in ``tmp_path``. "built" runs the overlays
through ``kubectl kustomize`` / ``kustomize build`` (skipped where neither is installed); "source" checks the
unbuilt base and components, as the checker does on a machine without them.
"""

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
K8S = ROOT / "deploy" / "k8s"


def _load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_k8s", ROOT / "scripts" / "check_k8s.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


check_k8s = _load_checker()
HAVE_KUSTOMIZE = check_k8s.find_renderer() is not None


@pytest.fixture(params=["built", "source"])
def built(request: pytest.FixtureRequest) -> bool:
    if request.param == "built" and not HAVE_KUSTOMIZE:
        pytest.skip("neither kustomize nor kubectl is installed")
    return bool(request.param == "built")


def validate(root: Path, built: bool, overlays: tuple[str, ...] | None = ("hebei",)) -> list[str]:
    """The checker's findings; a broken copy is built for one province only, to keep the suite quick."""
    problems: list[str] = check_k8s.validate(root, use_renderer=built, overlays=overlays)
    return problems


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    return copy


def edit_docs(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    for doc in docs:
        change(doc)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")


def test_the_committed_manifests_pass(built: bool) -> None:
    assert validate(K8S, built, overlays=None) == []


def test_the_script_exits_zero_on_the_committed_manifests() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/check_k8s.py"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "k8s manifests OK" in result.stdout


def test_a_deployment_without_probes_and_a_service_selecting_nothing_are_reported(tree: Path, built: bool) -> None:
    def drop_probes(doc: dict[str, Any]) -> None:
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    container.pop(probe)

    def misspell_selector(doc: dict[str, Any]) -> None:
        if doc["kind"] == "Service":
            doc["spec"]["selector"]["app.kubernetes.io/name"] = "basez"

    edit_docs(tree / "base" / "hours.yaml", drop_probes)
    edit_docs(tree / "base" / "bases.yaml", misspell_selector)

    problems = validate(tree, built)

    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert any("Deployment/hours: container hours: has no " + probe in p for p in problems), problems
    assert any("Service/bases: selector" in p and "matches no pods" in p for p in problems), problems
    assert any("Deployment/bases: no Service selects its pods" in p for p in problems), problems


def test_a_writable_root_filesystem_and_a_root_user_are_reported(tree: Path, built: bool) -> None:
    def loosen(doc: dict[str, Any]) -> None:
        if doc["kind"] == "Deployment":
            pod = doc["spec"]["template"]["spec"]
            pod["securityContext"]["runAsNonRoot"] = False
            pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False

    edit_docs(tree / "base" / "certificates.yaml", loosen)

    problems = validate(tree, built)

    assert any("certificates: needs readOnlyRootFilesystem: true" in p for p in problems), problems
    assert any("certificates: must run with runAsNonRoot: true" in p for p in problems), problems


def test_a_service_opened_to_every_pod_is_reported(tree: Path, built: bool) -> None:
    def open_to_all(doc: dict[str, Any]) -> None:
        if doc["metadata"]["name"] == "certificates":
            doc["spec"]["ingress"][0]["from"] = [{"podSelector": {}}]

    edit_docs(tree / "components" / "network-policies" / "network-policies.yaml", open_to_all)

    problems = validate(tree, built)

    assert any("ingress of Deployment/certificates admits Deployment/hours on 8000" in p for p in problems), problems


def test_a_call_the_policies_block_is_reported(tree: Path, built: bool) -> None:
    # bases starts calling certificates, but nobody opened the network for it.
    path = tree / "base" / "bases.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '"hours":"http://hours:8000"}', '"hours":"http://hours:8000","certificates":"http://certificates:8000"}'
        )
    )

    problems = validate(tree, built)

    assert any(
        "Deployment/bases calls Deployment/certificates:8000" in p and "egress and ingress are blocked" in p
        for p in problems
    ), problems


def test_committed_secret_material_and_a_latest_tag_are_reported(tree: Path) -> None:
    kustomization = tree / "overlays" / "tianjin" / "kustomization.yaml"
    text = kustomization.read_text(encoding="utf-8").replace("newTag: 0.1.0", "newTag: latest")
    kustomization.write_text(text + "\nsecretGenerator:\n  - name: db\n    literals: [password=CHANGE-ME]\n")

    problems = validate(tree, built=HAVE_KUSTOMIZE, overlays=("tianjin",))

    assert any("tianjin/kustomization.yaml: secretGenerator commits secret material" in p for p in problems), problems
    if HAVE_KUSTOMIZE:
        assert any("overlays/tianjin: Deployment/gateway" in p and "`latest`" in p for p in problems), problems


def test_a_factory_that_the_code_does_not_define_is_reported(tree: Path) -> None:
    path = tree / "base" / "hours.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("hours.app:create_app", "hours.app:make_app"))

    problems = validate(tree, built=False)

    assert any("Deployment/hours: container hours: hours.app:make_app is not defined" in p for p in problems), problems


def test_a_missing_resource_and_a_dead_file_are_reported(tree: Path) -> None:
    kustomization = tree / "base" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text(encoding="utf-8").replace("  - redis.yaml\n", "  - valkey.yaml\n"))

    problems = validate(tree, built=False)

    assert "base/kustomization.yaml: resource 'valkey.yaml' does not exist" in problems
    assert "base/redis.yaml: not referenced by any kustomization (dead file)" in problems
