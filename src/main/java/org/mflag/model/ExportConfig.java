package org.mflag.model;

import java.nio.file.Path;
import java.util.Locale;
import org.mflag.config.KeyValues;

/** An {@code export} run: the package folder and the {@code .zip} to write (checked: a .zip, not inside the folder). */
public final class ExportConfig {

  private final Path model;
  private final Path zip;

  private ExportConfig(KeyValues kv) {
    model = kv.path(PackageZip.MODEL).toAbsolutePath().normalize();
    Path given = kv.path(PackageZip.OUTPUT);
    zip = given != null ? given : model.resolveSibling(model.getFileName() + ".zip");
    if (!zip.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
      throw new IllegalArgumentException("output=" + zip + ": must end in .zip");
    }
  }

  /** Reads {@link PackageZip#KEYS}. */
  public static ExportConfig of(KeyValues kv) {
    return new ExportConfig(kv);
  }

  /** The package folder (absolute). */
  public Path model() {
    return model;
  }

  /** The zip to write. */
  public Path zip() {
    return zip;
  }
}
