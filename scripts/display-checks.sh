#!/bin/bash
# What needs a display, in a real ImageJ 1 under Xvfb (Debian: apt-get install xvfb):
#   RoiManagerDisplayTest    add_to=roi_manager from a macro (also in batch mode) and from a SciJava Context
#   ProgressWindowDisplayTest a training command's progress window and its Cancel button (mvn test skips both headless)
# and the screenshots for the README:
#   docs/segment-dialog.png  the "M-FLAG Segment" dialog as the menu opens it
#   docs/loss-plot.png       the live loss plot of "M-FLAG Fine-tune Segmenter" run from ImageJ's command
#                            table (the plugin jar installed in a plugins folder, as the README says)
set -euo pipefail
cd "$(dirname "$0")/.."
xvfb-run -a -s "-screen 0 1280x1024x24" mvn -q -B -Dstyle.color=never test -Dmflag.headless=false -Dtest=RoiManagerDisplayTest,ProgressWindowDisplayTest \
  -Dsurefire.failIfNoSpecifiedTests=false
grep -h "Tests run" target/surefire-reports/org.mflag.fiji.RoiManagerDisplayTest.txt target/surefire-reports/org.mflag.fiji.ij1.ProgressWindowDisplayTest.txt
mvn -q -B -Dstyle.color=never package -DskipTests
cp="target/test-classes:target/classes:$(cat target/classpath.txt)"
ij=$(mktemp -d)
mkdir -p "$ij/plugins" && cp target/fiji-app/plugins/*.jar "$ij/plugins/"
run() { xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir="$ij" -cp "$cp" "$@"; }
run org.mflag.fiji.DialogScreenshot docs/segment-dialog.png samples/cxr/images/16660_3_1.png segment
run org.mflag.fiji.PlotScreenshot docs/loss-plot.png "manifest=[$PWD/samples/cxr/manifest.csv] encoder_model=random \
encoder=resnet18 output=[$ij/segmenter] image_size=64 batch_size=8 epochs=4 ignore_value=127"
rm -rf "$ij"
