#!/usr/bin/env python3
"""Builds the manifests of the covid-cxr experiment (README, "Downstream results").

    python3 experiments/prepare_covid_cxr.py ../shared/data/covid-cxr /tmp/covid-exp

Writes into the output folder:
  downstream.csv  frontal X-rays (PA, AP, AP Supine): id, image, mask (empty when the image has no
                  lung mask), label (covid = COVID-19 or "COVID-19, ARDS"; other = any other finding;
                  empty when the finding is "todo"), patientid, view, split (train/val/test, 70/15/15
                  of the patients, seed 42: no patient in two parts)
  downstream-test.csv  the test split's rows of downstream.csv (zero-shot scoring)
  retrieval-test.csv   the test split's X-rays with their notes (id, image, label, report; retrieval)
  pretrain.csv    the train-split rows that have clinical notes: id, image, report. Pre-training never
                  sees a val or test patient.
  images/, lung-masks/, lung-boxes.json (copies, 63 MB: manifests may not lead out of their folder through
                  a link, so the data set is copied rather than linked)
"""
import csv
import os
import random
import shutil
import sys

FRONTAL = {"PA", "AP", "AP Supine"}


def main(src, out):
    os.makedirs(out, exist_ok=True)
    for d in ("images", "lung-masks"):
        dst = os.path.join(out, d)
        if os.path.islink(dst):  # an output folder from before the copies
            os.unlink(dst)
        if not os.path.isdir(dst):  # copied under a temporary name, so an interrupted copy is redone
            shutil.rmtree(dst + ".part", ignore_errors=True)
            shutil.copytree(os.path.join(src, d), dst + ".part", copy_function=shutil.copyfile)
            os.rename(dst + ".part", dst)
    shutil.copy(os.path.join(src, "lung-boxes.json"), os.path.join(out, "lung-boxes.json"))
    rows = [r for r in csv.DictReader(open(os.path.join(src, "metadata.csv"), encoding="utf-8")) if r["view"] in FRONTAL]
    patients = sorted({r["patientid"] for r in rows})
    random.Random(42).shuffle(patients)
    n_val = round(0.15 * len(patients))
    n_test = round(0.15 * len(patients))
    split = {}
    for i, p in enumerate(patients):
        split[p] = "val" if i < n_val else "test" if i < n_val + n_test else "train"
    down, pre, notes_of = [], [], []
    for i, r in enumerate(rows):
        rid = "c%04d" % i
        name = os.path.basename(r["image"])
        mask = "lung-masks/" + name if os.path.exists(os.path.join(src, "lung-masks", name)) else ""
        f = r["finding"]
        label = "" if f == "todo" else "covid" if f.startswith("COVID-19") else "other"
        s = split[r["patientid"]]
        down.append([rid, r["image"], mask, label, r["patientid"], r["view"], s])
        notes = " ".join(r["clinical_notes"].split())
        notes_of.append(notes)
        if s == "train" and notes:
            pre.append([rid, r["image"], notes])
    with open(os.path.join(out, "downstream.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "image", "mask", "label", "patientid", "view", "split"])
        w.writerows(down)
    with open(os.path.join(out, "pretrain.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "image", "report"])
        w.writerows(pre)
    with open(os.path.join(out, "downstream-test.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "image", "mask", "label", "patientid", "view", "split"])
        w.writerows(r for r in down if r[6] == "test")
    with open(os.path.join(out, "retrieval-test.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "image", "label", "report"])
        w.writerows([r[0], r[1], r[3], n] for r, n in zip(down, notes_of) if r[6] == "test")
    counts = {s: sum(1 for r in down if r[6] == s) for s in ("train", "val", "test")}
    print("downstream.csv: %d rows %s, %d with masks, %d labelled; pretrain.csv: %d rows"
          % (len(down), counts, sum(1 for r in down if r[2]), sum(1 for r in down if r[3]), len(pre)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
