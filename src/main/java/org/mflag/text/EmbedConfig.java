package org.mflag.text;

import java.nio.file.Path;
import org.mflag.config.KeyValues;
import org.mflag.data.DataConfig;
import org.mflag.data.DataKeys;
import org.mflag.runtime.DeviceRequest;
import org.mflag.runtime.Devices;

/**
 * An {@code embed-reports} run, immutable: the manifest with its id and text columns, the language model, the cache, the
 * optional CSV to write and the device. Read once from {@link EmbedReports#KEYS} by {@link #of}.
 */
public final class EmbedConfig {

  private final DataConfig data;
  private final String textModel;
  private final Path cacheDir;
  private final Path output;
  private final DeviceRequest device;

  private EmbedConfig(KeyValues kv) {
    data = DataConfig.of(kv);
    textModel = kv.string(TextModels.TEXT_MODEL);
    cacheDir = kv.path(DataKeys.CACHE_DIR);
    output = kv.path(EmbedReports.OUTPUT);
    device = DeviceRequest.parse(kv.string(Devices.DEVICE));
  }

  public static EmbedConfig of(KeyValues kv) {
    return new EmbedConfig(kv);
  }

  /** The manifest and its id and text columns. */
  public DataConfig data() {
    return data;
  }

  public String textModel() {
    return textModel;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** The CSV of embeddings to write, or null (cache only). */
  public Path output() {
    return output;
  }

  public DeviceRequest device() {
    return device;
  }
}
