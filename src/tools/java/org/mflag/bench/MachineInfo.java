package org.mflag.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the benchmark records about the machine (Linux {@code /proc}; "unknown" elsewhere). */
final class MachineInfo {

  private MachineInfo() {}

  static String cpuModel() {
    return procField(Path.of("/proc/cpuinfo"), "model name", "unknown CPU");
  }

  /**
   * The CPU as its vendor numbers it, so that every figure names its machine: e.g. {@code AuthenticAMD family 26 model 2
   * (Zen 5), avx2 fma avx512f avx512_bf16} (family 25 is Zen 3 and Zen 4, 26 Zen 5).
   */
  static String cpuIdentity() {
    Path info = Path.of("/proc/cpuinfo");
    String family = procField(info, "cpu family", "?");
    String flags = " " + procField(info, "flags", "") + " ";
    StringBuilder f = new StringBuilder();
    for (String k : new String[] {"avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"}) {
      if (flags.contains(" " + k + " ")) f.append(f.length() == 0 ? "" : " ").append(k);
    }
    String vendor = procField(info, "vendor_id", "?");
    String zen = !vendor.equals("AuthenticAMD") ? "" : family.equals("26") ? " (Zen 5)" : family.equals("25")
        ? (flags.contains(" avx512f ") ? " (Zen 4)" : " (Zen 3)") : family.equals("23") ? " (Zen 1/2)" : "";
    return vendor + " family " + family + " model " + procField(info, "model\t", "?") + zen + ", " + f;
  }

  static long memoryBytes() {
    String kb = procField(Path.of("/proc/meminfo"), "MemTotal", "-1 kB");
    try {
      return Long.parseLong(kb.replace("kB", "").trim()) * 1024;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** File-name-safe: CPU model words and core count, e.g. {@code amd-epyc-2c}. */
  static String slug() {
    String cpu = cpuModel().toLowerCase(Locale.ROOT).replaceAll("\\((r|tm)\\)", "").replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    String[] words = cpu.split("-");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(4, words.length); i++) b.append(i > 0 ? "-" : "").append(words[i]);
    return b + "-" + Runtime.getRuntime().availableProcessors() + "c";
  }

  /** The CPU's theoretical arithmetic peak, from its features, family and clock as Linux reports them. */
  static final class TheoreticalPeak {
    double fp32FlopsPerSecond;
    /** With AVX512_BF16 (two bfloat16 products per fp32 lane) or AMX; 0 where bfloat16 is not native. */
    double bf16FlopsPerSecond;
    double clockHz;
    int cores;
    int fp32LanesPerFma;
    int fmaUnitsPerCore;
    String derivation;
  }

  /**
   * cores x FMA units per core x fp32 lanes per unit x 2 (a fused multiply-add is two operations) x clock. The vector
   * width comes from the flags (avx512f: 16 lanes, avx2 + fma: 8); the number of FMA units and the width they really
   * execute at from the family: AMD Zen 2 to Zen 4 execute two 256-bit FMAs per cycle (Zen 4 splits AVX-512 in halves),
   * Zen 5 two 512-bit ones; Intel cores with AVX-512 are taken as two 512-bit units (Xeon Gold/Platinum; some
   * Silver/Bronze have one), with AVX2 two 256-bit units. The clock is the highest Linux states (cpufreq's maximum,
   * else {@code cpu MHz}, which in a virtual machine is the nominal clock: boost can make a measured GEMM beat this).
   */
  static TheoreticalPeak theoreticalPeak() {
    TheoreticalPeak p = new TheoreticalPeak();
    String flags = " " + procField(Path.of("/proc/cpuinfo"), "flags", "") + " ";
    String vendor = procField(Path.of("/proc/cpuinfo"), "vendor_id", "");
    int family = parseInt(procField(Path.of("/proc/cpuinfo"), "cpu family", "0"));
    p.cores = Runtime.getRuntime().availableProcessors();
    boolean avx512 = flags.contains(" avx512f "), avx2 = flags.contains(" avx2 ") && flags.contains(" fma ");
    int datapathLanes; // fp32 lanes one FMA unit really executes per cycle
    String unit;
    if ("AuthenticAMD".equals(vendor) && family >= 0x1A) {
      datapathLanes = avx512 ? 16 : 8;
      unit = "AMD Zen 5: two " + datapathLanes * 32 + "-bit FMA units";
    } else if ("AuthenticAMD".equals(vendor) && family >= 0x17) {
      datapathLanes = avx2 ? 8 : 4;
      unit = "AMD Zen 2-4 (family " + family + "): two 256-bit FMA units" + (avx512 ? ", AVX-512 executed as two halves" : "");
    } else if (avx512) {
      datapathLanes = 16;
      unit = "AVX-512: two 512-bit FMA units assumed (Xeon Gold/Platinum; one on some Silver/Bronze)";
    } else if (avx2) {
      datapathLanes = 8;
      unit = "AVX2 + FMA: two 256-bit FMA units";
    } else {
      datapathLanes = 4;
      unit = "SSE: two 128-bit units (multiply and add)";
    }
    p.fmaUnitsPerCore = 2;
    p.fp32LanesPerFma = datapathLanes;
    long maxKhz = parseInt(readFirstLine(Path.of("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")));
    double mhz = parseDouble(procField(Path.of("/proc/cpuinfo"), "cpu MHz", "0"));
    String clock;
    if (maxKhz > 0) {
      p.clockHz = maxKhz * 1e3;
      clock = "cpufreq's maximum clock";
    } else {
      p.clockHz = mhz * 1e6;
      clock = "the clock in /proc/cpuinfo (no cpufreq: a virtual machine's nominal clock)";
    }
    p.fp32FlopsPerSecond = p.cores * p.fmaUnitsPerCore * datapathLanes * 2.0 * p.clockHz;
    boolean amx = flags.contains(" amx_bf16 "), bf16 = flags.contains(" avx512_bf16 ");
    // AMX: 1024 bfloat16 multiply-adds per cycle and core (Sapphire Rapids); AVX512_BF16: two products per fp32 lane
    p.bf16FlopsPerSecond = amx ? p.cores * 1024 * 2.0 * p.clockHz : bf16 ? 2 * p.fp32FlopsPerSecond : 0;
    p.derivation = String.format(Locale.ROOT, "%d cores x %s x %d fp32 lanes x 2 x %.2f GHz (%s)%s", p.cores, unit, datapathLanes,
        p.clockHz / 1e9, clock, amx ? "; bfloat16 by AMX" : bf16 ? "; bfloat16 by AVX512_BF16 at twice the fp32 rate" : "");
    return p;
  }

  private static int parseInt(String s) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static double parseDouble(String s) {
    try {
      return Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String readFirstLine(Path f) {
    try {
      return Files.readAllLines(f, StandardCharsets.US_ASCII).get(0);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static String procField(Path file, String field, String otherwise) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException | RuntimeException e) {
      return otherwise;
    }
    return otherwise;
  }
}
