package org.mflag.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mflag.config.Choices;
import org.mflag.config.Task;

/** What inference computes per image, and so which package it needs: a fine-tuned task's, or a pre-trained encoder. */
public enum Job {
  SEGMENT(Task.SEGMENTATION), CLASSIFY(Task.CLASSIFICATION), DETECT(Task.DETECTION), EMBED(null),
  /** Zero-shot classification with an encoder package and prompts ({@link org.mflag.zeroshot.ZeroShot}). */
  ZERO_SHOT(null);

  /** The fine-tuned task whose package the job needs; null: an encoder package (any). */
  public final Task task;

  Job(Task task) {
    this.task = task;
  }

  /** segment, classify, detect, embed, zero-shot: the command's name. */
  public String key() {
    return Choices.key(this).replace('_', '-');
  }

  public static Job fromKey(String key) {
    for (Job j : values()) if (j.key().equals(key.trim().toLowerCase(Locale.ROOT))) return j;
    List<String> keys = new ArrayList<>();
    for (Job j : values()) keys.add(j.key());
    throw new IllegalArgumentException("job=" + key + ": allowed values are " + keys);
  }

  /** The job that applies a package fine-tuned for {@code task}. */
  public static Job of(Task task) {
    for (Job j : values()) if (j.task == task) return j;
    throw new IllegalArgumentException(String.valueOf(task));
  }

  /** Whether the job runs a pre-trained encoder package (rather than a fine-tuned task package). */
  public boolean needsEncoder() {
    return task == null;
  }
}
