// Detect objects in every image of a folder with a fine-tuned M-FLAG detector and export the boxes as
// CSV (boxes.csv: image, slice, x, y, w, h, class, score), and the same as rectangle ROIs on each image.
//
//   java -Djava.awt.headless=true -jar ij.jar -batch detect_boxes.ijm "model=/m input=/images output=/out [confidence=0.5]"

installed = call("org.mflag.fiji.ij1.HeadlessImageJ.install");
args = getArgument();
model = call("ij.Macro.getValue", args, "model", "");
input = call("ij.Macro.getValue", args, "input", "");
output = call("ij.Macro.getValue", args, "output", "");
confidence = call("ij.Macro.getValue", args, "confidence", "auto");
if (model == "" || input == "" || output == "") exit("usage: model=<detector folder> input=<image folder> output=<folder>");
setBatchMode(true);
File.makeDirectory(output);
Table.reset("Results");
files = getFileList(input);
for (i = 0; i < files.length; i++) {
  if (endsWith(files[i], "/")) continue;
  title = call("org.mflag.fiji.ij1.HeadlessImageJ.open", input + File.separator + files[i]);
  run("M-FLAG Detect", "model=[" + model + "] add_to=overlay confidence=" + confidence);
  close();
}
Table.save(output + File.separator + "boxes.csv", "Results");
print(nResults + " boxes in " + files.length + " files");
