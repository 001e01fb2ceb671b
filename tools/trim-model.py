#!/usr/bin/env python3
"""Trim a botocore service-2.json(.gz) to structure only (no documentation text).

Usage: tools/trim-model.py path/to/service-2.json.gz > fixtures/models/<service>.json

Keeps operation names, input/output/error shape names, and for every shape its type, members
(with their target shape and locationName), required members, enums and min/max/pattern.
"""
import gzip
import json
import sys

KEEP_SHAPE = ("type", "required", "enum", "min", "max", "pattern", "flattened", "exception",
              "error", "locationName")
KEEP_MEMBER = ("shape", "locationName", "flattened")

def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)

def main():
    model = load(sys.argv[1])
    meta = {k: model["metadata"][k] for k in ("apiVersion", "protocol", "targetPrefix",
                                              "jsonVersion", "serviceId") if k in model["metadata"]}
    ops = {}
    for name, op in sorted(model["operations"].items()):
        ops[name] = {
            "input": op.get("input", {}).get("shape"),
            "output": op.get("output", {}).get("shape"),
            "errors": sorted(e["shape"] for e in op.get("errors", [])),
        }
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
    json.dump({"metadata": meta, "operations": ops, "shapes": shapes}, sys.stdout, indent=1,
              sort_keys=True)
    sys.stdout.write("\n")

if __name__ == "__main__":
    main()
