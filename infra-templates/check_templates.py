#!/usr/bin/python3
"""Renders every template of infra-templates/ with the real Jinja2 and checks the output.

For every flavor of every type in resource_configs.yaml, with the seed README's example requests,
an empty spec, a rich spec that uses every documented key and a hostile spec full of characters
that need quoting, in both the default and the strict undefined mode:
  - YAML output: yaml.safe_load_all must parse it; every document is a mapping with apiVersion,
    kind and metadata.name; the managed labels are present and user strings come back unchanged.
  - HCL output: a small HCL2 native-syntax parser (below) must parse it; there is a `source` block
    and a `build` block whose `sources` name it; user strings come back unchanged and no `${`
    interpolation other than var./local. references appears.
The Jinja2 environment is the service's: trim_blocks, lstrip_blocks, plus the service filters
to_yaml, to_nice_yaml, to_json, b64encode, b64decode (as the prototype defined them).

Usage: /usr/bin/python3 infra-templates/check_templates.py [--show TYPE FLAVOR]
Exit status 0 when every check passes. The project's own C++ engine replaces this later.
"""
import base64
import json
import os
import re
import sys

import jinja2
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MANAGED_NAMES = ("name", "tenant_id", "cluster_id", "flavor", "spec", "labels")


# --- The service's Jinja2 environment -------------------------------------------------------

def to_yaml(value):
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False)


def to_nice_yaml(value, indent=2):
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False, indent=indent)


def make_env(strict):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
    )
    env.filters["to_yaml"] = to_yaml
    env.filters["to_nice_yaml"] = to_nice_yaml
    env.filters["to_json"] = json.dumps
    env.filters["b64encode"] = lambda s: base64.b64encode(str(s).encode()).decode()
    env.filters["b64decode"] = lambda s: base64.b64decode(str(s).encode()).decode()
    return env


def build_context(name, tenant_id, cluster_id, flavor, spec):
    """The template context, as issue 2 defines it."""
    labels = dict(spec.get("labels") or {}) if isinstance(spec.get("labels"), dict) else {}
    labels.update({"tenant.io/id": tenant_id, "managed-by": "gitops-api", "flavor": flavor})
    if cluster_id:
        labels["cluster.io/id"] = cluster_id
    context = {k: v for k, v in spec.items() if k not in MANAGED_NAMES}
    context.update(name=name, tenant_id=tenant_id, cluster_id=cluster_id, flavor=flavor,
                   spec=spec, labels=labels)
    return context


# --- A small HCL2 native-syntax parser (enough for Packer templates) -------------------------

class HclError(Exception):
    pass


TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<nl>\n)
  | (?P<string>")
  | (?P<number>\d+(\.\d+)?([eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<punct>==|!=|<=|>=|&&|\|\||[{}\[\]()=,.:?+\-*/%<>!])
""", re.X | re.S)

STRING_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
ALLOWED_INTERPOLATION = re.compile(r"^(var|local)\.[A-Za-z_][A-Za-z0-9_-]*$")


def read_string(text, pos, line):
    """Reads a quoted template string starting after the opening quote; returns (value, pos)."""
    out = []
    while True:
        if pos >= len(text) or text[pos] == "\n":
            raise HclError("line %d: unterminated string" % line)
        c = text[pos]
        if c == '"':
            return "".join(out), pos + 1
        if c == "\\":
            nxt = text[pos + 1:pos + 2]
            if nxt in STRING_ESCAPES:
                out.append(STRING_ESCAPES[nxt])
                pos += 2
            elif nxt == "u" and re.match(r"[0-9a-fA-F]{4}", text[pos + 2:pos + 6]):
                out.append(chr(int(text[pos + 2:pos + 6], 16)))
                pos += 6
            elif nxt == "U" and re.match(r"[0-9a-fA-F]{8}", text[pos + 2:pos + 10]):
                out.append(chr(int(text[pos + 2:pos + 10], 16)))
                pos += 10
            else:
                raise HclError("line %d: invalid escape \\%s" % (line, nxt))
            continue
        if text.startswith("$${", pos) or text.startswith("%%{", pos):
            out.append(c + "{")
            pos += 3
            continue
        if text.startswith("${", pos) or text.startswith("%{", pos):
            end = text.find("}", pos)
            if end < 0:
                raise HclError("line %d: unterminated interpolation" % line)
            inner = text[pos + 2:end].strip()
            if c == "%" or not ALLOWED_INTERPOLATION.match(inner):
                raise HclError("line %d: unexpected template sequence %r" % (line, text[pos:end + 1]))
            out.append("${" + inner + "}")
            pos = end + 1
            continue
        out.append(c)
        pos += 1


def tokenize(text):
    tokens, pos, line = [], 0, 1
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise HclError("line %d: unexpected character %r" % (line, text[pos]))
        kind = m.lastgroup
        if kind == "string":
            value, pos = read_string(text, m.end(), line)
            tokens.append(("string", value, line))
            continue
        if kind == "nl":
            tokens.append(("nl", "\n", line))
            line += 1
        elif kind == "comment":
            line += m.group().count("\n")
        elif kind != "ws":
            tokens.append((kind, m.group(), line))
        pos = m.end()
    tokens.append(("eof", "", line))
    return tokens


class HclParser:
    """body := (attribute | block)*; returns a list of ("attr", name, value) / ("block", ...)."""

    def __init__(self, text):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, skip_nl=False):
        j = self.i
        while skip_nl and self.tokens[j][0] == "nl":
            j += 1
        return self.tokens[j]

    def take(self, kind=None, value=None, skip_nl=False):
        if skip_nl:
            self.skip_nl()
        tok = self.tokens[self.i]
        if (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            raise HclError("line %d: expected %s, got %r" % (tok[2], value or kind, tok[1]))
        self.i += 1
        return tok

    def skip_nl(self):
        while self.tokens[self.i][0] == "nl":
            self.i += 1

    def parse_body(self, closing):
        items = []
        while True:
            self.skip_nl()
            tok = self.peek()
            if tok[0] == "eof" and closing is None:
                return items
            if tok[1] == "}" and closing == "}":
                return items
            name = self.take("ident")[1]
            if self.peek()[1] == "=":
                self.take(value="=")
                items.append(("attr", name, self.parse_expr()))
            else:
                labels = []
                while self.peek()[0] in ("string", "ident"):
                    labels.append(self.take()[1])
                self.take(value="{")
                body = self.parse_body("}")
                self.take(value="}")
                items.append(("block", name, labels, body))
            end = self.peek()
            if end[0] not in ("nl", "eof") and end[1] != "}":
                raise HclError("line %d: expected a newline, got %r" % (end[2], end[1]))

    def parse_expr(self):
        tok = self.take(skip_nl=False)
        kind, value, line = tok
        if kind == "string" or kind == "number":
            result = value
        elif kind == "ident" and value in ("true", "false", "null"):
            result = {"true": True, "false": False, "null": None}[value]
        elif kind == "ident":
            result = value
            while self.peek()[1] == ".":
                self.take(value=".")
                result += "." + self.take("ident")[1]
            if self.peek()[1] == "(":
                self.take(value="(")
                args = []
                while self.peek(skip_nl=True)[1] != ")":
                    self.skip_nl()
                    args.append(self.parse_expr())
                    if self.peek(skip_nl=True)[1] == ",":
                        self.take(value=",", skip_nl=True)
                self.take(value=")", skip_nl=True)
                result = ("call", result, args)
        elif value == "[":
            result = []
            while self.peek(skip_nl=True)[1] != "]":
                self.skip_nl()
                result.append(self.parse_expr())
                if self.peek(skip_nl=True)[1] == ",":
                    self.take(value=",", skip_nl=True)
                elif self.peek(skip_nl=True)[1] != "]":
                    raise HclError("line %d: expected ',' or ']' in a list" % line)
            self.take(value="]", skip_nl=True)
        elif value == "{":
            result = {}
            while self.peek(skip_nl=True)[1] != "}":
                key = self.take(skip_nl=True)
                if key[0] not in ("ident", "string"):
                    raise HclError("line %d: bad object key %r" % (key[2], key[1]))
                sep = self.take()
                if sep[1] not in ("=", ":"):
                    raise HclError("line %d: expected '=' in an object" % sep[2])
                result[key[1]] = self.parse_expr()
                if self.peek()[1] == ",":
                    self.take(value=",")
                elif self.peek()[0] not in ("nl",) and self.peek()[1] != "}":
                    raise HclError("line %d: expected a newline or ',' in an object" % line)
            self.take(value="}", skip_nl=True)
        else:
            raise HclError("line %d: unexpected %r in an expression" % (line, value))
        return result


def parse_hcl(text):
    return HclParser(text).parse_body(None)


def hcl_strings(node, out):
    """Every string value anywhere in a parsed HCL body or expression."""
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, (list, tuple)):
        for item in node:
            hcl_strings(item, out)
    elif isinstance(node, dict):
        for item in node.values():
            hcl_strings(item, out)
    return out


def check_packer(body):
    blocks = [item for item in body if item[0] == "block"]
    sources = {"source.%s.%s" % tuple(b[2]) for b in blocks if b[1] == "source" and len(b[2]) == 2}
    builds = [b for b in blocks if b[1] == "build"]
    if not sources:
        raise HclError("no source block with two labels")
    if not builds:
        raise HclError("no build block")
    for build in builds:
        named = [v for kind, name, *rest in build[3] if kind == "attr" and name == "sources"
                 for v in rest[0]]
        if not named or any(n not in sources for n in named):
            raise HclError("build.sources %r does not name the sources %r" % (named, sorted(sources)))


# --- Requests ----------------------------------------------------------------------------------

HOSTILE = "x: y # \"quoted\" 'single' ${jndi:ldap} %{if} \\ back\nnew line\t* - [a] {b} & <c> é ✓"

SEED_EXAMPLES = [
    # (type, flavor, tenant, cluster, name, spec): the seed README's requests.
    ("namespace", "small", "tenant1", "cluster-a", "dev-namespace",
     {"labels": {"environment": "development"}}),
    ("namespace", "small", "tenant1", "cluster-a", "dev-namespace",
     {"labels": {"environment": "staging"}}),
    ("vm", "medium", "tenant1", None, "web-server",
     {"instance_type": "t3.medium", "tags": {"purpose": "web"}}),
    ("osimage", "ubuntu-small", "tenant1", None, "custom-ubuntu",
     {"packages": ["nginx", "docker"], "scripts": ["setup-monitoring.sh"]}),
]

RICH_SPECS = {
    "namespace": {"labels": {"environment": "prod", "team": "payments"},
                  "annotations": {"example.com/owner": "payments@example.com"},
                  "display_name": "Payments (prod)", "description": "Payments services",
                  "requester": "alice",
                  "quota": {"requests.cpu": "12", "requests.memory": "24Gi", "pods": 80},
                  "limit_range": {"default": {"cpu": "1", "memory": "1Gi"},
                                  "max": {"cpu": "8", "memory": "16Gi"}}},
    "vm": {"tags": {"purpose": "db", "tenant.io/id": "spoofed"}, "labels": {"tier": "backend"},
           "namespace": "vms", "image": "docker://quay.io/containerdisks/fedora:40",
           "storage_class": "ceph-rbd", "run_strategy": "Manual",
           "ssh_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI alice@example.com"],
           "packages": ["postgresql", "htop"], "cores": 6, "memory": "12Gi",
           "disk_size": "80Gi", "preference": "fedora"},
    "osimage": {"packages": ["nginx", "it's", "a;b"], "scripts": ["setup.sh", "../../etc/passwd"],
                "disk_size": "30G", "memory_mb": 4096, "cpus": 4, "image_url": "/srv/rhel-9.4.qcow2",
                "image_checksum": "sha256:" + "0" * 64, "base_image_url": "https://x.example/a.img",
                "base_image_checksum": "sha256:" + "1" * 64, "package_manager": "dnf",
                "ssh_username": "builder", "format": "raw"},
    "misc": {"labels": {"app": "shop"}, "namespace": "shop", "dns_name": "shop.example.org",
             "record_type": "cname", "ttl": 60, "targets": ["lb.example.org"],
             "dns_names": ["shop.example.org", "www.shop.example.org"], "issuer": "internal-ca",
             "issuer_kind": "Issuer", "key_algorithm": "RSA", "secret_name": "shop-tls",
             "secret_store": "aws", "refresh_interval": "15m", "secret_type": "Opaque"},
}

# Keys whose shape differs between flavors of one type.
FLAVOR_SPECS = {
    ("misc", "secret", "rich"): {"data": [{"secret_key": "password", "remote_key": "shop/db",
                                           "property": "pw"}, {"secret_key": "user",
                                                               "remote_key": "shop/db"}]},
    ("misc", "custom", "rich"): {"data": {"LOG_LEVEL": "debug", "workers": 4, "enabled": True}},
    ("misc", "secret", "hostile"): {"data": [{"secret_key": HOSTILE, "remote_key": HOSTILE,
                                              "property": HOSTILE}]},
    ("misc", "custom", "hostile"): {"data": {"k": HOSTILE, HOSTILE: "v"}},
}

HOSTILE_SPECS = {
    "namespace": {"labels": {"note": HOSTILE, "tenant.io/id": "evil", "managed-by": "me"},
                  "display_name": HOSTILE, "annotations": {"a/b": HOSTILE}},
    "vm": {"tags": {"t": HOSTILE}, "instance_type": HOSTILE, "ssh_keys": HOSTILE,
           "packages": [HOSTILE]},
    "osimage": {"packages": [HOSTILE], "scripts": [HOSTILE], "disk_size": HOSTILE,
                "image_url": HOSTILE, "base_image_url": HOSTILE, "ssh_username": HOSTILE},
    "misc": {"labels": {"x": HOSTILE}, "dns_name": HOSTILE, "targets": HOSTILE,
             "dns_names": [HOSTILE], "remote_key": HOSTILE},
}


def collect_strings(node, out):
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            collect_strings(key, out)
            collect_strings(value, out)
    elif isinstance(node, list):
        for item in node:
            collect_strings(item, out)
    return out


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader, node, deep=False):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise ValueError("line %d: duplicate key %r" % (key_node.start_mark.line + 1, key))
        keys.add(key)
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def embedded_cloud_configs(node, out):
    """The cloud-init userData strings in a manifest (they are YAML documents themselves)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "userData" and isinstance(value, str):
                out.append(value)
            else:
                embedded_cloud_configs(value, out)
    elif isinstance(node, list):
        for item in node:
            embedded_cloud_configs(item, out)
    return out


def check_yaml(text, context, hostile):
    documents = [d for d in yaml.load_all(text, Loader=StrictLoader) if d is not None]
    cloud_configs = []
    for user_data in embedded_cloud_configs(documents, []):
        cloud_config = yaml.load(user_data, Loader=StrictLoader)
        if not user_data.startswith("#cloud-config\n") or not isinstance(cloud_config, dict):
            raise ValueError("userData is not a #cloud-config mapping")
        cloud_configs.append(cloud_config)
    if not documents:
        raise ValueError("no YAML document")
    for doc in documents:
        if not isinstance(doc, dict):
            raise ValueError("a document is not a mapping: %r" % (doc,))
        for key in ("apiVersion", "kind"):
            if not isinstance(doc.get(key), str):
                raise ValueError("a document has no %s" % key)
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict) or not metadata.get("name"):
            raise ValueError("%s has no metadata.name" % doc["kind"])
        labels = metadata.get("labels") or {}
        for key in ("tenant.io/id", "managed-by", "flavor", "cluster.io/id"):
            if key in context["labels"] and labels.get(key) != context["labels"][key]:
                raise ValueError("%s: label %s is %r, expected %r"
                                 % (doc["kind"], key, labels.get(key), context["labels"][key]))
    if hostile and HOSTILE not in collect_strings(documents + cloud_configs, []):
        raise ValueError("the hostile string did not come back unchanged")
    return len(documents)


def check_hcl(text, hostile):
    body = parse_hcl(text)
    check_packer(body)
    strings = hcl_strings([item[2] if item[0] == "attr" else item for item in body], [])
    if hostile:
        if not any(HOSTILE in s for s in strings):
            raise ValueError("the hostile string did not come back unchanged")
    return len(body)


def self_test():
    """The checks must be able to fail: broken output is rejected."""
    context = build_context("a", "t", None, "small", {})
    broken_yaml = ['kind: X\napiVersion: v1\nmetadata: {name: a: b}',
                   'kind: X\napiVersion: v1\nmetadata:\n  name: a\n  name: b',
                   'kind: X\napiVersion: v1\nmetadata:\n  name: a\n  labels: {flavor: big}']
    broken_hcl = ['x = "${jndi:ldap}"', 'x = "a\nb"', 'source "qemu" "a" {\n}\nbuild {\n'
                  '  sources = ["source.qemu.b"]\n}', 'x = [1 2]', 'x = "\\q"']
    for text in broken_yaml:
        try:
            check_yaml(text, context, False)
        except Exception:
            continue
        raise AssertionError("check_yaml accepted %r" % text)
    for text in broken_hcl:
        try:
            check_hcl(text, False)
        except Exception:
            continue
        raise AssertionError("check_hcl accepted %r" % text)


def main(argv):
    self_test()
    with open(os.path.join(ROOT, "resource_configs.yaml")) as f:
        types = yaml.safe_load(f)["resource_types"]
    show = argv[2:4] if len(argv) >= 4 and argv[1] == "--show" else None
    failures, checked = [], 0
    for strict in (False, True):
        env = make_env(strict)
        for type_name, type_conf in types.items():
            extension = type_conf.get("template_extension", ".yaml.j2")
            cluster = "cluster-a" if type_conf.get("cluster_aware") else None
            cases = [(t, f, ten, cl, n, s, "seed") for (t, f, ten, cl, n, s) in SEED_EXAMPLES
                     if t == type_name]
            for flavor in type_conf["flavors"]:
                cases.append((type_name, flavor, "tenant1", cluster, "res-1", {}, "empty"))
                for label, specs in (("rich", RICH_SPECS), ("hostile", HOSTILE_SPECS)):
                    spec = dict(specs[type_name])
                    spec.update(FLAVOR_SPECS.get((type_name, flavor, label), {}))
                    cases.append((type_name, flavor, "tenant-2", cluster, "res-" + label, spec,
                                  label))
                if not cluster:
                    cases.append((type_name, flavor, "tenant1", "", "res-4", {}, "empty-cluster"))
            for (t, flavor, tenant, cl, name, spec, label) in cases:
                template_name = type_conf["template_dir"].rstrip("/") + "/" + flavor + extension
                context = build_context(name, tenant, cl, flavor, spec)
                where = "%s [%s, %s, %s]" % (template_name, label,
                                             "strict" if strict else "default", name)
                try:
                    text = env.get_template(template_name).render(context)
                    if show and show == [t, flavor] and not strict:
                        print("# ---- %s\n%s" % (where, text))
                    if extension.endswith((".yaml.j2", ".yml.j2")):
                        check_yaml(text, context, label == "hostile")
                    else:
                        check_hcl(text, label == "hostile")
                    checked += 1
                except Exception as e:  # report every failure, not just the first
                    failures.append("%s: %s: %s" % (where, type(e).__name__, e))
    for failure in failures:
        print("FAIL " + failure)
    print("check_templates: %d renders checked, %d failed" % (checked + len(failures),
                                                              len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
