// Pre-train an M-FLAG image encoder from a manifest of image-report pairs.
//
// Interactive: set the paths below and run this macro from Fiji / ImageJ (Plugins > Macros > Run...).
// Batch (no window): java -jar ij.jar -batch macros/pretrain.ijm "manifest=/data/manifest.csv output=/data/model"
// Any key of `./mflag pretrain help` may be given; they are the same names in both places.

installed = call("org.mflag.fiji.ij1.HeadlessImageJ.install");
args = getArgument();
if (args == "") {
  manifest = getDirectory("imagej") + "samples/cxr/manifest.csv";   // or File.openDialog("Manifest (CSV)")
  args = "manifest=[" + manifest + "] output=[" + getDirectory("temp") + "mflag-model] "
       + "encoder=resnet18 image_size=128 batch_size=8 epochs=2 seed=1";
}
run("M-FLAG Pretrain", args);
