package org.mflag.model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mflag.io.Hashing;
import org.mflag.io.NdArray;
import org.mflag.io.Npy;

/**
 * A model package written by hand, for checks that need no TensorFlow: {@code saved_model.zip} holding the given
 * entries, 32x32 test tensors and an {@code rdf.yaml} naming them all with their true hashes.
 */
public final class StandInPackage {

  private StandInPackage() {}

  /** Writes the package into {@code dir}; {@code entries} alternate entry names and contents of the weights zip. */
  public static Path write(Path dir, String weightsSource, String extraConfig, Object... entries) throws IOException {
    Files.createDirectories(dir);
    try (OutputStream os = Files.newOutputStream(dir.resolve("saved_model.zip")); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (int i = 0; i < entries.length; i += 2) {
        zip.putNextEntry(new ZipEntry((String) entries[i]));
        zip.write((byte[]) entries[i + 1]);
        zip.closeEntry();
      }
    }
    Files.write(dir.resolve("test_input.npy"), Npy.toBytes(new NdArray(new float[32 * 32], 1, 32, 32, 1)));
    Files.write(dir.resolve("test_output_embedding.npy"), Npy.toBytes(new NdArray(new float[4], 1, 4)));
    Files.writeString(dir.resolve("README.md"), "# test\n");
    rdf(dir, weightsSource, extraConfig);
    return dir;
  }

  /** A package whose weights zip holds a stand-in {@code saved_model.pb} and a variables file. */
  public static Path write(Path dir) throws IOException {
    return write(dir, "saved_model.zip", "", "saved_model.pb", ("graph " + dir.getFileName()).getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "variables/variables.index", new byte[] {'v'});
  }

  /** (Re)writes {@code rdf.yaml} with the files' current hashes and {@code extraConfig} appended to config.mflag. */
  public static void rdf(Path dir, String weightsSource, String extraConfig) throws IOException {
    String yaml = "format_version: 0.5.4\ntype: model\nname: t\n"
        + "inputs:\n- id: image\n  axes: [{type: batch}, {type: space, id: y, size: 32}, {type: space, id: x, size: 32},"
        + " {type: channel, channel_names: [grey]}]\n  test_tensor: {source: test_input.npy, sha256: " + sha(dir, "test_input.npy") + "}\n"
        + "outputs:\n- id: embedding\n  axes: [{type: batch}, {type: index, id: i, size: 4}]\n"
        + "  test_tensor: {source: test_output_embedding.npy, sha256: " + sha(dir, "test_output_embedding.npy") + "}\n"
        + "weights:\n  tensorflow_saved_model_bundle: {source: " + weightsSource + ", sha256: " + sha(dir, weightsSource) + "}\n"
        + "documentation: README.md\n"
        + "config:\n  mflag: {task: pretrain, encoder: resnet18" + (extraConfig.contains("image_size") ? "" : ", image_size: 32")
        + extraConfig + "}\n";
    Files.writeString(dir.resolve("rdf.yaml"), yaml);
  }

  private static String sha(Path dir, String file) throws IOException {
    Path f = dir.resolve(file);
    return Files.isRegularFile(f) ? Hashing.sha256(f) : "0".repeat(64);
  }
}
