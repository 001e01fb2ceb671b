#!/usr/bin/env python3
"""Trim a botocore service-2.json(.gz) to structure only (no documentation text).

Usage:
  tools/trim-model.py MODEL [--query-layout OLD_QUERY_MODEL] > fixtures/models/<service>.json

Keeps the routing metadata, operation names, input/output/error shape names, and for every
shape its type, members (with their target shape and locationName), required members, enums,
min/max/pattern and error facts.

--query-layout: SQS's current model is AWS JSON (awsQueryCompatible) and has lost the query
protocol's layout traits (locationName, flattened) and its xmlNamespace and per-error codes.
They are merged in from the last query-protocol model of the same API (botocore 1.29.x), so the
query decoder and XML renderer can be derived from one file. Members added since then take the
layout of the Smithy model's xmlName/xmlFlattened traits, listed in QUERY_SUPPLEMENT.
"""
import gzip
import json
import sys

KEEP_META = ("apiVersion", "protocol", "protocols", "targetPrefix", "jsonVersion", "serviceId",
             "endpointPrefix", "signingName", "xmlNamespace", "awsQueryCompatible")
KEEP_SHAPE = ("type", "required", "enum", "min", "max", "pattern", "flattened", "exception",
              "error", "locationName", "timestampFormat", "eventstream", "event", "streaming")
KEEP_MEMBER = ("shape", "locationName", "flattened", "location", "queryName", "eventpayload",
               "hostLabel")

# (shape, member) -> layout of members newer than the last query-protocol model, from the
# Smithy model's traits (aws-models/sqs.json: MessageSystemAttributeList is xmlFlattened with
# member xmlName "MessageSystemAttributeName").
QUERY_SUPPLEMENT = {
    ("MessageSystemAttributeList", "member"): {"locationName": "MessageSystemAttributeName"},
    ("MessageSystemAttributeList", None): {"flattened": True},
}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def merge_query_layout(shapes, meta, old):
    if "xmlNamespace" in old["metadata"]:
        meta["xmlNamespace"] = old["metadata"]["xmlNamespace"]
    for name, shape in shapes.items():
        o = old["shapes"].get(name)
        if o is None:
            continue
        for k in ("flattened", "locationName", "error"):
            if k in o and k not in shape:
                shape[k] = o[k]
        for part in ("member", "key", "value"):
            if part in shape and part in o and "locationName" in o[part]:
                shape[part].setdefault("locationName", o[part]["locationName"])
        for m, spec in shape.get("members", {}).items():
            ospec = o.get("members", {}).get(m)
            if ospec and "locationName" in ospec:
                spec.setdefault("locationName", ospec["locationName"])
    for (name, part), extra in QUERY_SUPPLEMENT.items():
        if name in shapes:
            target = shapes[name] if part is None else shapes[name].get(part)
            if target is not None:
                for k, v in extra.items():
                    target.setdefault(k, v)


def main():
    args = sys.argv[1:]
    old = None
    if "--query-layout" in args:
        i = args.index("--query-layout")
        old = load(args[i + 1])
        del args[i:i + 2]
    model = load(args[0])
    meta = {k: model["metadata"][k] for k in KEEP_META if k in model["metadata"]}
    ops = {}
    for name, op in sorted(model["operations"].items()):
        entry = {
            "input": op.get("input", {}).get("shape"),
            "output": op.get("output", {}).get("shape"),
            "errors": sorted(e["shape"] for e in op.get("errors", [])),
        }
        http = op.get("http", {})
        if model["metadata"].get("protocol") in ("rest-json", "rest-xml") and http:
            entry["http"] = {k: http[k] for k in ("method", "requestUri", "responseCode") if k in http}
        if "resultWrapper" in op.get("output", {}):
            entry["resultWrapper"] = op["output"]["resultWrapper"]
        ops[name] = entry
    shapes = {}
    for name, shape in sorted(model["shapes"].items()):
        s = {k: shape[k] for k in KEEP_SHAPE if k in shape}
        if "members" in shape:
            s["members"] = {m: {k: v for k, v in spec.items() if k in KEEP_MEMBER}
                            for m, spec in shape["members"].items()}
        for k in ("member", "key", "value"):
            if k in shape:
                s[k] = {kk: vv for kk, vv in shape[k].items() if kk in KEEP_MEMBER}
        shapes[name] = s
    if old is not None:
        merge_query_layout(shapes, meta, old)
    json.dump({"metadata": meta, "operations": ops, "shapes": shapes}, sys.stdout, indent=1,
              sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
