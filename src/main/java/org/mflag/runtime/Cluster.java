package org.mflag.runtime;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.mflag.config.Key;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Server;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * Several processes (nodes) training one model through TensorFlow's own distributed runtime: every process
 * is one task of the job {@code worker}, starts TensorFlow's gRPC server for it ({@code TF_NewServer}) and runs
 * its own copy of the step in a session on that server; the copies meet in collective ops (all-gather,
 * all-reduce), whose groups task 0 leads. TensorFlow Java's {@code Session} takes no target, so the session is
 * made with the C API ({@code TF_SetTarget}, {@code TF_NewSession}) and wrapped in TensorFlow Java's
 * {@code Session}. A started server cannot be stopped: it ends with its process.
 */
public final class Cluster {

  public static final String JOB = "worker";

  public static final Key CLUSTER = Key.text("cluster", "auto", "pre-training across processes (nodes): host:port of every "
      + "task's TensorFlow server, in rank order; auto = from SLURM (srun, one task per node, port cluster_port) when "
      + "SLURM_NTASKS > 1, else this process alone; none = this process alone").operational();
  public static final Key RANK = Key.integer("rank", "auto", "this process's task in cluster; auto = SLURM_PROCID, else 0")
      .atLeast(0).orAuto().operational();
  public static final Key PORT = Key.integer("cluster_port", "29500", "port of every task's TensorFlow server when the cluster "
      + "comes from SLURM").atLeast(1).atMost(65535).operational();
  public static final Key TIMEOUT = Key.integer("cluster_timeout", "600", "seconds a task waits for the others within a step "
      + "before it stops with an error (another task died or hangs)").atLeast(1).operational();

  private final List<String> addresses;
  private final int rank;
  private String target;

  /** Task {@code rank} of a cluster whose tasks listen at {@code addresses} (host:port, in rank order). */
  public Cluster(List<String> addresses, int rank) {
    if (addresses.isEmpty()) throw new IllegalArgumentException("a cluster needs at least one address");
    if (rank < 0 || rank >= addresses.size()) {
      throw new IllegalArgumentException("rank " + rank + " is not in the cluster of " + addresses.size() + " (0.." + (addresses.size() - 1) + ")");
    }
    for (String a : addresses) {
      if (!a.matches("[A-Za-z0-9._\\-\\[\\]:]+:\\d{1,5}")) throw new IllegalArgumentException("cluster address '" + a + "': expected host:port");
    }
    this.addresses = Collections.unmodifiableList(new ArrayList<>(addresses));
    this.rank = rank;
  }

  /**
   * The cluster that {@code cluster}, {@code rank} and {@code port} (the keys' values) describe, reading SLURM's
   * variables from {@code env} for {@code auto}; null for a process alone.
   */
  public static Cluster resolve(String cluster, String rank, int port, Map<String, String> env) {
    List<String> addresses;
    if (cluster.equals("none") || cluster.isEmpty()) return null;
    if (cluster.equals(Key.AUTO)) {
      int tasks = Integer.parseInt(env.getOrDefault("SLURM_NTASKS", env.getOrDefault("SLURM_NPROCS", "1")).trim());
      if (tasks <= 1) return null;
      String nodes = env.getOrDefault("SLURM_JOB_NODELIST", env.getOrDefault("SLURM_NODELIST", ""));
      List<String> hosts = expandNodeList(nodes);
      if (hosts.size() != tasks) {
        throw new IllegalArgumentException("cluster=auto: SLURM runs " + tasks + " tasks on " + hosts.size() + " nodes (" + nodes
            + "); run one task per node (srun --ntasks-per-node=1) or give cluster=host:port,... explicitly");
      }
      addresses = new ArrayList<>();
      for (String h : hosts) addresses.add(h + ":" + port);
    } else {
      addresses = new ArrayList<>();
      for (String a : cluster.split(",")) addresses.add(a.trim());
      if (addresses.size() == 1) return null;
    }
    int r;
    if (rank.equals(Key.AUTO)) {
      String procId = env.get("SLURM_PROCID");
      if (procId == null && !cluster.equals(Key.AUTO)) {
        throw new IllegalArgumentException("cluster=" + cluster + ": give this process's rank=0.." + (addresses.size() - 1));
      }
      r = procId == null ? 0 : Integer.parseInt(procId.trim());
    } else {
      r = Integer.parseInt(rank);
    }
    return new Cluster(addresses, r);
  }

  /** SLURM's compressed host list ({@code node[01-03,07],gpu5}) as host names, in order. */
  static List<String> expandNodeList(String list) {
    List<String> hosts = new ArrayList<>();
    Matcher m = Pattern.compile("([^,\\[]+)(?:\\[([^\\]]*)\\])?").matcher(list.trim());
    while (m.find()) {
      String prefix = m.group(1);
      if (m.group(2) == null) {
        hosts.add(prefix);
        continue;
      }
      for (String range : m.group(2).split(",")) {
        String[] ends = range.split("-");
        if (ends.length == 1) {
          hosts.add(prefix + ends[0]);
          continue;
        }
        int width = ends[0].length();
        for (int i = Integer.parseInt(ends[0]); i <= Integer.parseInt(ends[1]); i++) hosts.add(prefix + String.format("%0" + width + "d", i));
      }
    }
    return hosts;
  }

  public int rank() {
    return rank;
  }

  public int size() {
    return addresses.size();
  }

  public List<String> addresses() {
    return addresses;
  }

  /** This task's device prefix, {@code /job:worker/replica:0/task:<rank>}. */
  public String taskDevice() {
    return taskDevice(rank);
  }

  static String taskDevice(int task) {
    return "/job:" + JOB + "/replica:0/task:" + task;
  }

  /**
   * The session configuration on top of {@code local}: collectives led by task 0, and only this task's devices in the
   * session (each task runs its own copy of the step; the tasks meet only in collective ops).
   */
  public ConfigProto config(ConfigProto local) {
    return local.toBuilder().clearDeviceFilters().addDeviceFilters(taskDevice())
        .setExperimental(local.getExperimental().toBuilder().setCollectiveGroupLeader(taskDevice(0))).build();
  }

  /** Starts this task's gRPC server (once per process); its devices follow {@code local}'s device counts. */
  public synchronized void start(ConfigProto local) {
    if (target != null) return;
    TensorFlowRuntime.ensureLoaded();
    JobDef.Builder job = JobDef.newBuilder().setName(JOB);
    for (int i = 0; i < addresses.size(); i++) job.putTasks(i, addresses.get(i));
    ServerDef def = ServerDef.newBuilder().setCluster(ClusterDef.newBuilder().addJob(job)).setJobName(JOB).setTaskIndex(rank)
        .setProtocol("grpc").setDefaultSessionConfig(config(local)).build();
    byte[] bytes = def.toByteArray();
    TF_Status status = tensorflow.TF_NewStatus();
    try {
      TF_Server server = tensorflow.TF_NewServer(new BytePointer(bytes), bytes.length, status);
      check(status, "starting the TensorFlow server of rank " + rank + " at " + addresses.get(rank));
      tensorflow.TF_ServerStart(server, status);
      check(status, "starting the TensorFlow server of rank " + rank + " at " + addresses.get(rank));
      target = tensorflow.TF_ServerTarget(server).getString();
    } finally {
      tensorflow.TF_DeleteStatus(status);
    }
  }

  /** A session on this task's server for {@code graph} ({@link #start} first). */
  public Session open(Graph graph, ConfigProto local) {
    if (target == null) start(local);
    byte[] config = config(local).toByteArray();
    TF_Status status = tensorflow.TF_NewStatus();
    TF_SessionOptions options = tensorflow.TF_NewSessionOptions();
    try {
      tensorflow.TF_SetTarget(options, target);
      tensorflow.TF_SetConfig(options, new BytePointer(config), config.length, status);
      check(status, "configuring the session of rank " + rank);
      TF_Session session = tensorflow.TF_NewSession(handle(graph), options, status);
      check(status, "opening the session of rank " + rank + " on " + target);
      Constructor<Session> wrap = Session.class.getDeclaredConstructor(Graph.class, TF_Session.class);
      wrap.setAccessible(true);
      return wrap.newInstance(graph, session);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("TensorFlow Java " + Graph.class.getPackage().getImplementationVersion()
          + " no longer wraps a native session (Session(Graph, TF_Session)): " + e, e);
    } finally {
      tensorflow.TF_DeleteSessionOptions(options);
      tensorflow.TF_DeleteStatus(status);
    }
  }

  /** "rank 1 of 2 (cluster a:2222,b:2222)". */
  public String describe() {
    return "rank " + rank + " of " + addresses.size() + " (cluster " + String.join(",", addresses) + ")";
  }

  private static void check(TF_Status status, String what) {
    if (tensorflow.TF_GetCode(status) != 0) throw new IllegalStateException(what + ": " + tensorflow.TF_Message(status).getString());
  }

  /** The C handle of a graph (TensorFlow Java does not expose it; the graph stays open while it is used). */
  public static TF_Graph handle(Graph graph) {
    try {
      Field f = Graph.class.getDeclaredField("nativeHandle");
      f.setAccessible(true);
      return (TF_Graph) f.get(graph);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("TensorFlow Java no longer keeps Graph.nativeHandle: " + e, e);
    }
  }
}
