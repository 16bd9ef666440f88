// Segment every image of a folder with a fine-tuned M-FLAG segmenter; save one mask per image
// (<name>-mask.tif) and a CSV of the regions' areas (areas.csv: image, slice, region, area, x, y).
//
// Fiji or ImageJ with a display: Plugins > Macros > Run..., or
//   ImageJ-linux64 --headless --console -macro segment_folder.ijm "model=/m input=/images output=/out"
// Plain ImageJ 1, headless (a cluster job; see the README):
//   java -Djava.awt.headless=true -Dplugins.dir=/path/to/ImageJ -jar ij.jar -batch segment_folder.ijm "model=... input=... output=..."
// Images are opened with M-FLAG's helper because ImageJ 1's own open() needs a display.

installed = call("org.mflag.fiji.ij1.HeadlessImageJ.install");
args = getArgument();
model = call("ij.Macro.getValue", args, "model", "");
input = call("ij.Macro.getValue", args, "input", "");
output = call("ij.Macro.getValue", args, "output", "");
if (model == "" || input == "" || output == "") exit("usage: model=<segmenter folder> input=<image folder> output=<folder>");
setBatchMode(true);
File.makeDirectory(output);
Table.reset("Results");
files = getFileList(input);
for (i = 0; i < files.length; i++) {
  if (endsWith(files[i], "/")) continue;
  title = call("org.mflag.fiji.ij1.HeadlessImageJ.open", input + File.separator + files[i]);
  run("M-FLAG Segment", "model=[" + model + "] output=mask add_to=none");
  saveAs("Tiff", output + File.separator + File.getNameWithoutExtension(files[i]) + "-mask.tif");
  close();
  selectImage(title);
  close();
}
Table.save(output + File.separator + "areas.csv", "Results");
print("segmented " + files.length + " files into " + output);
