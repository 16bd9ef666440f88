package org.mflag.cli;

import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.scijava.log.Logger;

/** One launcher command: its name, a one-line summary, its keys and what it does with them. */
interface CliCommand {

  String name();

  String summary();

  List<Key> keys();

  /** Runs the command; returns the process exit code. */
  int run(KeyValues args, Logger log, Cancellation cancel) throws Exception;
}
