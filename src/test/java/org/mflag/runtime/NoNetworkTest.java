package org.mflag.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mflag.TestData;

/**
 * Starting TensorFlow through DJL opens no connection: a fresh JVM whose client sockets record their address and refuse
 * loads the engine. Without our defaults (the user sets DJL's switches to false) the same JVM tries EC2's metadata
 * address, 169.254.169.254, so the probe sees what it must.
 */
class NoNetworkTest {

  /**
   * The child: every client socket of the JVM records where it was to connect and is refused (DJL opens its HTTP
   * connections with {@code Proxy.NO_PROXY}, past any ProxySelector); then it loads TensorFlow, asks DJL for its
   * default engine as model loading does, and prints the addresses ("URL host:port"), one per line.
   */
  public static void main(String[] args) throws Exception {
    List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
    java.net.Socket.setSocketImplFactory(() -> new RefusingSocket(asked));
    TensorFlowRuntime.ensureLoaded();
    ai.djl.engine.Engine.getInstance();
    for (String a : asked) System.out.println("URL " + a);
    System.out.println("LOADED");
  }

  /** A socket that connects nowhere: it notes the address and fails. */
  private static final class RefusingSocket extends java.net.SocketImpl {
    private final List<String> asked;

    RefusingSocket(List<String> asked) {
      this.asked = asked;
    }

    private IOException refuse(String where) {
      asked.add(where);
      return new IOException("refused by the test: " + where);
    }

    @Override protected void create(boolean stream) {}
    @Override protected void connect(String host, int port) throws IOException { throw refuse(host + ":" + port); }
    @Override protected void connect(java.net.InetAddress address, int port) throws IOException { throw refuse(address + ":" + port); }
    @Override protected void connect(SocketAddress address, int timeout) throws IOException { throw refuse(String.valueOf(address)); }
    @Override protected void bind(java.net.InetAddress host, int port) throws IOException { throw new IOException("no bind"); }
    @Override protected void listen(int backlog) throws IOException { throw new IOException("no listen"); }
    @Override protected void accept(java.net.SocketImpl s) throws IOException { throw new IOException("no accept"); }
    @Override protected java.io.InputStream getInputStream() throws IOException { throw new IOException("not connected"); }
    @Override protected java.io.OutputStream getOutputStream() throws IOException { throw new IOException("not connected"); }
    @Override protected int available() { return 0; }
    @Override protected void close() {}
    @Override protected void sendUrgentData(int data) throws IOException { throw new IOException("not connected"); }
    @Override public void setOption(int optID, Object value) {}
    @Override public Object getOption(int optID) { return null; }
  }

  private static List<String> urlsAsked(String... jvmOptions) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(TestData.java(List.of(jvmOptions), NoNetworkTest.class, List.of())).redirectErrorStream(true);
    pb.environment().remove("OPT_OUT_TRACKING");
    pb.environment().remove("ai.djl.offline");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    assertTrue(out.contains("LOADED"), out);
    List<String> urls = new ArrayList<>();
    for (String line : out.split("\n")) if (line.startsWith("URL ")) urls.add(line.substring(4).trim());
    return urls;
  }

  @Test
  void loadingTensorFlowAsksForNoUrl() throws Exception {
    assertEquals(List.of(), urlsAsked());
  }

  @Test
  void theProbeSeesDjlsTrackingWhenAUserSwitchesItOn() throws Exception {
    List<String> urls = urlsAsked("-DOPT_OUT_TRACKING=false", "-Dai.djl.offline=false");
    assertTrue(urls.stream().anyMatch(u -> u.contains("169.254.169.254")), "DJL's tracking asks EC2's metadata address: " + urls);
  }
}
