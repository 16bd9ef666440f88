#!/bin/bash
# The ImageNet study of the README ("Does M-FLAG pre-training beat ImageNet?"), from a checkout:
#   experiments/imagenet_study.sh ../shared/data/covid-cxr /tmp/study
# 1. manifests with a patient-wise split (prepare_covid_cxr.py); 2. Keras' ImageNet ResNet50 weights
# (import-weights, once); 3. three ResNet-50 (v1) encoders pre-trained from ImageNet on the training split's
# notes: M-FLAG, M-FLAG without the orthogonality loss, M-FLAG with the normalized orthogonality loss;
# 4. the study: those three, ImageNet itself and a random encoder, frozen, for classification (linear probe),
# detection (YOLO head) and segmentation (U-Net) at 1%, 10% and 100% of the labels (1% and 10% over 3
# seeds), heads trained on cached features, tested with 95% bootstrap intervals; 5. detection scored again
# over all confidences (detections down to 0.001) from a copy of its stored runs, without training.
# Resumable at every stage: run it again to continue after an interruption.
set -euo pipefail
src=${1:?covid-cxr folder}
E=${2:?output folder}
python3 experiments/prepare_covid_cxr.py "$src" "$E"
[ -f "$HOME/.cache/mflag/weights/imagenet-resnet50_v1.npz" ] || ./mflag import-weights
for v in mflag:1:official no_orth:0:official normalized:1:normalized; do
  IFS=: read -r n l o <<< "$v"
  [ -f "$E/pre-$n/rdf.yaml" ] || ./mflag pretrain manifest="$E/pretrain.csv" output="$E/pre-$n" encoder=resnet50_v1 \
      init_weights=imagenet image_size=224 batch_size=16 epochs=10 lambda_orth="$l" orth_variant="$o" seed=42 log_every=19 \
      resume=$([ -d "$E/pre-$n.checkpoints" ] && echo true || echo false)
done
./mflag study manifest="$E/downstream.csv" tasks=classification,detection,segmentation \
    encoder_models="random,imagenet,mflag=$E/pre-mflag,no_orth=$E/pre-no_orth,normalized=$E/pre-normalized" \
    fractions=0.01,0.1,1.0 seeds=3 ignore_value=127 boxes="$E/lung-boxes.json" output="$E/results"
mkdir -p "$E/results-conf/cells"
cp -rT "$E/results/cells/detection" "$E/results-conf/cells/detection"
./mflag study manifest="$E/downstream.csv" tasks=detection \
    encoder_models="random,imagenet,mflag=$E/pre-mflag,no_orth=$E/pre-no_orth,normalized=$E/pre-normalized" \
    fractions=0.01,0.1,1.0 seeds=3 ignore_value=127 boxes="$E/lung-boxes.json" confidence=0.001 bootstrap=200 \
    output="$E/results-conf"
