package org.mflag.fiji.command;

import ij.ImagePlus;
import ij.measure.ResultsTable;
import java.io.File;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.mflag.config.Key;
import org.mflag.config.KeyValues;
import org.mflag.data.GrayImage;
import org.mflag.fiji.convert.ImageJResults;
import org.mflag.infer.Inference;
import org.mflag.infer.InferenceKeys;
import org.mflag.infer.InferenceOptions;
import org.mflag.infer.Job;
import org.mflag.model.ModelPackageException;
import org.mflag.runtime.Devices;
import org.mflag.train.TrainingEvent;
import org.mflag.train.TrainingListener;
import org.scijava.app.StatusService;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.log.Logger;
import org.scijava.plugin.Parameter;

/**
 * The base of every M-FLAG SciJava command: its inputs are fields named exactly as the launcher's keys
 * ({@link #keys()}), read reflectively into {@link KeyValues} so that the same checks and messages
 * apply everywhere and no key is spelled twice (a test checks that every key has its field). The
 * command itself only calls the core and turns results into ImageJ objects.
 *
 * <p>Each key's field is declared bare ({@code @Parameter(persist = false) private int image_size;}): its
 * default, allowed values and description come from the {@link Key} declaration, and the constructor
 * sets every field to its key's default, so a default is written once. Fields are not persisted: a key
 * that is not given means its default, as on the launcher, so a macro or script does not change meaning
 * with what was typed into a dialog before (tests check both for every command).</p>
 *
 * <p>Progress goes to the {@link StatusService} when the context has one, or to a {@link Progress}
 * that the ImageJ 1 bridge sets; training commands also draw a live loss plot when a display is there.
 * Headless nothing touches AWT, so every command runs there.</p>
 */
public abstract class KeyCommand extends ContextCommand {

  /** Where a long command reports progress (ImageJ 1's status bar and progress bar, SciJava's status). */
  public interface Progress {
    void show(String status, long done, long total);
  }

  @Parameter
  protected LogService log;
  @Parameter(required = false)
  protected StatusService status;

  private Progress progress;
  private java.util.function.Consumer<String> logSink;

  /** Sets every key's field to the key's declared default. */
  protected KeyCommand() {
    for (Key k : keys()) {
      Field f = field(k.name());
      try {
        f.set(this, fieldValue(f.getType(), k));
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A key's default as a value of the field's type (null for a required key or an empty path). */
  static Object fieldValue(Class<?> type, Key k) {
    String d = k.defaultValue();
    if (type == String.class) return d;
    if (d == null || d.isEmpty()) {
      if (type.isPrimitive()) throw new IllegalStateException("field " + k.name() + " is a " + type + " but the key has no default");
      return null;
    }
    if (type == File.class) return new File(d);
    if (type == int.class) return k.defaultInteger();
    if (type == long.class) return (long) k.defaultInteger();
    if (type == double.class) return k.defaultNumber();
    if (type == boolean.class) return k.defaultBoolean();
    throw new IllegalStateException("field " + k.name() + ": unsupported type " + type);
  }

  /** The launcher keys this command's fields carry, in order. */
  public abstract List<Key> keys();

  /** The macro / menu name: {@code M-FLAG <Name>}. */
  public abstract String title();

  public void setProgress(Progress progress) {
    this.progress = progress;
  }

  /** The fields as {@code key=value} words (File fields as their path; null fields and defaults left out). */
  public List<String> keyValueWords() {
    List<String> kv = new ArrayList<>();
    for (Key k : keys()) {
      Object v = value(k.name());
      if (v instanceof File) v = ((File) v).getPath();
      if (v == null || (!k.required() && isDefault(k, String.valueOf(v)))) continue;
      kv.add(k.name() + "=" + v);
    }
    return kv;
  }

  /**
   * Whether a field holds its key's default. A field always has a value, so the words leave such keys out: a key is
   * "given" (as on the launcher) only when it differs from its default, and a pre-trained package's encoder is not
   * contradicted by the dialog's default encoder.
   */
  private static boolean isDefault(Key k, String value) {
    if (k.defaultValue() == null) return false;
    try {
      return k.check(value).equals(k.check(k.defaultValue()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public KeyValues keyValues() {
    return KeyValues.parse(title(), keys(), keyValueWords());
  }

  /** The current value of a key's field. */
  public Object value(String name) {
    try {
      return field(name).get(this);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The field of a key (named as the key), in this class or a superclass. */
  public Field field(String name) {
    for (Class<?> c = getClass(); c != null && c != KeyCommand.class; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new IllegalStateException(getClass().getSimpleName() + " has no field for key " + name);
  }

  protected Logger logger() {
    Logger logger = log.subLogger(title());
    if (logSink != null) {
      logger.addLogListener(m -> {
        if (m.level() <= org.scijava.log.LogLevel.INFO) logSink.accept(m.text());
      });
    }
    return logger;
  }

  /** Also sends this command's messages (info and above) to {@code sink}: ImageJ's Log window, say. */
  public void setLogSink(java.util.function.Consumer<String> sink) {
    this.logSink = sink;
  }

  protected void showProgress(String text, long done, long total) {
    if (progress != null) progress.show(text, done, total);
    else if (status != null) status.showStatus((int) Math.min(Integer.MAX_VALUE, done), (int) Math.min(Integer.MAX_VALUE, total), text);
  }

  protected void clearProgress() {
    if (progress != null) progress.show("", 1, 1);
    else if (status != null) status.clearStatus();
  }

  /** A training listener that shows each step's status and logs each epoch. */
  protected TrainingListener trainingProgress() {
    org.mflag.fiji.convert.LossPlot plot = new org.mflag.fiji.convert.LossPlot(title() + " loss");
    return new TrainingListener() {
      @Override
      public void onBatch(TrainingEvent e) {
        showProgress(title() + ": " + e.describe(), e.step, e.totalSteps);
      }

      @Override
      public void onEpoch(TrainingEvent e) {
        plot.add(e.epoch, e.loss);
      }
    };
  }

  /** What a command does with one slice of its image: the slice number (1-based) and its grey pixels. */
  @FunctionalInterface
  protected interface SliceAction {
    void accept(int slice, GrayImage grey) throws Exception;
  }

  /**
   * The model package of the command's {@code model} key ({@code kv}: its parsed keys) opened for {@code job} on its
   * {@code device} key (if it has one), for the
   * open {@code image} (an error when there is none): the prologue every inference command shares.
   */
  protected Inference openInference(ImagePlus image, KeyValues kv, Job job, InferenceOptions options) throws ModelPackageException {
    if (image == null) throw new IllegalArgumentException("no image: open one first");
    InferenceOptions o = kv.has(org.mflag.infer.Engine.ENGINE) ? options.withEngine(org.mflag.infer.Engine.of(kv.string(org.mflag.infer.Engine.ENGINE)))
        : options;
    // null: the engine's default
    Devices.Plan devices = kv.has(Devices.DEVICE) ? o.engine().devices(org.mflag.runtime.DeviceRequest.parse(kv.string(Devices.DEVICE))) : null;
    return Inference.open(kv.path(InferenceKeys.MODEL).toAbsolutePath(), job, o, devices);
  }

  /**
   * Runs {@code action} on every slice of {@code image} in order, showing progress; false when the command was
   * cancelled before the last slice (what was done stays done).
   */
  protected boolean forEachSlice(ImagePlus image, SliceAction action) throws Exception {
    int n = image.getStackSize();
    for (int s = 1; s <= n; s++) {
      if (isCanceled()) return false;
      showProgress(title() + ": slice " + s + "/" + n, s - 1, n);
      action.accept(s, ImageJResults.slice(image, s));
    }
    clearProgress();
    return true;
  }

  /** Classifies every slice of {@code image} with {@code net}, a Results row each; returns the first slice's label. */
  protected String classifySlices(ImagePlus image, Inference net) throws Exception {
    ResultsTable rt = ImageJResults.results();
    String[] first = new String[1];
    forEachSlice(image, (s, grey) -> {
      String l = ImageJResults.addClassRow(rt, image, s, net.classify(grey));
      if (s == 1) first[0] = l;
    });
    return first[0];
  }

  /** Reports a failure the way SciJava and macros both see it: logged, then thrown with the message. */
  protected IllegalStateException failure(Exception e) {
    logger().error(title() + ": " + e.getMessage());
    return new IllegalStateException(title() + ": " + e.getMessage(), e);
  }
}
