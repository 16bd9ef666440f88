// Fine-tune a lung segmenter (U-Net on a frozen M-FLAG encoder) from a manifest with a mask column.
//
// Interactive: edit the defaults below and run from Fiji / ImageJ (Plugins > Macros > Run...).
// Batch: java -jar ij.jar -batch finetune_segmenter.ijm "manifest=/data/manifest.csv encoder_model=/models/pretrained output=/models/segmenter"
// Every key of `./mflag finetune-segmenter help` may be given; they are the same names in both places.

installed = call("org.mflag.fiji.ij1.HeadlessImageJ.install");
args = getArgument();
if (args == "") {
  manifest = getDirectory("imagej") + "samples/cxr/manifest.csv";
  args = "manifest=[" + manifest + "] encoder_model=random encoder=resnet18 output=[" + getDirectory("temp") + "mflag-segmenter] "
       + "ignore_value=127 image_size=128 batch_size=8 epochs=10";
}
run("M-FLAG Fine-tune Segmenter", args);
