#!/bin/bash
# The covid-cxr experiment of the README ("Downstream results on covid-cxr"), from a checkout:
#   experiments/covid_cxr.sh ../shared/data/covid-cxr /tmp/covid-exp
# 1. manifests with a patient-wise split; 2. two ResNet-18 encoders pre-trained on the training
# split's notes (M-FLAG, and M-FLAG without the orthogonality loss); 3. the label-efficiency grid of
# each task (M-FLAG, no_orth and random encoders at 10% and 100% of the labels), tested on the test
# split. Finished runs are reused: run it again to continue after an interruption.
set -euo pipefail
src=${1:?covid-cxr folder}
E=${2:?output folder}
python3 experiments/prepare_covid_cxr.py "$src" "$E"
for v in mflag:1 no_orth:0; do
  n=${v%%:*}
  [ -f "$E/pre-$n/rdf.yaml" ] || ./mflag pretrain manifest="$E/pretrain.csv" output="$E/pre-$n" encoder=resnet18 \
      image_size=224 batch_size=16 epochs=10 lambda_orth=${v##*:} seed=42 log_every=19 resume=$([ -d "$E/pre-$n/checkpoints" ] && echo true || echo false)
done
ENC="mflag=$E/pre-mflag,no_orth=$E/pre-no_orth,random"
common="encoder_models=$ENC fractions=0.1,1.0 manifest=$E/downstream.csv encoder=resnet18 image_size=224 batch_size=16 log_every=1000"
./mflag experiment task=classification $common label_column=label epochs=30 output="$E/classification"
./mflag experiment task=segmentation $common ignore_value=127 epochs=20 patience=5 output="$E/segmentation"
./mflag experiment task=detection $common boxes="$E/lung-boxes.json" epochs=50 output="$E/detection"
