package org.mflag.fiji.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import java.awt.GraphicsEnvironment;
import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mflag.config.Key;
import org.mflag.fiji.command.Commands;
import org.mflag.fiji.command.KeyCommand;
import org.mflag.fiji.command.TrainingCommand;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.log.LogService;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;

/**
 * The ImageJ 1 face of every M-FLAG command: {@code plugins.config} lists one menu entry per command
 * ({@code "M-FLAG Segment"} runs this class with argument {@code segment}). It reads the SciJava
 * command's inputs from the macro options (keys = the launcher's keys), or from a dialog whose field
 * labels are the keys (so the macro recorder writes {@code run("M-FLAG Segment", "model=[...] ...")}),
 * takes the current image for an image input, runs the command and shows its outputs. It holds no
 * logic of its own. Headless (a {@code -batch} run, a cluster job) it never opens a dialog or window.
 */
public class MFlagPlugin implements PlugIn {

  private static Context context;
  /** The progress window of the running training command, if any (tests press its Cancel button). */
  static volatile ProgressWindow shown;

  /** The running application's context: Fiji's, found through ImageJ's legacy layer; null in plain ImageJ 1. */
  static java.util.function.Supplier<Context> running = MFlagPlugin::fijiContext;

  /**
   * The SciJava context the commands run in: Fiji's own when ImageJ runs inside Fiji (its services, no
   * second plugin scan), otherwise one minimal context for the ImageJ 1 session (command and log services
   * only, no UI), created with ImageJ's plugin class loader so that plugins in {@code plugins/jars/} are
   * found.
   */
  static synchronized Context context() {
    if (context == null) {
      Context fiji = running.get();
      context = fiji != null ? fiji : withPluginClassLoader(() -> new Context(CommandService.class, ModuleService.class, LogService.class));
    }
    return context;
  }

  /** Forgets the context this class holds, so that the next command looks again (tests switch contexts). */
  static synchronized void forget() {
    context = null;
  }

  /** Fiji's context: in legacy mode {@code IJ.runPlugIn("org.scijava.Context", "")} returns it. */
  private static Context fijiContext() {
    try {
      Class.forName("net.imagej.legacy.LegacyService", false, MFlagPlugin.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null; // plain ImageJ 1: asking would create a full context
    }
    Object c = IJ.runPlugIn("org.scijava.Context", "");
    return c instanceof Context ? (Context) c : null;
  }

  /**
   * Runs {@code work} with ImageJ's plugin class loader as the thread's context class loader: SciJava finds
   * plugins through it, and with the jars in {@code plugins/} (plain ImageJ 1) no other loader sees them.
   */
  private static <T> T withPluginClassLoader(java.util.function.Supplier<T> work) {
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    t.setContextClassLoader(IJ.getClassLoader());
    try {
      return work.get();
    } finally {
      t.setContextClassLoader(before);
    }
  }

  @Override
  public void run(String arg) {
    String title = "M-FLAG " + arg;
    try {
      Class<? extends KeyCommand> type = Commands.get(arg);
      CommandService commands = context().service(CommandService.class);
      CommandInfo info = commands.getCommand(type);
      title = info.getLabel();
      Map<String, Object> inputs = inputs(info, title, type.getDeclaredConstructor().newInstance().keys());
      if (inputs == null) return; // dialog cancelled
      CommandModule module = (CommandModule) context().service(ModuleService.class).createModule(info);
      KeyCommand cmd = (KeyCommand) module.getCommand();
      ProgressWindow window = !GraphicsEnvironment.isHeadless() && cmd instanceof TrainingCommand
          ? new ProgressWindow(title, () -> cmd.cancel("cancelled by the user")) : null;
      shown = window;
      cmd.setProgress((status, done, total) -> {
        IJ.showStatus(status);
        IJ.showProgress(total <= 0 ? 1.0 : (double) done / total);
        if (window != null) window.show(status, done, total);
        // CommandModule.cancel() only reaches Previewable commands: cancel the command itself
        if (IJ.escapePressed()) cmd.cancel("cancelled with Esc");
      });
      if (!GraphicsEnvironment.isHeadless()) cmd.setLogSink(IJ::log); // headless, the console has them
      for (Map.Entry<String, Object> e : inputs.entrySet()) module.setInput(e.getKey(), e.getValue());
      // Every key is resolved here (given, or the key's default the command holds), and the module runs on this
      // thread without pre- and postprocessing: no input dialog, no output window of Fiji's, and a macro's
      // thread (batch mode, its Results and ROI Manager) is the one the command runs on.
      for (ModuleItem<?> in : info.inputs()) module.resolveInput(in.getName());
      try {
        withPluginClassLoader(() -> {
          module.run();
          return null;
        });
      } finally {
        if (window != null) window.close();
      }
      show(info, module);
    } catch (Exception e) {
      Throwable c = e;
      while (c.getCause() != null && !(c instanceof IllegalStateException && c.getMessage() != null && c.getMessage().startsWith("M-FLAG"))) {
        c = c.getCause();
      }
      IJ.log(c.getMessage() == null ? title + ": " + c : c.getMessage());
      ij.macro.Interpreter macro = ij.macro.Interpreter.getInstance();
      if (macro != null) macro.abortMacro(); // the calling macro stops here, as with any failed command
      else if (Macro.getOptions() != null) Macro.abort();
    }
  }

  /**
   * The command's inputs from macro options or a dialog; null when the dialog was cancelled. The dialog is
   * built from the keys' declarations (type, default, choices) with the keys as field labels, so the macro
   * recorder writes the launcher's vocabulary.
   */
  private static Map<String, Object> inputs(CommandInfo info, String title, List<Key> keys) {
    String options = Macro.getOptions();
    Map<String, ModuleItem<?>> items = new HashMap<>();
    Map<String, Object> values = new HashMap<>();
    for (ModuleItem<?> item : info.inputs()) {
      if (item.getType() == ImagePlus.class) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) throw new IllegalArgumentException(title + ": no image open");
        values.put(item.getName(), imp);
      } else {
        items.put(item.getName(), item);
      }
    }
    if (options == null) {
      if (GraphicsEnvironment.isHeadless()) throw new IllegalArgumentException(title + ": give the keys as macro options (headless)");
      GenericDialog gd = new GenericDialog(title);
      for (Key k : keys) addField(gd, k);
      gd.addHelp(help(title, keys));
      gd.showDialog();
      if (gd.wasCanceled()) return null;
      for (Key k : keys) values.put(k.name(), convert(items.get(k.name()), k.check(readField(gd, k))));
    } else {
      for (Key k : keys) {
        String v = Macro.getValue(options, k.name(), null);
        if (v == null && k.type() == Key.Type.BOOLEAN && isFlag(options, k.name())) v = "true"; // a recorded checked box
        if (v != null) values.put(k.name(), convert(items.get(k.name()), k.check(v)));
      }
    }
    return values;
  }

  /** Whether {@code name} stands alone among the macro options, as ImageJ 1 records a checked box. */
  static boolean isFlag(String options, String name) {
    for (String word : options.trim().split("\\s+")) if (word.equals(name)) return true;
    return false;
  }

  /** The dialog's Help: every key with its meaning, allowed values and default, as {@code ./mflag COMMAND help} lists them. */
  private static String help(String title, List<Key> keys) {
    StringBuilder sb = new StringBuilder("<html><h3>" + title + "</h3><table>");
    for (Key k : keys) {
      sb.append("<tr><td><b>").append(k.name()).append("</b></td><td>").append(k.description().replace("<", "&lt;"))
          .append(" (").append(k.allowed().replace("<", "&lt;"))
          .append(k.required() ? "; required" : k.defaultValue().isEmpty() ? "" : "; default " + k.defaultValue()).append(")</td></tr>");
    }
    return sb.append("</table><p>Macro: <tt>run(\"").append(title).append("\", \"key=value ...\")</tt></p></html>").toString();
  }

  private static void addField(GenericDialog gd, Key k) {
    String def = k.defaultValue() == null ? "" : k.defaultValue();
    switch (k.type()) {
      case CHOICE:
        gd.addChoice(k.name(), k.choices().toArray(new String[0]), def);
        break;
      case BOOLEAN:
        gd.addCheckbox(k.name(), k.defaultBoolean());
        break;
      case PATH:
        if (k.isDirectory()) gd.addDirectoryField(k.name(), def, 40);
        else gd.addFileField(k.name(), def, 40);
        break;
      default:
        gd.addStringField(k.name(), def, 20);
    }
  }

  private static String readField(GenericDialog gd, Key k) {
    switch (k.type()) {
      case CHOICE:
        return gd.getNextChoice();
      case BOOLEAN:
        return Boolean.toString(gd.getNextBoolean());
      default:
        return gd.getNextString().trim();
    }
  }

  /** A checked value as the field's type. */
  static Object convert(ModuleItem<?> item, String v) {
    Class<?> t = item.getType();
    try {
      if (t == File.class) return v.isEmpty() ? null : new File(v);
      if (t == int.class || t == Integer.class) return Integer.parseInt(v);
      if (t == long.class || t == Long.class) return Long.parseLong(v);
      if (t == double.class || t == Double.class) return Double.parseDouble(v);
      if (t == float.class || t == Float.class) return Float.parseFloat(v);
      if (t == boolean.class || t == Boolean.class) return Boolean.parseBoolean(v) || v.equals("1") || v.equalsIgnoreCase("yes");
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(item.getName() + "=" + v + ": not a number");
    }
  }

  /** Shows image outputs (registered as batch-mode images when a macro runs in batch mode), tables and text. */
  private static void show(CommandInfo info, CommandModule module) {
    for (ModuleItem<?> item : info.outputs()) {
      Object v = module.getOutput(item.getName());
      if (v instanceof ImagePlus) ((ImagePlus) v).show();
      else if (v instanceof ResultsTable) ((ResultsTable) v).show("Results");
    }
    ResultsTable rt = ResultsTable.getResultsTable();
    if (rt != null && rt.size() > 0 && !GraphicsEnvironment.isHeadless()) rt.show("Results");
  }
}
