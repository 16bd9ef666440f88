package org.mflag.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mflag.config.Key;
import org.scijava.log.Logger;

/**
 * {@code export}: a package folder as the one {@code .zip} that bioimage.io's upload and deepImageJ's
 * installer take, verified first ({@link ModelPackage#open}) and holding only what {@code rdf.yaml}
 * names. A package written before ONNX weights gets them first ({@link ModelPackage#addOnnx}); one whose SavedModel
 * cannot be translated is exported without them, with a warning that says why. Every command that takes a {@code model} reads the zip as it reads the folder.
 */
public final class PackageZip {

  public static final Key MODEL = Key.path("model", null, "model package folder to export (from pretrain or finetune-*)").directory();
  public static final Key OUTPUT = Key.path("output", "", "the .zip to write; empty = <model>.zip beside the folder");
  public static final List<Key> KEYS = List.of(MODEL, OUTPUT);

  private PackageZip() {}

  /** Writes the zip and returns its path. */
  public static Path run(ExportConfig cfg, Logger log) throws IOException, ModelPackageException {
    Path model = cfg.model();
    ModelPackage p = ModelPackage.open(model);
    Path zip = cfg.zip();
    if (Files.isDirectory(p.source()) && zip.toAbsolutePath().normalize().startsWith(model)) {
      throw new IllegalArgumentException("output=" + zip + ": inside the package folder; write it beside the folder");
    }
    try {
      if (p.addOnnx()) {
        log.info(p.source() + ": ONNX weights added (" + OnnxWeights.FILE + ", reproducing the package's test outputs in ONNX Runtime)");
        p = ModelPackage.open(model);
      }
    } catch (IOException | ModelPackageException e) {
      // a package whose SavedModel we cannot translate (not ours, or damaged) is still exported as it is: the zip is
      // what bioimage.io's upload takes, and its TensorFlow weights run without the ONNX ones
      log.warn(p.source() + ": exported without ONNX weights: " + e.getMessage());
    }
    p.writeZip(zip);
    log.info("package " + p.source() + " exported to " + zip + " (" + Files.size(zip) / 1024 + " KiB)");
    return zip;
  }
}
