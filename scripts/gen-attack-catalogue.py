#!/usr/bin/env python3
"""Generates share/attack/catalogue.json, Genesis's MITRE ATT&CK technique catalogue.

Input: MITRE's Enterprise ATT&CK STIX data kept in the shared folder
(enterprise-attack.json and the derived techniques.json, tactics.json, SOURCE.md; see their SOURCE.md for how they
were derived from mitre/cti). Output: one compact JSON document with the source,
version and MITRE's licence notice beside the data:

  {"source": {...}, "licence": "...", "tactics": [{id, name, shortname, url}],
   "techniques": [{id, name, tactics: [shortname], parent: id|null, url}],
   "revoked": [{id, name, revoked_by: active id}], "deprecated": [{id, name}]}

revoked / deprecated come from enterprise-attack.json (attack-patterns marked revoked or
x_mitre_deprecated, and the revoked-by relationships, followed to an active technique).

One technique per line so a regeneration diffs readably. Python 3 stdlib only.

  scripts/gen-attack-catalogue.py [--src DIR] [--out FILE] [--check]

--check regenerates in memory and exits 1 if the committed file differs.
"""
import argparse
import hashlib
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(os.path.dirname(REPO), "shared", "attack")
DEFAULT_OUT = os.path.join(REPO, "share", "attack", "catalogue.json")

LICENCE = (
    "The MITRE Corporation (MITRE) hereby grants you a non-exclusive, royalty-free license to "
    "use ATT&CK\u00ae for research, development, and commercial purposes. Any copy you make for "
    "such purposes is authorized provided that you reproduce MITRE's copyright designation and "
    "this license in any such copy. \"\u00a9 2025 The MITRE Corporation. This work is reproduced "
    "and distributed with the permission of The MITRE Corporation.\" ATT&CK\u00ae is a "
    "registered trademark of The MITRE Corporation. Terms of use: "
    "https://attack.mitre.org/resources/terms-of-use/")

ID_RE = re.compile(r"^T\d{4}(\.\d{3})?$")
TACTIC_RE = re.compile(r"^TA\d{4}$")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fail(msg):
    print("gen-attack-catalogue: " + msg, file=sys.stderr)
    sys.exit(1)


def build(src):
    tech_path = os.path.join(src, "techniques.json")
    tac_path = os.path.join(src, "tactics.json")
    source_md = os.path.join(src, "SOURCE.md")
    for p in (tech_path, tac_path, source_md):
        if not os.path.isfile(p):
            fail("missing input " + p)
    with open(source_md, encoding="utf-8") as f:
        head = f.read()
    m = re.search(r"\(v(\d+\.\d+)\)", head)
    if not m:
        fail("cannot read the ATT&CK version from " + source_md)
    version = m.group(1)
    commit = re.search(r"github.com/mitre/cti \(STIX 2.0\), snapshot commit `([0-9a-f]{40})`", head)

    with open(tac_path, encoding="utf-8") as f:
        tactics_in = json.load(f)
    with open(tech_path, encoding="utf-8") as f:
        techniques_in = json.load(f)

    tactics = []
    shortnames = set()
    for t in tactics_in:
        if not TACTIC_RE.match(t.get("id", "")):
            fail("bad tactic id %r" % t.get("id"))
        tactics.append({"id": t["id"], "name": t["name"], "shortname": t["shortname"],
                        "url": t["url"]})
        shortnames.add(t["shortname"])

    techniques = []
    ids = set()
    for t in techniques_in:
        tid = t.get("id", "")
        if not ID_RE.match(tid):
            fail("bad technique id %r" % tid)
        if tid in ids:
            fail("duplicate technique id " + tid)
        ids.add(tid)
        for s in t["tactics"]:
            if s not in shortnames:
                fail("%s names unknown tactic %r" % (tid, s))
        techniques.append({"id": tid, "name": t["name"], "tactics": list(t["tactics"]),
                           "parent": t.get("parent"), "url": t["url"]})
    for t in techniques:
        if t["parent"] is not None and t["parent"] not in ids:
            fail("%s has unknown parent %s" % (t["id"], t["parent"]))
        if ("." in t["id"]) != (t["parent"] is not None):
            fail("%s: sub-technique and parent disagree" % t["id"])
    techniques.sort(key=lambda t: t["id"])

    revoked, deprecated = retired(src, ids)

    source = {
        "name": "MITRE ATT&CK Enterprise",
        "version": version,
        "format": "derived from the STIX 2.0 bundle of mitre/cti",
        "repository": "https://github.com/mitre/cti",
        "commit": commit.group(1) if commit else None,
        "inputs": {"techniques.json": sha256(tech_path), "tactics.json": sha256(tac_path),
                   "enterprise-attack.json": sha256(os.path.join(src, "enterprise-attack.json"))},
        "generator": "scripts/gen-attack-catalogue.py",
    }
    return source, tactics, techniques, revoked, deprecated


def retired(src, active):
    """The revoked and deprecated technique ids of the STIX bundle: a rule written
    against another ATT&CK release still names them. A revoked id maps to the active
    technique its revoked-by chain ends at; a deprecated one has no successor."""
    bundle_path = os.path.join(src, "enterprise-attack.json")
    if not os.path.isfile(bundle_path):
        fail("missing input " + bundle_path)
    with open(bundle_path, encoding="utf-8") as f:
        objects = json.load(f)["objects"]
    by_stix = {o["id"]: o for o in objects}

    def attack_id(o):
        for r in o.get("external_references", []):
            if r.get("source_name") == "mitre-attack":
                return r.get("external_id")
        return None

    revoked_by = {}
    for o in objects:
        if o["type"] == "relationship" and o.get("relationship_type") == "revoked-by":
            s, t = by_stix.get(o["source_ref"]), by_stix.get(o["target_ref"])
            if s and t and s["type"] == "attack-pattern" and t["type"] == "attack-pattern":
                revoked_by[attack_id(s)] = attack_id(t)
    revoked, deprecated = [], []
    for o in objects:
        if o["type"] != "attack-pattern":
            continue
        tid = attack_id(o)
        if tid is None or tid in active or not ID_RE.match(tid):
            continue
        if o.get("revoked"):
            seen, to = {tid}, revoked_by.get(tid)
            while to is not None and to not in active and to not in seen:
                seen.add(to)
                to = revoked_by.get(to)
            if to is None or to not in active:
                fail("%s is revoked but its revoked-by chain ends at no active technique" % tid)
            revoked.append({"id": tid, "name": o["name"], "revoked_by": to})
        elif o.get("x_mitre_deprecated"):
            deprecated.append({"id": tid, "name": o["name"]})
    revoked.sort(key=lambda t: t["id"])
    deprecated.sort(key=lambda t: t["id"])
    return revoked, deprecated


def render(source, tactics, techniques, revoked, deprecated):
    dump = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    lines = ["{", '"source":' + dump(source) + ",", '"licence":' + dump(LICENCE) + ",",
             '"tactics":[']
    lines += [dump(t) + ("," if i + 1 < len(tactics) else "") for i, t in enumerate(tactics)]
    lines += ["],", '"techniques":[']
    lines += [dump(t) + ("," if i + 1 < len(techniques) else "")
              for i, t in enumerate(techniques)]
    lines += ["],", '"revoked":[']
    lines += [dump(t) + ("," if i + 1 < len(revoked) else "") for i, t in enumerate(revoked)]
    lines += ["],", '"deprecated":[']
    lines += [dump(t) + ("," if i + 1 < len(deprecated) else "") for i, t in enumerate(deprecated)]
    lines += ["]", "}"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=DEFAULT_SRC)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = render(*build(args.src))
    json.loads(text)  # the output must itself be valid JSON
    if args.check:
        try:
            with open(args.out, encoding="utf-8") as f:
                same = f.read() == text
        except FileNotFoundError:
            same = False
        if not same:
            fail(args.out + " is stale: run scripts/gen-attack-catalogue.py")
        print("gen-attack-catalogue: " + args.out + " is up to date")
        return
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print("gen-attack-catalogue: wrote %s" % args.out)


if __name__ == "__main__":
    main()
