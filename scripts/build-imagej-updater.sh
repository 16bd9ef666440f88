#!/usr/bin/env bash
# Builds Fiji's updater (imagej-updater) from its public sources, outside this repository, for
# scripts/check-update-site.sh. Neither it nor imagej-common is on Maven Central, and no code of theirs is kept here.
#
#   scripts/build-imagej-updater.sh UPDATER_SRC COMMON_SRC OUT
#
# UPDATER_SRC: a clone of github.com/imagej/imagej-updater (checked with ea5f12ef9d3cddc00daa19c06f53cac27d059875);
# COMMON_SRC: a clone of github.com/imagej/imagej-common (be49499c377e42dc651ec7456a55a00ff29d2903), of which the updater
# needs only ImageJService, ImageJPlugin and util/MediaWikiClient. Their other dependencies come from Maven Central:
# scijava-common 2.99.2, parsington 3.1.0, app-launcher 2.0.0. Prints the class path (also in OUT/classpath.txt).
set -euo pipefail
src="$(cd "${1:?usage: $0 UPDATER_SRC COMMON_SRC OUT}" && pwd)"; common="$(cd "${2:?}" && pwd)"
mkdir -p "${3:?}"; out="$(cd "$3" && pwd)"
lib="$out/lib"; build="$out/build"; rm -rf "$build"; mkdir -p "$lib" "$build/src/net/imagej/util" "$build/classes"
for a in org.scijava:scijava-common:2.99.2 org.scijava:parsington:3.1.0 org.scijava:app-launcher:2.0.0; do
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$a" -DoutputDirectory="$lib"
done
cp -r "$src"/src/main/java/* "$build/src/"
cp "$common/src/main/java/net/imagej/ImageJService.java" "$common/src/main/java/net/imagej/ImageJPlugin.java" "$build/src/net/imagej/"
cp "$common/src/main/java/net/imagej/util/MediaWikiClient.java" "$build/src/net/imagej/util/"
find "$build/src" -name '*.java' > "$build/sources.txt"
deps="$lib/scijava-common-2.99.2.jar:$lib/parsington-3.1.0.jar:$lib/app-launcher-2.0.0.jar"
# scijava-common's annotation processor writes META-INF/json/org.scijava.plugin.Plugin (the updater's plugins)
javac -nowarn -encoding UTF-8 --release 8 -d "$build/classes" -cp "$deps" @"$build/sources.txt"
(cd "$build/classes" && jar cf "$lib/imagej-updater.jar" META-INF net/imagej/updater \
  && jar cf "$lib/imagej-common-subset.jar" net/imagej/ImageJService.class net/imagej/ImageJPlugin.class net/imagej/util)
printf '%s' "$lib/imagej-updater.jar:$lib/imagej-common-subset.jar:$deps" > "$out/classpath.txt"
cat "$out/classpath.txt"; echo
