package org.mflag.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.mflag.retrieval.RetrievalIndex;

/**
 * How fast a retrieval index answers a query at archive scale: a random index of {@code entries} unit vectors
 * (the package's projection size), the median time of a top-10 search, against the time the machine needs just
 * to read the matrix once on every core (a parallel sum over it): the memory-bound floor of any exact scan.
 */
final class RetrievalBenchmark {

  /** The figures of one run. */
  static final class Result {
    int entries;
    int dimension;
    double secondsPerQuery;
    double readSeconds;
    double overRead;
  }

  private RetrievalBenchmark() {}

  static Result run(int entries, int dimension, int queries) {
    Random r = new Random(7);
    float[] vectors = new float[Math.multiplyExact(entries, dimension)];
    for (int i = 0; i < vectors.length; i++) vectors[i] = (float) r.nextGaussian();
    List<String> ids = new ArrayList<>(Collections.nCopies(entries, "x"));
    RetrievalIndex index = new RetrievalIndex(ids, ids, ids, vectors, vectors, dimension, "benchmark");
    float[] q = new float[dimension];
    List<Double> search = new ArrayList<>(), read = new ArrayList<>();
    for (int t = 0; t < queries + 1; t++) {
      for (int j = 0; j < dimension; j++) q[j] = (float) r.nextGaussian();
      long s0 = System.nanoTime();
      index.search(q, RetrievalIndex.Side.IMAGES, 10);
      long s1 = System.nanoTime();
      double sum = readAll(vectors);
      long s2 = System.nanoTime();
      if (Double.isNaN(sum)) throw new IllegalStateException("NaN in the benchmark index");
      if (t == 0) continue; // warm-up
      search.add((s1 - s0) / 1e9);
      read.add((s2 - s1) / 1e9);
    }
    Collections.sort(search);
    Collections.sort(read);
    Result res = new Result();
    res.entries = entries;
    res.dimension = dimension;
    res.secondsPerQuery = search.get(search.size() / 2);
    res.readSeconds = read.get(read.size() / 2);
    res.overRead = res.secondsPerQuery / res.readSeconds;
    return res;
  }

  /** A parallel sum over every value: reads the matrix once. */
  private static double readAll(float[] v) {
    int blocks = Runtime.getRuntime().availableProcessors() * 4;
    return java.util.stream.IntStream.range(0, blocks).parallel().mapToDouble(b -> {
      int from = (int) ((long) v.length * b / blocks), to = (int) ((long) v.length * (b + 1) / blocks);
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int i = from;
      for (; i + 3 < to; i += 4) {
        s0 += v[i];
        s1 += v[i + 1];
        s2 += v[i + 2];
        s3 += v[i + 3];
      }
      for (; i < to; i++) s0 += v[i];
      return (double) s0 + s1 + s2 + s3;
    }).sum();
  }

  /** {@code java ... org.mflag.bench.RetrievalBenchmark [entries] [dimension]}: this part alone. */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int d = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    Result r = run(n, d, 5);
    System.out.printf(java.util.Locale.ROOT, "%,d x %d index: top-10 search %.3f s per query (median of 5); reading the matrix once %.3f s;"
        + " search / read = %.2f%n", r.entries, r.dimension, r.secondsPerQuery, r.readSeconds, r.overRead);
  }
}
