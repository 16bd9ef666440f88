// A first result with no data of your own: the sample chest X-rays the plugin carries, a short pre-training on
// them, a lung segmenter fine-tuned on that encoder, and the open X-ray segmented (about 2 minutes on 2 cores).
//
// Interactive: Plugins > Macros > Run... and pick this file (everything goes to ~/mflag-first).
// Batch (no window): ImageJ-linux64 --headless -batch macros/first_result.ijm "folder=/tmp/mflag-first"
// Optional keys: folder, image_size (128), epochs (10, of the fine-tuning).

installed = call("org.mflag.fiji.ij1.HeadlessImageJ.install");
t0 = getTime();
args = getArgument();
folder = call("ij.Macro.getValue", args, "folder", getDirectory("home") + "mflag-first");
size = call("ij.Macro.getValue", args, "image_size", "128");
epochs = call("ij.Macro.getValue", args, "epochs", "10");
samples = folder + File.separator + "samples";
manifest = samples + File.separator + "manifest.csv";

// 1. the 48 sample X-rays with case notes, lung masks and boxes; the first one opens
run("M-FLAG Sample Data", "output=[" + samples + "]");
xray = getTitle();
// 2. M-FLAG pre-training against the reports' (shipped) BERT embeddings: no language model to download
run("M-FLAG Pretrain", "manifest=[" + manifest + "] text_model=[" + samples + File.separator + "report-embeddings.csv] output=["
    + folder + File.separator + "pretrained] encoder=resnet18 image_size=" + size + " batch_size=8 epochs=2 seed=1");
// 3. a lung segmenter (U-Net) on the frozen pre-trained encoder, from the sample masks
run("M-FLAG Fine-tune Segmenter", "manifest=[" + manifest + "] encoder_model=[" + folder + File.separator + "pretrained] output=["
    + folder + File.separator + "segmenter] image_size=" + size + " batch_size=8 epochs=" + epochs + " seed=1");
// 4. the open X-ray segmented: a mask image, the lungs as ROIs on its overlay, one Results row per region
selectImage(xray);
run("M-FLAG Segment", "model=[" + folder + File.separator + "segmenter] add_to=overlay");
print("first result: " + nResults + " region(s) on " + xray + ", " + round((getTime() - t0) / 1000) + " s after the start");
return "" + nResults;
