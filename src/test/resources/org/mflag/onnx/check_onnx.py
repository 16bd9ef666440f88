"""Checks a model package's ONNX weights outside Java: ONNX's own checker (full check, with shape inference) and
ONNX Runtime for Python reproducing the package's test outputs from its test input after the declared preprocessing,
at bioimage.io's tolerance (|got - want| <= 1e-3 + 1e-3 |want|, at most 100 mismatches per million elements).

Usage: python3 check_onnx.py PACKAGE_FOLDER...   Prints one JSON line per package; exits 1 when any check fails.
Run by org.mflag.onnx.OnnxWeightsTest when python3 has onnx and onnxruntime; by hand on any package folder."""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import yaml


def check(folder: Path) -> dict:
    rdf = yaml.safe_load((folder / "rdf.yaml").read_text())
    entry = rdf["weights"]["onnx"]
    model_file = folder / entry["source"]
    model = onnx.load(str(model_file))
    onnx.checker.check_model(model, full_check=True)
    result = {"package": str(folder), "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__,
              "opset": entry["opset_version"], "checker": "passed", "outputs": {}}
    session = onnxruntime.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    feeds = {}
    for t in rdf["inputs"]:
        x = np.load(folder / t["test_tensor"]["source"]).astype(np.float32)
        for step in t.get("preprocessing", []):
            if step["id"] == "scale_linear":
                x = x * np.float32(step["kwargs"]["gain"]) + np.float32(step["kwargs"]["offset"])
            else:
                raise ValueError("preprocessing step " + step["id"] + " is not applied here")
        feeds[t["id"]] = x.astype(np.float32)
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    ok = True
    for t in rdf["outputs"]:
        want = np.load(folder / t["test_tensor"]["source"])
        have = got[t["id"]]
        mismatched = int(np.sum(np.abs(have - want) > 1e-3 + 1e-3 * np.abs(want)))
        passed = have.shape == want.shape and mismatched * 1e6 / want.size <= 100
        ok &= passed
        result["outputs"][t["id"]] = {"max_abs_diff": float(np.max(np.abs(have - want))), "mismatched": mismatched, "passed": bool(passed)}
    text = rdf.get("config", {}).get("mflag", {}).get("text_signature", {}).get("onnx")
    if text:
        onnx.checker.check_model(onnx.load(str(folder / text["source"])), full_check=True)
        result["text_projector_checker"] = "passed"
    result["passed"] = bool(ok)
    return result


if __name__ == "__main__":
    failed = False
    for arg in sys.argv[1:]:
        r = check(Path(arg))
        failed |= not r["passed"]
        print(json.dumps(r), flush=True)
    sys.exit(1 if failed else 0)
