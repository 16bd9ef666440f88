package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.scijava.log.Logger;

/**
 * One launcher command: its name, a one-line summary, its keys and what it does with them. The plugin's commands are
 * listed in {@link Main}; the developer tools of {@code src/tools} ({@code bench}, {@code experiment}, {@code study}),
 * which the plugin jar does not carry, implement it too and are found with {@link java.util.ServiceLoader} through
 * their {@code META-INF/services/org.mflag.cli.CliCommand}.
 */
public interface CliCommand {

  String name();

  String summary();

  List<Key> keys();

  /** Runs the command; returns the process exit code. */
  int run(KeyValues args, Logger log, Cancellation cancel) throws Exception;
}
