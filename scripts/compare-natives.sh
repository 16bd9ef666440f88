#!/usr/bin/env bash
# TensorFlow Java's CPU natives (tensorflow-core-native 1.0.0, TensorFlow 2.16.2: what the launcher, the tests and Fiji
# load) against DJL's CUDA build (tensorflow-native-cu121 2.16.1, the launcher's natives before, and after install-cuda)
# on this machine's CPU, each in its own JVMs, alternating, ROUNDS times (default 3):
#   - the pre-training step: ResNet-50, 224 px, batch 16, fp32, median of 5 steps (bench's TrainStepBenchmark);
#   - segmenting a 2048x2048 image at scale 0.25 (9 tiles of a ResNet-50 U-Net at 224 px), median of 5 (InferenceBenchmark);
#   - the bench's two convolution probes alone (ConvProbe: 9x224x224x32->16 and 9x14x14x3072->256, median of 9).
# Prints one line per run and the median per build. Needs the machine otherwise idle; fetches the CUDA build (485 MB)
# from Maven Central once into target/compare-natives/.
#   scripts/compare-natives.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
./mflag about > target/compare-natives-about.txt 2>&1   # builds, and unpacks the CPU natives once
cpu="$(sed -n 's/^natives: \(.*\) (TensorFlow Java.*/\1/p' target/compare-natives-about.txt)"
[ -d "$cpu" ] || { echo "compare-natives: ./mflag about did not load TensorFlow Java's natives:"; cat target/compare-natives-about.txt; exit 1; }
cu="target/compare-natives/cu121"
if [ ! -f "$cu/.complete" ]; then
  mkdir -p "$cu"
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact=ai.djl.tensorflow:tensorflow-native-cu121:2.16.1:jar:linux-x86_64 \
    -DoutputDirectory=target/compare-natives
  unzip -q -o -j target/compare-natives/tensorflow-native-cu121-2.16.1-linux-x86_64.jar 'native/lib/*' -d "$cu"
  touch "$cu/.complete"
fi
cu="$(cd "$cu" && pwd)"
cp="target/classes:target/tools-classes:$(cat target/classpath.txt)"   # bench's parts are developer tools (src/tools)
work="target/compare-natives/work"; mkdir -p "$work"
if [ ! -f "$work/seg/rdf.yaml" ]; then
  ./mflag finetune-segmenter manifest=samples/cxr/manifest.csv encoder_model=random encoder=resnet50 output="$work/seg" \
    image_size=224 batch_size=2 epochs=1 fraction=0.06 ignore_value=127 log_every=1000 > "$work/seg.log" 2>&1
fi
python3 -c "
import numpy as np
y, x = np.mgrid[0:2048, 0:2048]
np.random.seed(1)
np.save('$work/xray.npy', (128 + 60 * np.sin(x / 90.0) * np.cos(y / 130.0) + 20 * np.random.rand(2048, 2048)).astype('<f4'))"
field() { python3 -c "import sys, json; d = json.loads(sys.stdin.read().split('RESULT ', 1)[1]); print(' '.join(str(d[k]) for k in sys.argv[1:]))" "$@"; }
out="$work/runs.txt"; : > "$out"
info() { grep -m1 "^$1\s*:" /proc/cpuinfo | sed 's/.*: //'; }
echo "cpu: $(info 'model name'), family $(info 'cpu family') model $(info model), $(nproc) cores, $(info flags | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|amx_bf16)$' | tr '\n' ' ')"
for i in $(seq "$rounds"); do
  for build in "tfjava-cpu:$cpu" "djl-cu121:$cu"; do
    name="${build%%:*}"; dir="${build#*:}"
    t=$(TF_CPP_MIN_LOG_LEVEL=2 TENSORFLOW_LIBRARY_PATH="$dir" java -Xmx8g -Djava.awt.headless=true -cp "$cp" \
      org.mflag.bench.TrainStepBenchmark resnet50 16 224 5 1e11 false fp32 2>&1 | field step_seconds first_step_seconds peak_resident_bytes)
    s=$(TF_CPP_MIN_LOG_LEVEL=2 TENSORFLOW_LIBRARY_PATH="$dir" java -Xmx8g -Djava.awt.headless=true -cp "$cp" \
      org.mflag.bench.InferenceBenchmark "$work/seg" "$work/xray.npy" 0.25 5 tensorflow 2>&1 | field seconds whole_image_seconds peak_resident_bytes)
    c=$(TF_CPP_MIN_LOG_LEVEL=2 TENSORFLOW_LIBRARY_PATH="$dir" java -Xmx8g -Djava.awt.headless=true -cp "$cp" \
      org.mflag.bench.ConvProbe 9 2>&1 | sed -n 's/^conv //p')
    echo "$name round $i: train step/first step/RSS $t; segment 9 tiles/whole image/RSS $s; conv probes (s) $c" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import sys, statistics, collections
d = collections.defaultdict(lambda: ([], []))
conv = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name = line.split()[0]
    train = float(line.split('RSS ')[1].split()[0]); seg = float(line.split('RSS ')[2].split()[0])
    d[name][0].append(train); d[name][1].append(seg)
    conv[name].append([float(v) for v in line.split('conv probes (s) ')[1].split()])
for name, (t, s) in d.items():
    c = [statistics.median(r[k] for r in conv[name]) * 1e3 for k in range(2)]
    print(f"{name}: training step median {statistics.median(t):.2f} s, segmentation median {statistics.median(s):.2f} s,"
          f" conv probes {c[0]:.1f} / {c[1]:.1f} ms ({len(t)} rounds)")
a, b = d['tfjava-cpu'], d['djl-cu121']
print(f"tfjava-cpu over djl-cu121 speed: training {statistics.median(b[0]) / statistics.median(a[0]):.2f}x, segmentation {statistics.median(b[1]) / statistics.median(a[1]):.2f}x")
PY
