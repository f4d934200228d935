"""Validate the Kubernetes manifests under ``deploy/k8s`` offline (``make k8s-check``, CI). No cluster, no network.

Two layers:

1. **The source tree**: every YAML file parses; every kustomization's resources, components, patches and generator
   files exist; components are ``kind: Component`` and each is used by an overlay; no file is left unreferenced;
   no secret material is committed (no ``Secret`` objects with data, no ``secretGenerator``).
2. **Each overlay, built** with ``kustomize build`` or ``kubectl kustomize`` (kustomize is built into kubectl),
   then checked as the cluster would receive it: hardened pods (non-root, read-only root filesystem, all
   capabilities dropped, seccomp, ``/tmp`` emptyDir, requests and limits), probes on ``/healthz`` and ``/readyz``,
   one pinned platform image, Services / HPAs / PDBs / NetworkPolicies that select real pods, migration Jobs per
   service database, config and secret references that resolve, the province's region, issuer and audience,
   the public route, the PostgreSQL connection budget, and the **network matrix**: the calls each workload's own
   configuration makes (peer URLs, Redis, its database secret) must be allowed by the NetworkPolicies, and
   nothing else inside the namespace may be.

Without a kustomize binary the second layer runs on the unbuilt base and components (patches and overlays not
applied) and says so. Where the ``kubernetes-validate`` package is installed (its schemas ship inside the wheel),
every built object of a built-in kind is also validated strictly against the OpenAPI schema of the oldest
Kubernetes version we support, which catches misspelt fields; custom resources (CloudNativePG, Gateway API,
Prometheus Operator) are not schema-checked.

    .venv/bin/python scripts/check_k8s.py            # exit 1 with one line per problem
    .venv/bin/python scripts/check_k8s.py --source-only
"""

import argparse
import importlib
import json
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no types-PyYAML pin in requirements.txt

ROOT = Path(__file__).resolve().parents[1]
K8S_ROOT = ROOT / "deploy" / "k8s"

Obj = dict[str, Any]
# libyaml's parser when PyYAML has it: the built overlays are thousands of lines each.
YamlLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
Renderer = Callable[[Path], str]

# The platform's processes (one image) and the third-party workloads it is allowed to run beside them.
SERVICES_WITH_DATABASE = ("registry", "hours", "bases", "certificates")
PLATFORM_APPS = (*SERVICES_WITH_DATABASE, "gateway")
THIRD_PARTY_APPS = ("redis",)
MUST_AUTOSCALE = ("gateway", "hours")
# The gateway's own /readyz is the aggregate of the four services: as its readiness probe, one service down would
# take the whole public API out of rotation. Its probe is /healthz; everyone else's is /readyz.
READINESS_PATH = {"gateway": "/healthz"}
# Secrets a person creates (deploy/README.md); `<cluster>-app` comes from each CloudNativePG Cluster.
OPERATOR_SECRETS = frozenset(
    {
        "registry-signing-keys",
        "registry-pii-keys",
        "hours-registry-client",
        "certificates-signing-keys",
        "certificates-registry-client",
        "public-tls",
    }
)
PROVINCES = {"hebei": "130000", "beijing": "110000", "tianjin": "120000"}
# Namespaces outside the platform that may open connections into it, by the label their namespace carries.
EXTERNAL_SOURCES: dict[str, Obj] = {
    "ingress": {"ce-platform/ingress": "allow"},
    "monitoring": {"ce-platform/monitoring": "allow"},
    "cnpg-operator": {"kubernetes.io/metadata.name": "cnpg-system"},
}
ALLOWED_EXTERNAL = {
    "gateway": {"ingress", "monitoring"},
    "platform": {"monitoring"},
    "database": {"cnpg-operator", "monitoring"},
    "third-party": set[str](),
}
# The oldest Kubernetes the manifests target (PodDisruptionBudget unhealthyPodEvictionPolicy, preStop sleep).
KUBERNETES_VERSION = "1.31.0"
CNPG_PORTS = {"postgresql": 5432, "status": 8000, "metrics": 9187}
CNPG_DEFAULT_MAX_CONNECTIONS = 100
# Connections a database keeps free of the app's pools: migration Job, init containers, operator, a human.
CONNECTION_HEADROOM = 10
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
CLUSTER_SCOPED_KINDS = ("Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass")
SECRETISH_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)", re.IGNORECASE)
URL_IN_VALUE = re.compile(r"\b(?:https?|redis|rediss)://(?:[^@/\s]+@)?([A-Za-z0-9.-]+)(?::(\d+))?")
PUBLIC_PATH_FORBIDDEN = ("/metrics", "/healthz", "/readyz", "/services")
PLACEHOLDER_HOSTS = ("host.from.public-endpoint", "jxjy.example")


# --------------------------------------------------------------------------------------------------------------
# Small helpers over untyped YAML


def as_obj(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = as_obj(value).get(key)
    return value


def ident(doc: Obj) -> str:
    return f"{doc.get('kind')}/{dig(doc, 'metadata', 'name')}"


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels + matchExpressions); an empty selector matches everything."""
    sel = as_obj(selector)
    for key, value in as_obj(sel.get("matchLabels")).items():
        if labels.get(key) != str(value):
            return False
    for expr in as_list(sel.get("matchExpressions")):
        key, op, values = expr.get("key"), expr.get("operator"), [str(v) for v in as_list(expr.get("values"))]
        present = key in labels
        if (
            (op == "In" and not (present and labels[key] in values))
            or (op == "NotIn" and present and labels[key] in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True


def plain_selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A Service-style selector (a plain map); an empty one selects nothing."""
    sel = as_obj(selector)
    return bool(sel) and all(labels.get(k) == str(v) for k, v in sel.items())


def image_is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name_and_tag = image.rsplit("/", 1)[-1]
    return ":" in name_and_tag and name_and_tag.rsplit(":", 1)[1] not in ("", "latest")


# --------------------------------------------------------------------------------------------------------------
# Layer 1: the source tree


def kustomization_file(directory: Path) -> Path | None:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if (directory / name).is_file():
            return directory / name
    return None


def parse_yaml(text: str) -> list[Any]:
    """Every document of a YAML stream (safe loader: plain data only), without the empty ones."""
    return [d for d in yaml.load_all(text, Loader=YamlLoader) if d is not None]


def load_docs(path: Path, problems: list[str], root: Path) -> list[Any]:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{path.relative_to(root)}: does not parse as YAML: {exc}".replace("\n", " "))
        return []


def check_sources(root: Path) -> list[str]:
    problems: list[str] = []
    root = root.resolve()
    if not root.is_dir():
        return [f"{root}: no such directory"]
    yaml_files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    parsed = {p: load_docs(p, problems, root) for p in yaml_files}
    referenced: set[Path] = set()
    kustomizations = {p.parent: p for p in yaml_files if p.name in ("kustomization.yaml", "kustomization.yml")}
    components_used: set[Path] = set()

    for directory, kfile in sorted(kustomizations.items()):
        where = kfile.relative_to(root)
        docs = parsed.get(kfile) or [{}]
        k = as_obj(docs[0])
        is_component = k.get("kind") == "Component"
        if k.get("kind") not in (None, "Kustomization", "Component"):
            problems.append(f"{where}: kind must be Kustomization or Component, not {k.get('kind')!r}")

        local = LocalRefs(directory, str(where), problems)
        for ref in as_list(k.get("resources")):
            target = local(ref, "resource")
            if target is None:
                continue
            if target.is_dir():
                sub = kustomization_file(target)
                if sub is None:
                    problems.append(f"{where}: resource directory {ref!r} has no kustomization.yaml")
                elif as_obj((parsed.get(sub) or [{}])[0]).get("kind") == "Component":
                    problems.append(f"{where}: {ref!r} is a Component; list it under `components:`")
            else:
                referenced.add(target)
                for doc in parsed.get(target, []):
                    problems.extend(f"{target.relative_to(root)}: {p}" for p in check_source_resource(doc))
        for ref in as_list(k.get("components")):
            target = local(ref, "component")
            if target is None:
                continue
            sub = kustomization_file(target) if target.is_dir() else None
            if sub is None or as_obj((parsed.get(sub) or [{}])[0]).get("kind") != "Component":
                problems.append(f"{where}: component {ref!r} is not a directory with `kind: Component`")
            components_used.add(target)
        for patch in as_list(k.get("patches")):
            if isinstance(patch, dict) and "path" in patch:
                target = local(patch["path"], "patch")
                if target is not None:
                    referenced.add(target)
        for old in ("patchesStrategicMerge", "patchesJson6902", "commonLabels", "vars", "bases"):
            if old in k:
                problems.append(f"{where}: `{old}` is deprecated in kustomize v5; use patches/labels/replacements")
        for gen in as_list(k.get("configMapGenerator")):
            for ref in [*as_list(gen.get("files")), *as_list(gen.get("envs"))]:
                target = local(str(ref).split("=", 1)[-1], "configMapGenerator file")
                if target is not None:
                    referenced.add(target)
        if k.get("secretGenerator"):
            problems.append(
                f"{where}: secretGenerator commits secret material to the repository; reference a Secret that the "
                "operator or CloudNativePG creates instead"
            )
        if is_component and directory.parent.name != "components":
            problems.append(f"{where}: Components belong under components/")

    for component_dir in sorted(d for d in (root / "components").glob("*") if d.is_dir()):
        if kustomization_file(component_dir) is None:
            problems.append(f"components/{component_dir.name}: no kustomization.yaml")
        elif component_dir.resolve() not in components_used:
            problems.append(
                f"components/{component_dir.name}: used by no overlay, so no build validates it; use it in one"
            )
    overlays = sorted(d for d in (root / "overlays").glob("*") if d.is_dir())
    if not overlays:
        problems.append("overlays/: no overlay")
    for overlay in overlays:
        if kustomization_file(overlay) is None:
            problems.append(f"overlays/{overlay.name}: no kustomization.yaml")
    for path in yaml_files:
        if path.name not in ("kustomization.yaml", "kustomization.yml") and path.resolve() not in referenced:
            problems.append(f"{path.relative_to(root)}: not referenced by any kustomization (dead file)")
    return problems


@dataclass
class LocalRefs:
    """Resolves the paths one kustomization refers to, reporting remote and missing ones."""

    directory: Path
    where: str
    problems: list[str]

    def __call__(self, ref: Any, what: str) -> Path | None:
        text = str(ref)
        if "://" in text or text.startswith(("github.com/", "git@")):
            self.problems.append(f"{self.where}: {what} {text!r} is remote; the build must work offline")
            return None
        target = (self.directory / text).resolve()
        if not target.exists():
            self.problems.append(f"{self.where}: {what} {text!r} does not exist")
            return None
        return target


def check_source_resource(doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return ["a YAML document that is not a Kubernetes object"]
    missing = [key for key in ("apiVersion", "kind") if not doc.get(key)]
    if not dig(doc, "metadata", "name"):
        missing.append("metadata.name")
    if missing:
        return [f"{ident(doc)}: missing {', '.join(missing)}"]
    if doc["kind"] == "Secret" and (doc.get("data") or doc.get("stringData")):
        return [f"{ident(doc)}: a Secret with values is committed; let the operator create it (deploy/README.md)"]
    return []


# --------------------------------------------------------------------------------------------------------------
# Layer 2: a built overlay


@dataclass
class PodGroup:
    """The pods one workload (or one CloudNativePG Cluster) runs, as a network policy sees them."""

    name: str
    app: str
    role: str  # gateway | platform | database | third-party | job
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)

    def port_number(self, port: Any) -> int | None:
        if isinstance(port, int):
            return port
        if isinstance(port, str) and port.isdigit():
            return int(port)
        return self.ports.get(str(port))


@dataclass
class Build:
    name: str
    docs: list[Obj]
    rendered: bool
    province: str | None = None

    def of_kind(self, *kinds: str) -> Iterator[Obj]:
        return (d for d in self.docs if d.get("kind") in kinds)

    def find(self, kind: str, name: str) -> Obj | None:
        return next((d for d in self.of_kind(kind) if dig(d, "metadata", "name") == name), None)


def pod_template(doc: Obj) -> Obj:
    if doc.get("kind") == "CronJob":
        return as_obj(dig(doc, "spec", "jobTemplate", "spec", "template"))
    return as_obj(dig(doc, "spec", "template"))


def containers(pod_spec: Obj, *, init: bool = True) -> list[Obj]:
    found = [as_obj(c) for c in as_list(pod_spec.get("containers"))]
    return [*[as_obj(c) for c in as_list(pod_spec.get("initContainers"))], *found] if init else found


def app_of(doc: Obj) -> str:
    labels = as_obj(dig(pod_template(doc), "metadata", "labels")) or as_obj(dig(doc, "metadata", "labels"))
    return str(labels.get("app.kubernetes.io/name", ""))


def container_env(container: Obj, build: Build) -> dict[str, str]:
    """The environment as the kubelet would set it, with secret values left as references."""
    env: dict[str, str] = {}
    for source in as_list(container.get("envFrom")):
        cm = build.find("ConfigMap", str(dig(source, "configMapRef", "name")))
        for key, value in as_obj(cm and cm.get("data")).items():
            env[str(source.get("prefix", "")) + key] = str(value)
    for item in as_list(container.get("env")):
        name = str(item.get("name"))
        if "value" in item:
            env[name] = str(item["value"])
        elif (ref := dig(item, "valueFrom", "configMapKeyRef")) is not None:
            cm = build.find("ConfigMap", str(dig(ref, "name")))
            env[name] = str(as_obj(cm and cm.get("data")).get(str(dig(ref, "key")), ""))
        elif (ref := dig(item, "valueFrom", "secretKeyRef")) is not None:
            env[name] = f"<secret {dig(ref, 'name')}/{dig(ref, 'key')}>"
    return env


def secret_refs(pod_spec: Obj) -> Iterator[tuple[str, str]]:
    """(secret name, where) for every secret a pod uses."""
    for container in containers(pod_spec):
        for item in as_list(container.get("env")):
            if (name := dig(item, "valueFrom", "secretKeyRef", "name")) is not None:
                yield str(name), f"env {item.get('name')}"
        for source in as_list(container.get("envFrom")):
            if (name := dig(source, "secretRef", "name")) is not None:
                yield str(name), "envFrom"
    for volume in as_list(pod_spec.get("volumes")):
        if (name := dig(volume, "secret", "secretName")) is not None:
            yield str(name), f"volume {volume.get('name')}"


def check_build(build: Build) -> list[str]:
    problems: list[str] = []

    def say(where: str, message: str) -> None:
        problems.append(f"{build.name}: {where}: {message}")

    seen: set[tuple[str, str, str]] = set()
    for doc in build.docs:
        key = (str(doc.get("kind")), str(dig(doc, "metadata", "namespace") or ""), str(dig(doc, "metadata", "name")))
        if key in seen:
            say(ident(doc), "defined twice")
        seen.add(key)
        problems.extend(f"{build.name}: {p}" for p in check_source_resource(doc))

    namespace = check_namespace(build, say)
    workloads = list(build.of_kind(*WORKLOAD_KINDS))
    for doc in workloads:
        check_workload(doc, build, say)
    check_platform_image(workloads, build, say)
    for doc in build.of_kind("Deployment"):
        check_deployment(doc, build, say)
    check_services(build, say)
    check_autoscaling(build, say)
    check_disruption_budgets(build, say)
    check_migrations(build, say)
    check_references(workloads, build, say)
    check_plaintext_secrets(build, say)
    check_settings(build, say)
    check_public_route(build, say)
    check_databases(build, say)
    check_network(build, namespace, say)
    check_code_references(build, say)
    return problems


Say = Callable[[str, str], None]


def check_namespace(build: Build, say: Say) -> dict[str, str]:
    """The namespace's labels (with the automatic kubernetes.io/metadata.name), checking every object is in it."""
    namespaces = list(build.of_kind("Namespace"))
    if not build.rendered:
        ns = namespaces[0] if namespaces else {}
        return {**as_obj(dig(ns, "metadata", "labels"))}
    if len(namespaces) != 1:
        say("Namespace", f"expected exactly one Namespace object, found {len(namespaces)}")
        return {}
    name = str(dig(namespaces[0], "metadata", "name"))
    labels = {str(k): str(v) for k, v in as_obj(dig(namespaces[0], "metadata", "labels")).items()}
    if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
        say(f"Namespace/{name}", "must enforce the restricted Pod Security Standard")
    for doc in build.docs:
        if doc.get("kind") not in CLUSTER_SCOPED_KINDS and dig(doc, "metadata", "namespace") != name:
            say(ident(doc), f"is in namespace {dig(doc, 'metadata', 'namespace')!r}, not {name!r}")
    return {**labels, "kubernetes.io/metadata.name": name}


def check_workload(doc: Obj, build: Build, say: Say) -> None:
    where = ident(doc)
    app = app_of(doc)
    if app not in PLATFORM_APPS and app not in THIRD_PARTY_APPS:
        say(
            where,
            f"unknown workload app.kubernetes.io/name={app!r}; the checker knows {PLATFORM_APPS + THIRD_PARTY_APPS}",
        )
    template = pod_template(doc)
    spec = as_obj(template.get("spec"))
    pod_sc = as_obj(spec.get("securityContext"))
    if spec.get("automountServiceAccountToken") is not False:
        say(where, "automountServiceAccountToken must be false (no platform pod talks to the Kubernetes API)")
    if app in PLATFORM_APPS and spec.get("enableServiceLinks") is not False:
        # Service `registry` would inject REGISTRY_PORT=tcp://..., REGISTRY_SERVICE_HOST, ... into the settings.
        say(where, "needs enableServiceLinks: false (service variables collide with the settings' prefixes)")
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        say(where, "must not use the host's network, PID or IPC namespace")
    volumes = {str(v.get("name")): as_obj(v) for v in as_list(spec.get("volumes"))}
    for container in containers(spec):
        cwhere = f"{where}: container {container.get('name')}"
        sc = as_obj(container.get("securityContext"))
        if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
            say(cwhere, "must run with runAsNonRoot: true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            say(cwhere, "runs as uid 0")
        seccomp = dig(sc, "seccompProfile", "type") or dig(pod_sc, "seccompProfile", "type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            say(cwhere, "needs seccompProfile RuntimeDefault (pod or container securityContext)")
        if sc.get("readOnlyRootFilesystem") is not True:
            say(cwhere, "needs readOnlyRootFilesystem: true")
        if sc.get("allowPrivilegeEscalation") is not False:
            say(cwhere, "needs allowPrivilegeEscalation: false")
        if sc.get("privileged"):
            say(cwhere, "must not be privileged")
        if "ALL" not in [str(c) for c in as_list(dig(sc, "capabilities", "drop"))]:
            say(cwhere, "must drop ALL capabilities")
        if as_list(dig(sc, "capabilities", "add")):
            say(cwhere, "must not add capabilities")
        resources = as_obj(container.get("resources"))
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if dig(resources, kind, resource) in (None, ""):
                    say(cwhere, f"has no {kind}.{resource}")
        image = str(container.get("image", ""))
        if not image:
            say(cwhere, "has no image")
        elif build.rendered and not image_is_pinned(image):
            say(cwhere, f"image {image!r} must carry a version tag or digest, never `latest` or none")
        if app in PLATFORM_APPS:
            tmp = [m for m in as_list(container.get("volumeMounts")) if m.get("mountPath") == "/tmp"]  # noqa: S108
            if not tmp or "emptyDir" not in volumes.get(str(tmp[0].get("name")), {}):
                say(cwhere, "needs an emptyDir mounted at /tmp (the root filesystem is read-only)")


def check_platform_image(workloads: list[Obj], build: Build, say: Say) -> None:
    images: dict[str, list[str]] = {}
    for doc in workloads:
        if app_of(doc) in PLATFORM_APPS:
            for container in containers(as_obj(pod_template(doc).get("spec"))):
                images.setdefault(str(container.get("image", "")), []).append(f"{ident(doc)}/{container.get('name')}")
    if len(images) > 1:
        detail = "; ".join(f"{image} in {', '.join(users)}" for image, users in sorted(images.items()))
        say("images", f"every platform container must run the one platform image, found {len(images)}: {detail}")


def http_probe(container: Obj, probe: str) -> tuple[str | None, Any]:
    get = dig(container, probe, "httpGet")
    return (dig(get, "path"), dig(get, "port")) if get else (None, None)


def check_deployment(doc: Obj, build: Build, say: Say) -> None:
    where = ident(doc)
    app = app_of(doc)
    template = pod_template(doc)
    labels = {str(k): str(v) for k, v in as_obj(dig(template, "metadata", "labels")).items()}
    if not selector_matches(dig(doc, "spec", "selector"), labels) or not as_obj(dig(doc, "spec", "selector")):
        say(where, "spec.selector does not match the pod template's labels")
    spec = as_obj(template.get("spec"))
    for container in containers(spec):
        command = [str(c) for c in [*as_list(container.get("command")), *as_list(container.get("args"))]]
        if "alembic" in " ".join(command) and "upgrade" in " ".join(command):
            say(f"{where}: container {container.get('name')}", "runs migrations; they belong in a Job, never at start")
    for container in containers(spec, init=False):
        cwhere = f"{where}: container {container.get('name')}"
        ports = {str(p.get("name")): p.get("containerPort") for p in as_list(container.get("ports"))}
        numbers = set(ports.values())
        wanted = (
            ("startupProbe", "livenessProbe", "readinessProbe")
            if app in PLATFORM_APPS
            else ("livenessProbe", "readinessProbe")
        )
        for probe in wanted:
            if not as_obj(container.get(probe)):
                say(cwhere, f"has no {probe}")
        if app in PLATFORM_APPS:
            expected = {
                "startupProbe": "/healthz",
                "livenessProbe": "/healthz",
                "readinessProbe": READINESS_PATH.get(app, "/readyz"),
            }
            for probe, path in expected.items():
                if not as_obj(container.get(probe)):
                    continue
                got_path, port = http_probe(container, probe)
                if got_path != path:
                    say(cwhere, f"{probe} must be an HTTP GET of {path}, not {got_path!r}")
                elif port not in ports and port not in numbers:
                    say(cwhere, f"{probe} port {port!r} is not a port of the container")
            annotations = as_obj(dig(template, "metadata", "annotations"))
            if annotations.get("prometheus.io/scrape") != "true" or not annotations.get("prometheus.io/port"):
                say(where, "pod template needs prometheus.io/scrape and prometheus.io/port annotations")


def pod_groups(build: Build) -> list[PodGroup]:
    groups: list[PodGroup] = []
    for doc in build.of_kind(*WORKLOAD_KINDS):
        template = pod_template(doc)
        labels = {str(k): str(v) for k, v in as_obj(dig(template, "metadata", "labels")).items()}
        ports: dict[str, int] = {}
        for container in containers(as_obj(template.get("spec"))):
            for port in as_list(container.get("ports")):
                if isinstance(port.get("containerPort"), int):
                    ports[str(port.get("name", port["containerPort"]))] = port["containerPort"]
        groups.append(PodGroup(ident(doc), app_of(doc), role_of(doc), labels, ports))
    for cluster in build.of_kind("Cluster"):
        name = str(dig(cluster, "metadata", "name"))
        inherited = as_obj(dig(cluster, "spec", "inheritedMetadata", "labels"))
        labels = {
            **{str(k): str(v) for k, v in inherited.items()},
            "cnpg.io/cluster": name,
            "cnpg.io/podRole": "instance",
        }
        groups.append(PodGroup(f"Cluster/{name}", name, "database", labels, dict(CNPG_PORTS)))
    return groups


def role_of(doc: Obj) -> str:
    app = app_of(doc)
    if doc.get("kind") in ("Job", "CronJob"):
        return "job"
    if app == "gateway":
        return "gateway"
    return "platform" if app in PLATFORM_APPS else "third-party"


def selected(service: Obj, groups: list[PodGroup]) -> list[PodGroup]:
    return [g for g in groups if g.role != "job" and plain_selector_matches(dig(service, "spec", "selector"), g.labels)]


def check_services(build: Build, say: Say) -> None:
    groups = pod_groups(build)
    covered: set[str] = set()
    for service in build.of_kind("Service"):
        where = ident(service)
        targets = selected(service, groups)
        if not targets:
            say(where, f"selector {dig(service, 'spec', 'selector')} matches no pods of any workload")
            continue
        covered.update(g.name for g in targets)
        for port in as_list(dig(service, "spec", "ports")):
            target = port.get("targetPort", port.get("port"))
            for group in targets:
                if group.port_number(target) not in group.ports.values():
                    say(where, f"targetPort {target!r} is not a container port of {group.name}")
    for group in groups:
        if group.role in ("gateway", "platform", "third-party") and group.name not in covered:
            say(group.name, "no Service selects its pods")


def min_replicas(build: Build, deployment: str) -> tuple[int, int] | None:
    """(minimum, maximum) pods of a Deployment: from its HPA, else its replicas (default 1)."""
    for hpa in build.of_kind("HorizontalPodAutoscaler"):
        if dig(hpa, "spec", "scaleTargetRef", "name") == deployment:
            return int(dig(hpa, "spec", "minReplicas") or 1), int(dig(hpa, "spec", "maxReplicas") or 1)
    doc = build.find("Deployment", deployment)
    if doc is None:
        return None
    replicas = int(dig(doc, "spec", "replicas") or 1)
    return replicas, replicas


def check_autoscaling(build: Build, say: Say) -> None:
    scaled: set[str] = set()
    for hpa in build.of_kind("HorizontalPodAutoscaler"):
        where = ident(hpa)
        if hpa.get("apiVersion") != "autoscaling/v2":
            say(where, "use autoscaling/v2")
        ref = as_obj(dig(hpa, "spec", "scaleTargetRef"))
        target = build.find(str(ref.get("kind")), str(ref.get("name")))
        if target is None:
            say(where, f"scaleTargetRef {ref.get('kind')}/{ref.get('name')} does not exist in this build")
            continue
        scaled.add(str(ref.get("name")))
        low, high = dig(hpa, "spec", "minReplicas") or 1, dig(hpa, "spec", "maxReplicas")
        if not isinstance(high, int) or not isinstance(low, int) or not 1 <= low <= high:
            say(where, f"needs 1 <= minReplicas ({low}) <= maxReplicas ({high})")
        if not as_list(dig(hpa, "spec", "metrics")):
            say(where, "has no metrics")
        if dig(target, "spec", "replicas") is not None:
            say(ident(target), "sets spec.replicas although an HPA scales it (every apply would reset the count)")
        uses_cpu = any(dig(m, "resource", "name") == "cpu" for m in as_list(dig(hpa, "spec", "metrics")))
        spec = as_obj(pod_template(target).get("spec"))
        if uses_cpu and any(dig(c, "resources", "requests", "cpu") is None for c in containers(spec, init=False)):
            say(where, "scales on CPU utilisation but a container of the target has no CPU request")
    for app in MUST_AUTOSCALE:
        if build.find("Deployment", app) is not None and app not in scaled:
            say(f"Deployment/{app}", "needs a HorizontalPodAutoscaler")


def check_disruption_budgets(build: Build, say: Say) -> None:
    groups = [g for g in pod_groups(build) if g.name.startswith("Deployment/")]
    covered: set[str] = set()
    for pdb in build.of_kind("PodDisruptionBudget"):
        where = ident(pdb)
        if pdb.get("apiVersion") != "policy/v1":
            say(where, "use policy/v1")
        spec = as_obj(pdb.get("spec"))
        if ("minAvailable" in spec) == ("maxUnavailable" in spec):
            say(where, "set exactly one of minAvailable and maxUnavailable")
        matched = [
            g for g in groups if as_obj(spec.get("selector")) and selector_matches(spec.get("selector"), g.labels)
        ]
        if not matched:
            say(where, f"selector {spec.get('selector')} matches no Deployment's pods")
        for group in matched:
            covered.add(group.name)
            bounds = min_replicas(build, group.name.split("/", 1)[1])
            least = (
                isinstance(spec.get("minAvailable"), int) and bounds is not None and spec["minAvailable"] >= bounds[0]
            )
            if least:
                say(where, f"minAvailable {spec['minAvailable']} blocks every drain of {group.name} ({bounds} pods)")
    for group in groups:
        if group.app in PLATFORM_APPS and group.name not in covered:
            say(group.name, "no PodDisruptionBudget covers it")


def check_migrations(build: Build, say: Say) -> None:
    jobs = {app_of(j): j for j in build.of_kind("Job")}
    for service in SERVICES_WITH_DATABASE:
        if build.find("Deployment", service) is None:
            continue
        job = jobs.get(service)
        if job is None:
            say(f"Deployment/{service}", "no migration Job (app.kubernetes.io/name label) for its database")
            continue
        where = ident(job)
        spec = as_obj(pod_template(job).get("spec"))
        if spec.get("restartPolicy") not in ("Never", "OnFailure"):
            say(where, "restartPolicy must be Never or OnFailure")
        if dig(job, "spec", "backoffLimit") is None:
            say(where, "set backoffLimit (the database may still be starting)")
        expected = ["alembic", "-c", f"services/{service}/alembic.ini", "upgrade", "head"]
        mains = containers(spec, init=False)
        if not any([*as_list(c.get("command")), *as_list(c.get("args"))] == expected for c in mains):
            say(where, f"must run `{' '.join(expected)}`")
        variable = f"{service.upper()}_DATABASE_URL"
        if not any(variable in container_env(c, build) for c in mains):
            say(where, f"does not set {variable}")
        deployment = build.find("Deployment", service)
        app_secrets = {n for n, _ in secret_refs(as_obj(pod_template(deployment or {}).get("spec")))}
        job_secrets = {n for n, _ in secret_refs(spec)}
        if not job_secrets <= app_secrets:
            say(where, f"uses secrets {sorted(job_secrets - app_secrets)} that Deployment/{service} does not")


def check_references(workloads: list[Obj], build: Build, say: Say) -> None:
    generated = {f"{dig(c, 'metadata', 'name')}-app" for c in build.of_kind("Cluster")}
    known_secrets = OPERATOR_SECRETS | generated
    for doc in workloads:
        spec = as_obj(pod_template(doc).get("spec"))
        for name, where in secret_refs(spec):
            if name not in known_secrets:
                say(
                    ident(doc),
                    f"{where} uses secret {name!r}, which neither a Cluster creates nor deploy/README.md lists",
                )
        for container in containers(spec):
            mounts = [str(m.get("mountPath", "")).rstrip("/") for m in as_list(container.get("volumeMounts"))]
            for item in as_list(container.get("env")):
                name, value = str(item.get("name")), str(item.get("value", ""))
                # A file or directory a setting names must come from a volume: the root filesystem is read-only
                # and the image holds no keys.
                inside = any(value == m or value.startswith(m + "/") for m in mounts)
                if name.endswith(("_FILE", "_DIR")) and value.startswith("/") and not inside:
                    say(ident(doc), f"env {name}={value} is on no volume mounted in container {container.get('name')}")
            defined = {str(k) for k in container_env({"envFrom": container.get("envFrom")}, build)}
            for item in as_list(container.get("env")):
                # The kubelet expands $(NAME) only from variables defined before this one.
                for used in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(item.get("value", ""))):
                    if used not in defined:
                        say(ident(doc), f"env {item.get('name')} uses $({used}), which is not defined before it")
                defined.add(str(item.get("name")))
            for source in as_list(container.get("envFrom")):
                name = dig(source, "configMapRef", "name")
                if name is not None and build.find("ConfigMap", str(name)) is None:
                    say(ident(doc), f"envFrom ConfigMap {name!r} is not in the build")
            for item in as_list(container.get("env")):
                ref = dig(item, "valueFrom", "configMapKeyRef")
                if ref is None:
                    continue
                cm = build.find("ConfigMap", str(dig(ref, "name")))
                if cm is None or str(dig(ref, "key")) not in as_obj(cm.get("data")):
                    say(
                        ident(doc),
                        f"env {item.get('name')} refers to missing ConfigMap key {dig(ref, 'name')}/{dig(ref, 'key')}",
                    )
    for ingress in build.of_kind("Ingress"):
        for tls in as_list(dig(ingress, "spec", "tls")):
            if tls.get("secretName") not in known_secrets:
                say(ident(ingress), f"TLS secret {tls.get('secretName')!r} is not one deploy/README.md lists")


def check_plaintext_secrets(build: Build, say: Say) -> None:
    for doc in build.of_kind("ConfigMap"):
        for key, value in as_obj(doc.get("data")).items():
            if SECRETISH_NAME.search(str(key)) and str(value).strip():
                say(ident(doc), f"key {key!r} looks like a secret; ConfigMaps are not for secrets")
    for doc in build.of_kind(*WORKLOAD_KINDS):
        for container in containers(as_obj(pod_template(doc).get("spec"))):
            for item in as_list(container.get("env")):
                name, value = str(item.get("name")), item.get("value")
                if value is None:
                    continue
                text = str(value)
                if (
                    SECRETISH_NAME.search(name)
                    and text.strip()
                    and not re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", text)
                ):
                    say(ident(doc), f"env {name} has a literal value; take it from a Secret")
                credentials = re.search(r"://[^/@:\s]+:([^@\s]+)@", text)
                if credentials and not re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", credentials.group(1)):
                    say(ident(doc), f"env {name} embeds a literal password in a URL")


def check_settings(build: Build, say: Say) -> None:
    """Each service reads its own prefix; the province's region, issuer and audience agree."""
    for doc in build.of_kind("Deployment", "Job"):
        app = app_of(doc)
        if app not in PLATFORM_APPS:
            continue
        prefix = app.upper() + "_"
        for container in containers(as_obj(pod_template(doc).get("spec")), init=False):
            cwhere = f"{ident(doc)}: container {container.get('name')}"
            for source in as_list(container.get("envFrom")):
                if source.get("prefix", prefix) != prefix:
                    say(cwhere, f"envFrom prefix {source.get('prefix')!r} is not this service's {prefix!r}")
            env = container_env(container, build)
            for name in env:
                if name.endswith("_DATABASE_URL") and not name.startswith(prefix):
                    say(cwhere, f"sets {name}, another service's database")
            url = env.get(prefix + "DATABASE_URL")
            if app in SERVICES_WITH_DATABASE and not (url or "").startswith("postgresql+asyncpg://"):
                say(cwhere, f"{prefix}DATABASE_URL must be a postgresql+asyncpg:// URL (the app's driver), not {url!r}")
            command = [str(c) for c in [*as_list(container.get("command")), *as_list(container.get("args"))]]
            if env.get("FORWARDED_ALLOW_IPS", "").strip() == "*" or "--forwarded-allow-ips=*" in command:
                say(cwhere, "trusts X-Forwarded-For from anywhere: anyone could pick the address rate limits count")
            if doc.get("kind") == "Job":
                continue
            region = env.get(prefix + "REGION_CODE", "")
            if not re.fullmatch(r"\d{6}", region):
                say(cwhere, f"{prefix}REGION_CODE must be a six-digit GB/T 2260 code, not {region!r}")
                continue
            if build.province in PROVINCES and region != PROVINCES[build.province]:
                say(cwhere, f"{prefix}REGION_CODE is {region}, but {build.province} is {PROVINCES[build.province]}")
            if env.get(prefix + "TOKEN_ISSUER") != f"urn:ce:{region}:registry":
                say(cwhere, f"{prefix}TOKEN_ISSUER must be urn:ce:{region}:registry")
            if env.get(prefix + "TOKEN_AUDIENCE") != f"urn:ce:{region}":
                say(cwhere, f"{prefix}TOKEN_AUDIENCE must be urn:ce:{region}")
            if app in SERVICES_WITH_DATABASE:
                peers = env.get(prefix + "PEERS")
                try:
                    if not isinstance(json.loads(peers or ""), dict):
                        raise ValueError
                except ValueError:
                    say(cwhere, f"{prefix}PEERS must be a JSON object of name -> URL, not {peers!r}")


def python_target_exists(target: str) -> bool:
    """Whether ``package.module:attribute`` is defined in one of the repository's packages."""
    module, _, attribute = target.partition(":")
    top, *rest = module.split(".")
    for package in [*ROOT.glob(f"*/{top}/__init__.py"), *ROOT.glob(f"*/*/{top}/__init__.py")]:
        base = package.parent.joinpath(*rest)
        for source in (base.with_suffix(".py"), base / "__init__.py"):
            if source.is_file():
                pattern = rf"^(?:async def |def |class ){re.escape(attribute)}\b|^{re.escape(attribute)}\s*[:=]"
                return re.search(pattern, source.read_text(encoding="utf-8"), re.MULTILINE) is not None
    return False


def check_code_references(build: Build, say: Say) -> None:
    """What the containers run exists in this repository: uvicorn factories and protocols, Alembic configs."""
    for doc in build.of_kind(*WORKLOAD_KINDS):
        if app_of(doc) not in PLATFORM_APPS:
            continue
        for container in containers(as_obj(pod_template(doc).get("spec"))):
            cwhere = f"{ident(doc)}: container {container.get('name')}"
            words = [str(c) for c in [*as_list(container.get("command")), *as_list(container.get("args"))]]
            for word in words:
                # uvicorn's app (`registry.app:create_app`) and `--http=module:Class`
                target = re.fullmatch(r"(?:--http=)?([A-Za-z_][\w.]*:[A-Za-z_]\w*)", word)
                if words[:1] == ["uvicorn"] and target and not python_target_exists(target.group(1)):
                    say(cwhere, f"{target.group(1)} is not defined in the repository")
                for ini in re.findall(r"services/\w+/alembic\.ini", word):
                    if not (ROOT / ini).is_file():
                        say(cwhere, f"{ini} does not exist")


def public_entries(build: Build) -> list[tuple[Obj, list[str], list[tuple[str, Any]], list[str]]]:
    """(object, hostnames, backends (service, port), paths) of every HTTPRoute and Ingress."""
    entries = []
    for route in build.of_kind("HTTPRoute"):
        rules = as_list(dig(route, "spec", "rules"))
        backends = [(str(b.get("name")), b.get("port")) for r in rules for b in as_list(r.get("backendRefs"))]
        paths = [str(dig(m, "path", "value") or "/") for r in rules for m in as_list(r.get("matches")) or [{}]]
        entries.append((route, [str(h) for h in as_list(dig(route, "spec", "hostnames"))], backends, paths))
    for ingress in build.of_kind("Ingress"):
        rules = as_list(dig(ingress, "spec", "rules"))
        http_paths = [as_obj(p) for r in rules for p in as_list(dig(r, "http", "paths"))]
        backends = [
            (
                str(dig(p, "backend", "service", "name")),
                dig(p, "backend", "service", "port", "number") or dig(p, "backend", "service", "port", "name"),
            )
            for p in http_paths
        ]
        hosts = [str(r.get("host")) for r in rules if r.get("host")]
        entries.append((ingress, hosts, backends, [str(p.get("path", "/")) for p in http_paths]))
    return entries


def check_public_route(build: Build, say: Say) -> None:
    entries = public_entries(build)
    if build.rendered and len(entries) != 1:
        say("public route", f"expected exactly one HTTPRoute or Ingress, found {len(entries)}")
    for doc, hosts, backends, paths in entries:
        where = ident(doc)
        if doc.get("kind") == "HTTPRoute" and not as_list(dig(doc, "spec", "parentRefs")):
            say(where, "has no parentRefs (the Gateway it attaches to)")
        if not hosts:
            say(where, "has no hostname")
        if build.rendered:
            for host in hosts:
                if host in PLACEHOLDER_HOSTS:
                    say(where, f"hostname {host!r} is the base placeholder; set the province's in its overlay")
        for service_name, port in backends:
            service = build.find("Service", service_name)
            if service is None:
                say(where, f"backend Service {service_name!r} does not exist")
                continue
            if service_name != "gateway":
                say(where, f"routes to {service_name!r}; only the gateway is public")
            ports = as_list(dig(service, "spec", "ports"))
            if not any(port in (p.get("port"), p.get("name")) for p in ports):
                say(where, f"backend port {port!r} is not a port of Service/{service_name}")
        for path in paths:
            if path in ("", "/") or path.startswith(PUBLIC_PATH_FORBIDDEN):
                say(where, f"path {path!r} would publish operational endpoints ({', '.join(PUBLIC_PATH_FORBIDDEN)})")


def check_databases(build: Build, say: Say) -> None:
    clusters = {str(dig(c, "metadata", "name")): c for c in build.of_kind("Cluster")}
    for name, cluster in clusters.items():
        where = f"Cluster/{name}"
        spec = as_obj(cluster.get("spec"))
        if not isinstance(spec.get("instances"), int) or spec["instances"] < 1:
            say(where, "needs instances >= 1")
        if not dig(spec, "bootstrap", "initdb", "database") or not dig(spec, "bootstrap", "initdb", "owner"):
            say(where, "needs bootstrap.initdb.database and .owner (the app's own database and role)")
        if not dig(spec, "storage", "size"):
            say(where, "needs storage.size")
        image = str(spec.get("imageName", ""))
        if image and not image_is_pinned(image):
            say(where, f"imageName {image!r} must carry a version tag")
    if not clusters:
        return
    for service in SERVICES_WITH_DATABASE:
        deployment = build.find("Deployment", service)
        database = clusters.get(f"{service}-db")
        if deployment is None:
            continue
        if database is None:
            say(f"Deployment/{service}", f"no Cluster {service}-db for its database (one cluster per service)")
            continue
        bounds = min_replicas(build, service)
        surge = str(dig(deployment, "spec", "strategy", "rollingUpdate", "maxSurge") or "25%")
        most = bounds[1] if bounds else 1
        pods = most + (math.ceil(most * int(surge[:-1]) / 100) if surge.endswith("%") else int(surge))
        limit = int(
            dig(database, "spec", "postgresql", "parameters", "max_connections") or CNPG_DEFAULT_MAX_CONNECTIONS
        )
        main = containers(as_obj(pod_template(deployment).get("spec")), init=False)
        env = container_env(main[0], build) if main else {}
        # cekit.db: pool_size + pool_size // 2 overflow on the engine, plus the Reader's own pool (settings defaults).
        pool = int(env.get(f"{service.upper()}_DB_POOL_SIZE", "20"))
        per_pod = pool + pool // 2 + int(env.get(f"{service.upper()}_DB_READ_POOL_SIZE", "10"))
        needed = pods * per_pod + CONNECTION_HEADROOM
        if needed > limit:
            say(
                f"Cluster/{service}-db",
                f"max_connections {limit} < {needed} needed by up to {pods} {service} pods x {per_pod} "
                f"(pool + overflow + read pool) + {CONNECTION_HEADROOM}; raise it or lower DB_POOL_SIZE / "
                "DB_READ_POOL_SIZE / maxReplicas",
            )


# --------------------------------------------------------------------------------------------------------------
# The network matrix


def peer_matches(peer: Obj, group: PodGroup, namespace_labels: dict[str, str]) -> bool:
    """Whether a NetworkPolicy peer admits pods of ``group`` (in the policy's own namespace)."""
    if "ipBlock" in peer:
        return True  # an address range may well contain pod IPs: assume it does
    if "namespaceSelector" in peer and not selector_matches(peer["namespaceSelector"], namespace_labels):
        return False
    return "podSelector" not in peer or selector_matches(peer["podSelector"], group.labels)


def rule_ports_admit(rule: Obj, group: PodGroup, port: int) -> bool:
    ports = as_list(rule.get("ports"))
    if not ports:
        return True
    for item in ports:
        if str(item.get("protocol", "TCP")) != "TCP":
            continue
        if "port" not in item:
            return True
        low = group.port_number(item["port"])
        if low is not None and low <= port <= int(item.get("endPort", low)):
            return True
    return False


def policy_types(policy: Obj) -> list[str]:
    spec = as_obj(policy.get("spec"))
    if "policyTypes" in spec:
        return [str(t) for t in as_list(spec["policyTypes"])]
    return ["Ingress", *(["Egress"] if "egress" in spec else [])]


def allowed(
    src: PodGroup, dst: PodGroup, port: int, policies: list[Obj], namespace_labels: dict[str, str]
) -> tuple[bool, bool]:
    """(egress from src allowed, ingress into dst allowed) for TCP ``port`` on dst."""

    def direction(subject: PodGroup, kind: str, rules_key: str, peers_key: str, other: PodGroup) -> bool:
        isolating = [
            p
            for p in policies
            if kind in policy_types(p) and selector_matches(dig(p, "spec", "podSelector"), subject.labels)
        ]
        if not isolating:
            return True
        for policy in isolating:
            for rule in as_list(dig(policy, "spec", rules_key)):
                rule = as_obj(rule)
                peers = as_list(rule.get(peers_key))
                if (not peers or any(peer_matches(as_obj(p), other, namespace_labels) for p in peers)) and (
                    rule_ports_admit(rule, dst, port)
                ):
                    return True
        return False

    return direction(src, "Egress", "egress", "to", dst), direction(dst, "Ingress", "ingress", "from", src)


def expected_calls(build: Build, groups: list[PodGroup]) -> set[tuple[str, str, int]]:
    """(source group, destination group, port) for every call a workload's own configuration makes."""
    by_name = {g.name: g for g in groups}
    services = {str(dig(s, "metadata", "name")): s for s in build.of_kind("Service")}
    namespace = next((str(dig(n, "metadata", "name")) for n in build.of_kind("Namespace")), "")
    clusters = {
        f"{dig(c, 'metadata', 'name')}-app": f"Cluster/{dig(c, 'metadata', 'name')}" for c in build.of_kind("Cluster")
    }
    calls: set[tuple[str, str, int]] = set()
    for doc in build.of_kind(*WORKLOAD_KINDS):
        source = by_name[ident(doc)]
        spec = as_obj(pod_template(doc).get("spec"))
        for container in containers(spec):
            for value in container_env(container, build).values():
                for match in URL_IN_VALUE.finditer(value):
                    host = match.group(1)
                    parts = host.split(".")
                    if len(parts) > 1 and parts[1:] not in (
                        [namespace],
                        [namespace, "svc"],
                        [namespace, "svc", "cluster", "local"],
                    ):
                        continue  # not a Service of this namespace
                    service = services.get(parts[0])
                    if service is None:
                        continue
                    service_port = int(match.group(2) or (443 if value.startswith("https") else 80))
                    for port in as_list(dig(service, "spec", "ports")):
                        if port.get("port") != service_port:
                            continue
                        for target in selected(service, groups):
                            number = target.port_number(port.get("targetPort", service_port))
                            if number is not None and target.name != source.name:
                                calls.add((source.name, target.name, number))
        for secret, _ in secret_refs(spec):
            if secret in clusters:
                calls.add((source.name, clusters[secret], CNPG_PORTS["postgresql"]))
    return calls


def check_network(build: Build, namespace_labels: dict[str, str], say: Say) -> None:
    policies = list(build.of_kind("NetworkPolicy"))
    if not policies:
        if build.rendered:
            say("NetworkPolicy", "none in this build: use components/network-policies")
        return
    groups = pod_groups(build)
    default_deny = [
        p
        for p in policies
        if as_obj(dig(p, "spec", "podSelector")) == {}
        and {"Ingress", "Egress"} <= set(policy_types(p))
        and not as_list(dig(p, "spec", "ingress"))
        and not as_list(dig(p, "spec", "egress"))
    ]
    if not default_deny:
        say("NetworkPolicy", "no default deny (podSelector: {}, policyTypes Ingress and Egress, no rules)")
    for policy in policies:
        where = ident(policy)
        pod_selector = dig(policy, "spec", "podSelector")
        if pod_selector is None:
            say(where, "has no podSelector")
        elif as_obj(pod_selector) and not any(selector_matches(pod_selector, g.labels) for g in groups):
            say(where, f"podSelector {pod_selector} matches no pods in this build")
        for key, peers_key in (("ingress", "from"), ("egress", "to")):
            for rule in as_list(dig(policy, "spec", key)):
                for peer in as_list(as_obj(rule).get(peers_key)):
                    peer = as_obj(peer)
                    own_namespace = "podSelector" in peer and "namespaceSelector" not in peer
                    if own_namespace and not any(selector_matches(peer["podSelector"], g.labels) for g in groups):
                        say(where, f"{key} peer {peer['podSelector']} matches no pods in this build")
        check_external_sources(policy, groups, namespace_labels, say)

    calls = expected_calls(build, groups)
    for src_name, dst_name, port in sorted(calls):
        src = next(g for g in groups if g.name == src_name)
        dst = next(g for g in groups if g.name == dst_name)
        egress_ok, ingress_ok = allowed(src, dst, port, policies, namespace_labels)
        blocked = [side for side, ok in (("egress", egress_ok), ("ingress", ingress_ok)) if not ok]
        if blocked:
            say(
                "network",
                f"{src_name} calls {dst_name}:{port} (its configuration says so) but {' and '.join(blocked)} "
                f"{'is' if len(blocked) == 1 else 'are'} blocked",
            )
    # Least privilege on both sides: neither the caller's egress nor the callee's ingress admits a call that the
    # configuration does not make (each side must hold even if the other is misconfigured).
    for src in groups:
        for dst in groups:
            if src.name == dst.name:
                continue
            for port in sorted(set(dst.ports.values())):
                if (src.name, dst.name, port) in calls:
                    continue
                egress_ok, ingress_ok = allowed(src, dst, port, policies, namespace_labels)
                if ingress_ok:
                    say("network", f"ingress of {dst.name} admits {src.name} on {port}, which does not call it")
                if egress_ok:
                    say("network", f"egress of {src.name} admits {dst.name}:{port}, which it does not call")


def check_external_sources(policy: Obj, groups: list[PodGroup], namespace_labels: dict[str, str], say: Say) -> None:
    """Connections from outside the namespace: only the sources each kind of pod may have."""
    targets = [g for g in groups if g.role != "job" and selector_matches(dig(policy, "spec", "podSelector"), g.labels)]
    if "Ingress" not in policy_types(policy):
        return
    for rule in as_list(dig(policy, "spec", "ingress")):
        peers = as_list(as_obj(rule).get("from"))
        sources: list[str] = []
        if not peers:
            sources.append("anywhere")
        for peer in peers:
            peer = as_obj(peer)
            if "ipBlock" in peer:
                sources.append(f"ipBlock {dig(peer, 'ipBlock', 'cidr')}")
            elif "namespaceSelector" in peer:
                labels = as_obj(dig(peer, "namespaceSelector", "matchLabels"))
                known = next((name for name, want in EXTERNAL_SOURCES.items() if labels == want), None)
                if known is not None:
                    sources.append(known)
                elif selector_matches(peer["namespaceSelector"], namespace_labels) and labels:
                    continue  # our own namespace, spelt out
                else:
                    sources.append(f"namespaces {peer['namespaceSelector']}")
        for group in targets:
            for source in sources:
                if source not in ALLOWED_EXTERNAL.get(group.role, set()):
                    say(ident(policy), f"lets {source} connect to {group.name}")


# --------------------------------------------------------------------------------------------------------------
# Building overlays


def find_renderer() -> Renderer | None:
    """``kustomize build`` or ``kubectl kustomize``, whichever is installed (both work offline)."""
    if (kustomize := shutil.which("kustomize")) is not None:
        command = [kustomize, "build"]
    elif (kubectl := shutil.which("kubectl")) is not None:
        command = [kubectl, "kustomize"]
    else:
        return None

    def render(directory: Path) -> str:
        result = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip()
            raise RuntimeError(re.sub(r"^E\d{4} [\d:.]+\s+\d+ \S+\] ", "", message))
        return result.stdout

    return render


def collect_source_docs(root: Path) -> list[Obj]:
    """Without kustomize: base and components as written (no patches, no overlays, generators by name)."""
    docs: list[Obj] = []
    dirs = [root / "base", *sorted(d for d in (root / "components").glob("*") if d.is_dir())]
    for directory in dirs:
        kfile = kustomization_file(directory)
        if kfile is None:
            continue
        k = as_obj((parse_yaml(kfile.read_text(encoding="utf-8")) or [{}])[0])
        for ref in as_list(k.get("resources")):
            path = directory / str(ref)
            if path.is_file():
                docs.extend(d for d in parse_yaml(path.read_text(encoding="utf-8")) if isinstance(d, dict))
        for gen in as_list(k.get("configMapGenerator")):
            data = dict(str(item).split("=", 1) for item in as_list(gen.get("literals")) if "=" in str(item))
            docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen.get("name")}, "data": data})
    return docs


def build_overlays(
    root: Path, renderer: Renderer, only: Collection[str] | None = None
) -> tuple[list[Build], list[str]]:
    overlays = sorted(
        d
        for d in (root / "overlays").glob("*")
        if kustomization_file(d) is not None and (only is None or d.name in only)
    )
    builds: list[Build] = []
    problems: list[str] = []

    def one(overlay: Path) -> tuple[Path, str | Exception]:
        try:
            return overlay, renderer(overlay)
        except Exception as exc:  # a failed build is a finding, not a crash
            return overlay, exc

    with ThreadPoolExecutor(max_workers=4) as pool:
        for overlay, output in pool.map(one, overlays):
            name = f"overlays/{overlay.name}"
            if isinstance(output, Exception):
                problems.append(f"{name}: does not build: {output}")
                continue
            docs = [d for d in parse_yaml(output) if isinstance(d, dict)]
            builds.append(Build(name, docs, rendered=True, province=overlay.name))
    return builds, problems


def check_schemas(build: Build) -> list[str]:
    """Strict OpenAPI validation of built-in kinds, when the optional ``kubernetes-validate`` is installed."""
    try:
        validator = importlib.import_module("kubernetes_validate")
    except ImportError:
        return []
    problems: list[str] = []
    for doc in build.docs:
        try:
            validator.validate(doc, KUBERNETES_VERSION, True)
        except validator.SchemaNotFoundError:
            continue  # a custom resource: its CRD is not bundled
        except validator.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path) or "(top)"
            problems.append(f"{build.name}: {ident(doc)}: schema ({KUBERNETES_VERSION}): {where}: {exc.message}")
    return problems


def check_across_overlays(builds: list[Build]) -> list[str]:
    """Two provinces never share a namespace, a region or a hostname."""
    problems: list[str] = []
    seen: dict[str, dict[str, str]] = {"namespace": {}, "region": {}, "hostname": {}}
    for build in builds:
        values = {
            "namespace": [str(dig(n, "metadata", "name")) for n in build.of_kind("Namespace")],
            "region": [
                str(as_obj(c.get("data")).get("REGION_CODE"))
                for c in build.of_kind("ConfigMap")
                if "REGION_CODE" in as_obj(c.get("data"))
            ],
            "hostname": [h for _, hosts, _, _ in public_entries(build) for h in hosts],
        }
        for what, items in values.items():
            for item in set(items):
                if item in seen[what]:
                    problems.append(f"{build.name}: {what} {item!r} is also used by {seen[what][item]}")
                seen[what][item] = build.name
    return problems


def validate(
    root: Path = K8S_ROOT,
    *,
    renderer: Renderer | None = None,
    use_renderer: bool = True,
    overlays: Collection[str] | None = None,
) -> list[str]:
    """Every problem found in the manifests under ``root``; empty when they are fine.

    ``use_renderer=False`` checks the unbuilt base and components; ``overlays`` limits the builds to those named.
    """
    problems = check_sources(root)
    if use_renderer and renderer is None:
        renderer = find_renderer()
    if use_renderer and renderer is not None:
        builds, build_problems = build_overlays(root, renderer, overlays)
        problems.extend(build_problems)
        for build in builds:
            problems.extend(check_build(build))
            problems.extend(check_schemas(build))
        problems.extend(check_across_overlays(builds))
    else:
        source = Build("source (unbuilt base + components)", collect_source_docs(root), rendered=False)
        problems.extend(check_build(source))
    return problems


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("root", nargs="?", type=Path, default=K8S_ROOT, help="the deploy/k8s directory")
    parser.add_argument("--source-only", action="store_true", help="do not build overlays, check base + components")
    args = parser.parse_args(list(argv) if argv is not None else None)
    renderer = None if args.source_only else find_renderer()
    if renderer is None and not args.source_only:
        print("warning: no kustomize or kubectl; checking the unbuilt base and components only", file=sys.stderr)
    problems = validate(args.root, renderer=renderer, use_renderer=renderer is not None)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"\n{len(problems)} problem(s) in {args.root}", file=sys.stderr)
        return 1
    overlays = sorted(d.name for d in (args.root / "overlays").glob("*") if d.is_dir())
    mode = f"overlays {', '.join(overlays)} built and checked" if renderer is not None else "base + components checked"
    print(f"k8s manifests OK ({mode})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
