package org.mflag.io;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A run's hold on its output folder: an operating-system lock on {@code <folder>/.mflag-lock}, which the system
 * releases when the process ends however it ends, so a crashed run never leaves a stale lock. The file names the
 * holder (process, host, what it runs, since when) for the error a second run gets.
 */
public final class OutputLock implements AutoCloseable {

  public static final String FILE = ".mflag-lock";

  private final FileChannel channel;
  private final FileLock lock;

  private OutputLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the folder for {@code what} (e.g. "pretrain"), creating it.
   *
   * @throws IOException naming the folder and the run that holds it, when another run (in this or another process) does
   */
  public static OutputLock acquire(Path folder, String what) throws IOException {
    Files.createDirectories(folder);
    Path file = folder.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      ch.close();
      throw new IOException("output " + folder + ": cannot lock " + file + " (" + e.getMessage() + ")", e);
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
      ch.close();
      throw new IOException("output " + folder + " is in use by another run (" + (holder.isEmpty() ? "unknown" : holder)
          + "): wait for it to end, or choose another output");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((what + ", process " + ManagementFactory.getRuntimeMXBean().getName() + ", since " + Instant.now() + "\n")
        .getBytes(StandardCharsets.UTF_8)));
    ch.force(false);
    return new OutputLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
