package org.mflag.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mflag.data.Manifest;

/** The {@code config.mflag} sections a pre-training run records in its model package. */
final class ModelPackageMaps {

  private ModelPackageMaps() {}

  static Map<String, Object> loss(PretrainConfig cfg) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "mflag");
    m.put("lambda_orth", (double) cfg.lambdaOrth());
    m.put("orth_variant", cfg.orthVariant().key());
    m.put("off_diagonal_weight", (double) org.mflag.loss.MFlagLoss.OFF_DIAGONAL_WEIGHT);
    if (cfg.lambdaContrastive() > 0) { // our option (MFlagLoss): recorded only when used, so M-FLAG's packages read as before
      m.put("lambda_contrastive", (double) cfg.lambdaContrastive());
      m.put("contrastive_temperature", Double.parseDouble(Float.toString(cfg.contrastiveTemperature()))); // 0.1, not 0.10000000149
    }
    return m;
  }

  static Map<String, Object> data(Manifest manifest, int pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("manifest", manifest.file().getFileName().toString());
    m.put("manifest_sha256", manifest.sha256());
    m.put("pairs", pairs);
    return m;
  }

  static Map<String, Object> lossParts(float[] loss) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("total", (double) loss[0]);
    m.put("align", (double) loss[1]);
    m.put("orth", (double) loss[2]);
    return m;
  }

  static Map<String, Object> versions(String tensorflow) {
    Map<String, Object> m = new LinkedHashMap<>();
    Package p = ModelPackageMaps.class.getPackage();
    m.put("mflag", p == null || p.getImplementationVersion() == null ? "dev" : p.getImplementationVersion());
    m.put("tensorflow", tensorflow);
    m.put("djl", ai.djl.engine.Engine.getDjlVersion());
    m.put("java", System.getProperty("java.version"));
    return m;
  }
}
