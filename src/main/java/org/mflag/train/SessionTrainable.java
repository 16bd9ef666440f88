package org.mflag.train;

import java.util.Map;
import org.mflag.data.Batches;
import org.mflag.io.NdArray;
import org.mflag.nn.Parameters;
import org.tensorflow.Session;

/**
 * A {@link Trainable} whose state lives in a TensorFlow session, fed by {@link Batches}: its checkpoints
 * are every variable of its {@link Parameters} (weights, batch-norm statistics, AdamW slots and step), by name.
 *
 * @param <B> the batch type
 */
abstract class SessionTrainable<B> implements Trainable<B> {

  private final Parameters parameters;
  private final Session session;
  private final Batches<B> batches;

  SessionTrainable(Parameters parameters, Session session, Batches<B> batches) {
    this.parameters = parameters;
    this.session = session;
    this.batches = batches;
  }

  @Override
  public B batch(long step) throws Exception {
    return batches.batch(step);
  }

  @Override
  public int batchSize() {
    return batches.batchSize();
  }

  @Override
  public int stepsPerEpoch() {
    return batches.stepsPerEpoch();
  }

  Parameters parameters() {
    return parameters;
  }

  Session session() {
    return session;
  }

  @Override
  public Map<String, NdArray> snapshot() {
    return parameters.snapshot(session);
  }

  @Override
  public void restore(Map<String, NdArray> arrays, String source) {
    parameters.assign(session, Parameters.values(arrays), source);
  }
}
