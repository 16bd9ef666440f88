package org.mflag.updatesite;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.mflag.io.Archives;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * An update site's {@code db.xml.gz}: one {@link FileRecord} per file, as imagej-updater's {@code XMLFileWriter}
 * writes a site's index (read at imagej/imagej-updater ea5f12e): gzip'd UTF-8, the updater's DTD, then
 * {@code <pluginRecords>} with a {@code <plugin filename=...>} per file holding its platforms, categories, the current
 * {@code <version checksum timestamp filesize>} with description, dependencies, links and authors, and the
 * {@code <previous-version>}s. A site's index has no {@code <update-site>} elements (those are the local index's).
 *
 * <p>Reading treats the file as untrusted: no external entity or DTD is fetched, and every record must carry the
 * attributes the updater needs (filename; checksum, timestamp and file size of each version), or the reader names the
 * file, the record and what is missing.</p>
 */
public final class SiteIndex {

  /** The index's name inside a site. */
  public static final String NAME = "db.xml.gz";

  /** imagej-updater's DTD ({@code XMLFileWriter.DTD}), written as it writes it. */
  static final String DTD = String.join("\n",
      "<!DOCTYPE pluginRecords [",
      "<!ELEMENT pluginRecords ((update-site | disabled-update-site)*, plugin*)>",
      "<!ELEMENT update-site EMPTY>",
      "<!ELEMENT disabled-update-site EMPTY>",
      "<!ELEMENT plugin (platform*, category*, version?, previous-version*)>",
      "<!ELEMENT version (description?, dependency*, link*, author*)>",
      "<!ELEMENT previous-version EMPTY>",
      "<!ELEMENT description (#PCDATA)>",
      "<!ELEMENT dependency EMPTY>",
      "<!ELEMENT link (#PCDATA)>",
      "<!ELEMENT author (#PCDATA)>",
      "<!ELEMENT platform (#PCDATA)>",
      "<!ELEMENT category (#PCDATA)>",
      "<!ATTLIST update-site name CDATA #REQUIRED>",
      "<!ATTLIST update-site url CDATA #REQUIRED>",
      "<!ATTLIST update-site keep-url CDATA #IMPLIED>",
      "<!ATTLIST update-site official CDATA #IMPLIED>",
      "<!ATTLIST update-site ssh-host CDATA #IMPLIED>",
      "<!ATTLIST update-site upload-directory CDATA #IMPLIED>",
      "<!ATTLIST update-site description CDATA #IMPLIED>",
      "<!ATTLIST update-site maintainer CDATA #IMPLIED>",
      "<!ATTLIST update-site timestamp CDATA #REQUIRED>",
      "<!ATTLIST disabled-update-site name CDATA #REQUIRED>",
      "<!ATTLIST disabled-update-site url CDATA #REQUIRED>",
      "<!ATTLIST disabled-update-site keep-url CDATA #IMPLIED>",
      "<!ATTLIST disabled-update-site official CDATA #IMPLIED>",
      "<!ATTLIST disabled-update-site ssh-host CDATA #IMPLIED>",
      "<!ATTLIST disabled-update-site upload-directory CDATA #IMPLIED>",
      "<!ATTLIST disabled-update-site description CDATA #IMPLIED>",
      "<!ATTLIST disabled-update-site maintainer CDATA #IMPLIED>",
      "<!ATTLIST disabled-update-site timestamp CDATA #REQUIRED>",
      "<!ATTLIST plugin update-site CDATA #IMPLIED>",
      "<!ATTLIST plugin filename CDATA #REQUIRED>",
      "<!ATTLIST plugin executable CDATA #IMPLIED>",
      "<!ATTLIST dependency filename CDATA #REQUIRED>",
      "<!ATTLIST dependency timestamp CDATA #IMPLIED>",
      "<!ATTLIST dependency overrides CDATA #IMPLIED>",
      "<!ATTLIST version timestamp CDATA #REQUIRED>",
      "<!ATTLIST version checksum CDATA #REQUIRED>",
      "<!ATTLIST version filesize CDATA #REQUIRED>",
      "<!ATTLIST previous-version filename CDATA #IMPLIED>",
      "<!ATTLIST previous-version timestamp CDATA #REQUIRED>",
      "<!ATTLIST previous-version timestamp-obsolete CDATA #IMPLIED>",
      "<!ATTLIST previous-version checksum CDATA #REQUIRED>]>");

  /** A version of a file: the current one, or (with {@link #obsoleteSince}) an earlier one. */
  public static final class Version {
    public final String filename;
    public final String checksum;
    /** yyyyMMddHHmmss: also the suffix of the file's name on the site. */
    public final long timestamp;
    public final long filesize;
    /** When a newer version replaced it (previous versions only; 0 = unknown). */
    public final long obsoleteSince;

    public Version(String filename, String checksum, long timestamp, long filesize, long obsoleteSince) {
      this.filename = Objects.requireNonNull(filename);
      this.checksum = Objects.requireNonNull(checksum);
      this.timestamp = timestamp;
      this.filesize = filesize;
      this.obsoleteSince = obsoleteSince;
    }

    /** The file's name on the site: {@code jars/foo-1.0.jar-20261207101500}. */
    public String siteName() {
      return filename + "-" + timestamp;
    }
  }

  /** A dependency of a version: the file it needs and that file's timestamp. */
  public static final class Dependency {
    public final String filename;
    public final long timestamp;

    public Dependency(String filename, long timestamp) {
      this.filename = filename;
      this.timestamp = timestamp;
    }
  }

  /**
   * One {@code <plugin>} record: a file's current version (null once the file was removed from the site, which makes
   * the updater delete it) and the versions before it, with what describes the current one.
   */
  public static final class FileRecord {
    public final String filename;
    public final List<String> platforms;
    public final List<String> categories;
    public final Version current;
    public final String description;
    public final List<Dependency> dependencies;
    public final List<String> links;
    public final List<String> authors;
    public final List<Version> previous;

    FileRecord(Builder b) {
      filename = b.filename;
      platforms = List.copyOf(b.platforms);
      categories = List.copyOf(b.categories);
      current = b.current;
      description = b.description;
      dependencies = List.copyOf(b.dependencies);
      links = List.copyOf(b.links);
      authors = List.copyOf(b.authors);
      previous = List.copyOf(b.previous);
    }

    public static Builder builder(String filename) {
      return new Builder(filename);
    }

    /** Builds a record; {@code set}/{@code opt} as elsewhere in the project. */
    public static final class Builder {
      private final String filename;
      private final List<String> platforms = new ArrayList<>();
      private final List<String> categories = new ArrayList<>();
      private Version current;
      private String description;
      private final List<Dependency> dependencies = new ArrayList<>();
      private final List<String> links = new ArrayList<>();
      private final List<String> authors = new ArrayList<>();
      private final List<Version> previous = new ArrayList<>();

      Builder(String filename) {
        this.filename = Objects.requireNonNull(filename);
      }

      public Builder optPlatform(String p) { platforms.add(p); return this; }
      public Builder optCategory(String c) { categories.add(c); return this; }
      public Builder setCurrent(Version v) { current = v; return this; }
      public Builder optDescription(String d) { description = d; return this; }
      public Builder optDependency(Dependency d) { dependencies.add(d); return this; }
      public Builder optLink(String l) { links.add(l); return this; }
      public Builder optAuthor(String a) { authors.add(a); return this; }
      public Builder optPrevious(Version v) { previous.add(v); return this; }

      public FileRecord build() {
        if (current != null && !current.filename.equals(filename)) {
          throw new IllegalArgumentException(filename + ": the current version is named " + current.filename);
        }
        return new FileRecord(this);
      }
    }
  }

  private SiteIndex() {}

  /** Reads {@code site/db.xml.gz}; a site without one has no records. */
  public static List<FileRecord> read(Path site) throws IOException {
    Path db = site.resolve(NAME);
    byte[] xml;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(db))) {
      xml = in.readAllBytes();
    } catch (NoSuchFileException e) {
      return Collections.emptyList();
    } catch (ZipException | java.io.EOFException e) {
      throw new IOException(db + ": not a gzip file (" + e.getMessage() + ")", e);
    }
    return parse(xml, db);
  }

  static List<FileRecord> parse(byte[] xml, Path db) throws IOException {
    Document doc;
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      doc = b.parse(new ByteArrayInputStream(xml));
    } catch (SAXException e) {
      throw new IOException(db + ": not the XML of an update site (" + e.getMessage() + ")", e);
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
    Element root = doc.getDocumentElement();
    if (!root.getTagName().equals("pluginRecords")) {
      throw new IOException(db + ": the root element is <" + root.getTagName() + ">, not <pluginRecords>");
    }
    List<FileRecord> out = new ArrayList<>();
    for (Element p : children(root, "plugin")) {
      String filename = p.getAttribute("filename");
      if (filename.isEmpty()) throw new IOException(db + ": a <plugin> record has no filename");
      FileRecord.Builder b = FileRecord.builder(filename);
      for (Element e : children(p, "platform")) {
        for (String s : e.getTextContent().split(",")) if (!s.isBlank()) b.optPlatform(s.trim());
      }
      for (Element e : children(p, "category")) b.optCategory(e.getTextContent().trim());
      List<Element> versions = children(p, "version");
      if (versions.size() > 1) throw new IOException(db + ": " + filename + " has " + versions.size() + " <version> elements");
      if (!versions.isEmpty()) {
        Element v = versions.get(0);
        b.setCurrent(new Version(filename, required(v, "checksum", db, filename), number(v, "timestamp", db, filename),
            number(v, "filesize", db, filename), 0));
        for (Element e : children(v, "description")) b.optDescription(e.getTextContent().trim());
        for (Element e : children(v, "dependency")) {
          b.optDependency(new Dependency(required(e, "filename", db, filename), e.hasAttribute("timestamp") ? number(e, "timestamp", db, filename) : 0));
        }
        for (Element e : children(v, "link")) b.optLink(e.getTextContent().trim());
        for (Element e : children(v, "author")) b.optAuthor(e.getTextContent().trim());
      }
      for (Element e : children(p, "previous-version")) {
        String name = e.hasAttribute("filename") ? e.getAttribute("filename") : filename;
        b.optPrevious(new Version(name, required(e, "checksum", db, filename), number(e, "timestamp", db, filename),
            e.hasAttribute("filesize") ? number(e, "filesize", db, filename) : -1,
            e.hasAttribute("timestamp-obsolete") ? number(e, "timestamp-obsolete", db, filename) : 0));
      }
      out.add(b.build());
    }
    return out;
  }

  private static List<Element> children(Element parent, String tag) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element && ((Element) n).getTagName().equals(tag)) out.add((Element) n);
    }
    return out;
  }

  private static String required(Element e, String attribute, Path db, String record) throws IOException {
    String v = e.getAttribute(attribute);
    if (v.isEmpty()) throw new IOException(db + ": " + record + ": <" + e.getTagName() + "> has no " + attribute);
    return v;
  }

  private static long number(Element e, String attribute, Path db, String record) throws IOException {
    String v = required(e, attribute, db, record);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException x) {
      throw new IOException(db + ": " + record + ": <" + e.getTagName() + "> " + attribute + "='" + v + "' is not a number");
    }
  }

  /** Writes {@code records} as {@code site/db.xml.gz}, replacing the old index in one move. */
  public static void write(List<FileRecord> records, Path site) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bytes); Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8)) {
      XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(w);
      x.writeStartDocument("UTF-8", "1.0");
      x.writeCharacters("\n");
      x.writeDTD(DTD);
      x.writeCharacters("\n");
      x.writeStartElement("pluginRecords");
      for (FileRecord r : records) writeRecord(x, r);
      x.writeCharacters("\n");
      x.writeEndElement();
      x.writeCharacters("\n");
      x.writeEndDocument();
      x.close();
    } catch (XMLStreamException e) {
      throw new IOException(site.resolve(NAME) + ": cannot be written (" + e.getMessage() + ")", e);
    }
    Archives.writeAtomically(site.resolve(NAME), bytes.toByteArray());
  }

  private static void writeRecord(XMLStreamWriter x, FileRecord r) throws XMLStreamException {
    indent(x, 1);
    x.writeStartElement("plugin");
    x.writeAttribute("filename", r.filename);
    for (String p : r.platforms) text(x, 2, "platform", p);
    for (String c : r.categories) text(x, 2, "category", c);
    if (r.current != null) {
      indent(x, 2);
      boolean empty = r.description == null && r.dependencies.isEmpty() && r.links.isEmpty() && r.authors.isEmpty();
      if (empty) x.writeEmptyElement("version");
      else x.writeStartElement("version");
      x.writeAttribute("checksum", r.current.checksum);
      x.writeAttribute("timestamp", String.valueOf(r.current.timestamp));
      x.writeAttribute("filesize", String.valueOf(r.current.filesize));
      if (!empty) {
        if (r.description != null) text(x, 3, "description", r.description);
        for (Dependency d : r.dependencies) {
          indent(x, 3);
          x.writeEmptyElement("dependency");
          x.writeAttribute("filename", d.filename);
          x.writeAttribute("timestamp", String.valueOf(d.timestamp));
        }
        for (String l : r.links) text(x, 3, "link", l);
        for (String a : r.authors) text(x, 3, "author", a);
        indent(x, 2);
        x.writeEndElement();
      }
    }
    for (Version v : r.previous) {
      indent(x, 2);
      x.writeEmptyElement("previous-version");
      x.writeAttribute("timestamp", String.valueOf(v.timestamp));
      x.writeAttribute("timestamp-obsolete", String.valueOf(v.obsoleteSince));
      x.writeAttribute("checksum", v.checksum);
      x.writeAttribute("filename", v.filename);
    }
    indent(x, 1);
    x.writeEndElement();
  }

  private static void text(XMLStreamWriter x, int depth, String tag, String value) throws XMLStreamException {
    indent(x, depth);
    x.writeStartElement(tag);
    x.writeCharacters(value);
    x.writeEndElement();
  }

  private static void indent(XMLStreamWriter x, int depth) throws XMLStreamException {
    x.writeCharacters("\n" + "    ".repeat(depth));
  }
}
