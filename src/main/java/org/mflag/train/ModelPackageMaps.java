package org.mflag.train;

import org.mflag.data.Manifest;
import org.mflag.model.MflagConfig;

/** The {@code config.mflag} sections a training run records in its model package. */
final class ModelPackageMaps {

  private ModelPackageMaps() {}

  static MflagConfig.Loss loss(PretrainConfig cfg) {
    boolean contrastive = cfg.lambdaContrastive() > 0; // our option (MFlagLoss): recorded only when used, so M-FLAG's packages read as before
    return new MflagConfig.Loss("mflag", (double) cfg.lambdaOrth(), cfg.orthVariant().key(), (double) org.mflag.loss.MFlagLoss.OFF_DIAGONAL_WEIGHT,
        contrastive ? (double) cfg.lambdaContrastive() : null,
        contrastive ? Double.parseDouble(Float.toString(cfg.contrastiveTemperature())) : null); // 0.1, not 0.10000000149
  }

  static MflagConfig.DataSource data(Manifest manifest, int pairs) {
    return new MflagConfig.DataSource(manifest.file().getFileName().toString(), manifest.sha256(), pairs, null);
  }

  static MflagConfig.LossParts lossParts(float[] loss) {
    return new MflagConfig.LossParts((double) loss[0], (double) loss[1], (double) loss[2]);
  }

  static MflagConfig.Versions versions(String tensorflow) {
    Package p = ModelPackageMaps.class.getPackage();
    return new MflagConfig.Versions(p == null || p.getImplementationVersion() == null ? "dev" : p.getImplementationVersion(), tensorflow,
        ai.djl.engine.Engine.getDjlVersion(), System.getProperty("java.version"));
  }
}
