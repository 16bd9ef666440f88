#!/usr/bin/env bash
# Installs M-FLAG's update site with Fiji's real updater, once per platform, and checks what landed.
#
#   scripts/check-update-site.sh UPDATER_CLASSPATH [LEGACY_CLASSPATH]
#
# UPDATER_CLASSPATH: imagej-updater built from its public sources (imagej/imagej-updater, which needs
# scijava-common, parsington, app-launcher and three classes of imagej-common; none of it is on Maven Central nor in
# this repository: scripts/build-imagej-updater.sh builds it from clones you name). The site checked is update-site/
# (written by mvn package; MFLAG_SITE names another). LEGACY_CLASSPATH (optional): ImageJ2's legacy layer
# (imagej/imagej-legacy and its closure, built from public sources the same way): then the linux64 Fiji.app the
# updater filled starts ImageJ2 with the legacy layer and runs one macro: open an X-ray, run("M-FLAG Segment", ...).
#
# For linux64, win64 and macos-arm64: an empty Fiji.app, then the updater's own command line: add-update-site M-FLAG
# file:SITE, update, list (the ImageJ core site the updater always adds cannot be reached here: one warning).
# The updater runs as on that platform (scripts/UpdaterCheck.java sets os.name/os.arch before it starts). Then every
# file recorded for that platform must have landed with the checksum the updater computes equal to our db.xml.gz
# record, and nothing else (no other platform's natives). Then linux64's Fiji.app is offered a new plugin version and
# updates to it. Exit 0 only if everything passes.
set -euo pipefail
cp_updater="${1:?usage: $0 UPDATER_CLASSPATH [LEGACY_CLASSPATH]}"
cp_legacy="${2:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
site="$(cd "${MFLAG_SITE:-$here/update-site}" && pwd)"
[ -f "$site/db.xml.gz" ] || { echo "check-update-site: $site has no db.xml.gz (run mvn package)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
check="$here/scripts/UpdaterCheck.java"
echo "commit $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- src pom.xml || echo ' (with uncommitted changes)'); site $site"
status=0
for spec in "linux64:Linux:amd64" "win64:Windows 10:amd64" "macos-arm64:Mac OS X:aarch64"; do
  platform="${spec%%:*}"; rest="${spec#*:}"; os="${rest%:*}"; arch="${rest##*:}"
  app="$work/$platform/Fiji.app"; mkdir -p "$app"
  updater() { java -Djava.awt.headless=true -Dimagej.dir="$app" -cp "$cp_updater" "$check" as "$os" "$arch" "$@" 2>&1; }
  echo "== $platform (os.name=$os, os.arch=$arch): updater add-update-site, update, list"
  updater add-update-site M-FLAG "file://$site/" > "$work/$platform.log"
  updater update >> "$work/$platform.log"
  # the updater exits 0 even when a file fails to install: its [ERROR] lines say so (the unreachable core site aside)
  if grep '\[ERROR\]' "$work/$platform.log" | grep -v 'update\.imagej\.net'; then status=1; fi
  updater list | grep -E $'\t\\([A-Z_]+\\)\t' || true
  java -cp "$cp_updater" "$check" verify "$site" "$app" "$platform" || status=1
done
# A new version: a copy of the site gets a plugin 0.1.0 -> 0.1.1-upgrade-check (one more entry in the jar), written by our
# UpdateSiteBuild over the same staged files (target/fiji-app, target/lib); the linux64 Fiji.app that has the old
# version, pointed at the copy, must see the plugin as UPDATEABLE, update it, and end with the new file only.
cp_ours="$here/target/classes:$(cat "$here/target/classpath.txt")"
app="$work/linux64/Fiji.app"; site2="$work/site-v2"; stage="$work/stage-v2"
cp -r "$site" "$site2"; mkdir -p "$stage/plugins"
old_jar="$(ls "$here"/target/fiji-app/plugins/mflag_fiji-*.jar | head -n 1)"
new_jar="$stage/plugins/mflag_fiji-0.1.1-upgrade-check.jar"
cp "$old_jar" "$new_jar"; (cd "$work" && mkdir -p META-INF && echo "upgrade check" > META-INF/upgrade-check.txt && jar uf "$new_jar" META-INF/upgrade-check.txt)
java -cp "$cp_ours" org.mflag.updatesite.UpdateSiteBuild site="$site2" description="M-FLAG for Fiji (upgrade check)" \
  add=plugins:"$stage/plugins" add=jars:"$here/target/fiji-app/jars" add=lib:"$here/target/lib"
updater() { java -Djava.awt.headless=true -Dimagej.dir="$app" -cp "$cp_updater" "$check" as Linux amd64 "$@" 2>&1; }
echo "== linux64: the installed Fiji.app, its M-FLAG site moved to the new version"
updater edit-update-site M-FLAG "file://$site2/" > "$work/upgrade.log"
updater list | grep -E $'\t\\([A-Z_]+\\)\t' | grep plugins/ || true
updater update >> "$work/upgrade.log"
if grep '\[ERROR\]' "$work/upgrade.log" | grep -v 'update\.imagej\.net'; then status=1; fi
updater list | grep -E $'\t\\([A-Z_]+\\)\t' | grep plugins/ || true
ls "$app/plugins"
java -cp "$cp_updater" "$check" verify "$site2" "$app" linux64 | tail -n 1 || status=1
[ -f "$app/plugins/$(basename "$new_jar")" ] && [ ! -f "$app/plugins/$(basename "$old_jar")" ] || { echo "upgrade: the plugin was not replaced"; status=1; }

legacy=""
if [ -n "$cp_legacy" ]; then
  # ImageJ2's legacy layer over the Fiji.app the updater filled, as Fiji starts it: every jar of plugins/ and jars/ on
  # the class path (ImageJ2 switches ImageJ 1's plugin class loader off), with the libraries Fiji's own core site
  # provides and our site therefore leaves out (javacpp, protobuf-java, jna, commons-*, snakeyaml: target/imagej1-jars)
  model="$here/target/check-update-site/segmenter"
  if [ ! -f "$model/rdf.yaml" ]; then
    "$here/mflag" finetune-segmenter manifest="$here/samples/cxr/manifest.csv" encoder_model=random encoder=resnet18 \
      output="$model" image_size=64 batch_size=8 epochs=3 ignore_value=127 log_every=1000 > "$work/segmenter.log" 2>&1
  fi
  fiji_libs="$(ls "$here"/target/imagej1-jars/*.jar | grep -v 'scijava-common\|imglib2\|parsington' | tr '\n' ':')"
  cat > "$work/segment.ijm" <<IJM
open("$here/samples/cxr/images/16660_3_1.png");
input = getTitle();
run("M-FLAG Segment", "model=[$model]");
mask = getTitle();
getStatistics(area, mean, min, max);
print("mask '" + mask + "' " + getWidth() + "x" + getHeight() + " " + bitDepth() + "-bit, values " + min + ".." + max + ", images open " + nImages);
selectImage(input);
print("ROIs on '" + input + "': " + Overlay.size + " (overlay; no ROI Manager headless), Results rows " + nResults);
IJM
  echo "== ImageJ2's legacy layer (headless) over linux64's Fiji.app: open, run(\"M-FLAG Segment\", \"model=[...]\")"
  java -XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote -Djava.awt.headless=true -Dplugins.dir="$app" \
    -cp "$cp_legacy:$fiji_libs$app/plugins/*:$app/jars/*" "$here/scripts/RunLegacyMacro.java" "$work/segment.ijm" > "$work/legacy.log" 2>&1 || true
  grep -E '^\[RunLegacyMacro\] legacy|region\(s\)|^mask |^ROIs |Error|Exception' "$work/legacy.log" | grep -v '^\s*at ' | head -n 20
  if grep -qE "^mask '.*' [0-9]+x[0-9]+ 8-bit, values 0\.\.255" "$work/legacy.log" && grep -qE "^ROIs on .*: [1-9]" "$work/legacy.log"; then
    legacy="; ImageJ2's legacy layer: a macro segmented an X-ray (mask and ROIs)"
  else
    echo "legacy: the macro did not yield a mask and ROIs"; status=1
  fi
fi

[ "$status" = 0 ] && echo "linux64, win64, macos-arm64: installed by the updater as recorded; linux64: updated to the new version$legacy" \
  || echo "check-update-site: FAILED"
exit "$status"
