package org.mflag.train;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mflag.runtime.Cluster;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * Puts each data-parallel replica's backward pass on the replica's device. The forward ops of replica k are
 * built in the name scope {@code replica<k>} on its device; {@code Graph.addGradients} then adds the
 * gradient ops (named {@code Gradients/ReluGrad_12}, nothing of the replica in the name) with no device at
 * all, and TensorFlow's placer would run every replica's backward pass on the first device. So the
 * replica of each gradient op is followed through the data flow, in creation (topological) order: an op
 * whose inputs come from one replica only (its forward ops, or gradient ops already assigned to it)
 * belongs to that replica and gets its device through TensorFlow's C API ({@code TF_SetRequestedDevice})
 * before the graph's first session. Ops that combine replicas (the gradient sums of the shared variables)
 * and the optimiser stay where the placer puts them, with the variables.
 */
final class ReplicaPlacement {

  private static final Pattern REPLICA = Pattern.compile("(?:^|/)replica(\\d+)/");
  /** The name scope TensorFlow Java gives the ops that {@code Ops.gradients} adds. */
  private static final String GRADIENTS = "Gradients";

  private ReplicaPlacement() {}

  /** The name scope of replica {@code k}. */
  static String scope(int k) {
    return "replica" + k;
  }

  /** The replica an op belongs to by its name, or -1. */
  static int replicaOf(String opName) {
    Matcher m = REPLICA.matcher(opName);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Requests each replica's device for the gradient ops that belong to it alone; returns how many were placed. */
  static int placeGradients(Graph graph, List<DeviceSpec> replicas) {
    TF_Graph handle = Cluster.handle(graph);
    Map<String, Integer> owner = new HashMap<>();
    int placed = 0;
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext();) {
      GraphOperation op = it.next();
      int k = replicaOf(op.name());
      if (k >= 0) {
        owner.put(op.name(), k);
        continue;
      }
      if (!op.name().startsWith(GRADIENTS) || !op.device().isEmpty()) continue;
      Set<Integer> from = new HashSet<>();
      for (int i = 0; i < op.numInputs(); i++) {
        Integer r = owner.get(op.input(i).op().name());
        if (r != null) from.add(r);
      }
      if (from.size() != 1) continue;
      k = from.iterator().next();
      if (k >= replicas.size()) continue;
      tensorflow.TF_SetRequestedDevice(handle, op.getUnsafeNativeHandle(), replicas.get(k).toString());
      owner.put(op.name(), k);
      placed++;
    }
    return placed;
  }
}
