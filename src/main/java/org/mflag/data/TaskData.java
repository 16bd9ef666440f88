package org.mflag.data;

import java.nio.file.Path;
import java.util.List;
import org.mflag.config.Task;

/**
 * What a task reads from the data keys ({@link DataKeys#forTask}): its classes, whether they
 * are multi-label, and the {@link TaskDataset.Options} that load its targets. Shared by fine-tuning
 * and {@code evaluate}, which passes the classes recorded in the model package.
 */
public final class TaskData {

  public final List<String> classes;
  public final boolean multiLabel;
  public final TaskDataset.Options options;

  private TaskData(List<String> classes, boolean multiLabel, TaskDataset.Options options) {
    this.classes = classes;
    this.multiLabel = multiLabel;
    this.options = options;
  }

  /** @param fixedClasses the model's classes (evaluation), or null to take them from the keys and data */
  public static TaskData of(Task task, DataConfig data, Manifest m, int size, List<String> fixedClasses) throws DatasetException {
    TaskDataset.Options o = TaskDataset.Options.size(size).optImageColumn(data.imageColumn());
    switch (task) {
      case SEGMENTATION: {
        o.optMasks(data.maskColumn(), data.ignoreValue().isPresent() ? data.ignoreValue().getAsInt() : null);
        return new TaskData(List.of("foreground"), false, o);
      }
      case CLASSIFICATION: {
        List<String> given = fixedClasses != null ? fixedClasses : data.classes();
        Labels labels = Labels.of(m, data.labelColumn(), data.labelColumns(), given);
        o.optLabels(labels);
        return new TaskData(labels.classes(), labels.multiLabel(), o);
      }
      case DETECTION: {
        Path file = data.boxes();
        if (file == null) throw new IllegalArgumentException("boxes: required for a detection task (COCO JSON file)");
        CocoBoxes boxes = CocoBoxes.read(file);
        if (fixedClasses != null && !fixedClasses.equals(boxes.categories())) {
          throw new DatasetException("boxes=" + file + ": categories " + boxes.categories() + " differ from the model's " + fixedClasses);
        }
        o.optBoxes(boxes);
        return new TaskData(boxes.categories(), false, o);
      }
      default:
        throw new IllegalArgumentException(task.toString());
    }
  }
}
