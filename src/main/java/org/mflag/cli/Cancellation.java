package org.mflag.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Ctrl-C (SIGINT/SIGTERM) for the launcher: the shutdown hook sets the flag that training polls
 * before each batch, then waits until the command has written its checkpoint and returned.
 */
public final class Cancellation implements BooleanSupplier {

  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);

  /** The launcher's own: one per command it runs. */
  Cancellation() {}

  void install() {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (finished.getCount() == 0) return;
      requested.set(true);
      System.err.println("cancel requested: finishing the current step and writing a checkpoint...");
      try {
        finished.await(120, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "mflag-cancel"));
  }

  void done() {
    finished.countDown();
  }

  @Override
  public boolean getAsBoolean() {
    return requested.get();
  }
}
