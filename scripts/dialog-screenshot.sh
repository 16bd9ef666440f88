#!/bin/bash
# Screenshot of the "M-FLAG Segment" dialog for the README, under Xvfb (Debian: apt-get install xvfb).
#   scripts/dialog-screenshot.sh [docs/segment-dialog.png] [command]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/segment-dialog.png}
command=${2:-segment}
mvn -q -B -Dstyle.color=never test-compile
export TENSORFLOW_LIBRARY_PATH="$PWD/target/tensorflow-natives/native/lib"
cp="target/test-classes:target/classes:$(cat target/classpath.txt)"
xvfb-run -a -s "-screen 0 1280x1024x24" java -cp "$cp" org.mflag.fiji.DialogScreenshot "$out" samples/cxr/images/16660_3_1.png "$command"
