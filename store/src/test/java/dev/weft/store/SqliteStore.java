package dev.weft.store;

import dev.weft.query.MemoStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQLite candidate of the engine comparison (docs/adr/0037): the same in-memory index as
 * {@link LocalStore} (memo to row ids, loaded at open), trace and value bytes read per lookup with prepared
 * statements, a checkpoint as one transaction. WAL journal, {@code synchronous=FULL} (durable like
 * {@code LocalStore}'s default). Reads share one connection under a lock: SQLite connections are not
 * thread-safe. Not part of the library.
 */
final class SqliteStore implements MemoStore {
  private record Row(long rowid, Fingerprint digest, Fingerprint value) {}

  private final Connection db;
  private final Map<MemoId, List<Row>> index = new HashMap<>();
  private long checkpoint;
  private final PreparedStatement traceById;
  private final PreparedStatement valueByFp;

  SqliteStore(Path file) {
    try {
      db = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("CREATE TABLE IF NOT EXISTS traces (id INTEGER PRIMARY KEY, memo BLOB NOT NULL, digest BLOB NOT"
            + " NULL, value_fp BLOB NOT NULL, last_used INTEGER NOT NULL, trace BLOB NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS vals (fp BLOB PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID");
        s.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
        try (ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'checkpoint'")) {
          checkpoint = rs.next() ? rs.getLong(1) : 0;
        }
        try (ResultSet rs = s.executeQuery("SELECT id, memo, digest, value_fp FROM traces ORDER BY last_used DESC,"
            + " id DESC")) {
          while (rs.next()) {
            MemoId id = TraceFormat.readId(new DataInputStream(new ByteArrayInputStream(rs.getBytes(2))), 1 << 20);
            index.computeIfAbsent(id, k -> new ArrayList<>())
                .add(new Row(rs.getLong(1), fp(rs.getBytes(3)), fp(rs.getBytes(4))));
          }
        }
      }
      db.setAutoCommit(false);
      traceById = db.prepareStatement("SELECT trace FROM traces WHERE id = ?");
      valueByFp = db.prepareStatement("SELECT bytes FROM vals WHERE fp = ?");
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized List<Trace> traces(MemoId id) {
    List<Row> rows = index.get(id);
    if (rows == null) {
      return List.of();
    }
    List<Trace> out = new ArrayList<>();
    try {
      for (Row r : rows) {
        traceById.setLong(1, r.rowid);
        try (ResultSet rs = traceById.executeQuery()) {
          if (rs.next()) {
            out.add(TraceFormat.read(new DataInputStream(new ByteArrayInputStream(rs.getBytes(1))), 1 << 24,
                () -> load(r.value)));
          }
        }
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private synchronized byte[] load(Fingerprint fp) {
    try {
      valueByFp.setBytes(1, bytes(fp));
      try (ResultSet rs = valueByFp.executeQuery()) {
        return rs.next() ? rs.getBytes(1) : null;
      }
    } catch (SQLException e) {
      return null;
    }
  }

  @Override
  public synchronized void write(List<Trace> added, List<Trace> used) {
    long c = ++checkpoint;
    try (PreparedStatement insVal = db.prepareStatement("INSERT OR IGNORE INTO vals (fp, bytes) VALUES (?, ?)");
         PreparedStatement insTrace = db.prepareStatement(
             "INSERT INTO traces (memo, digest, value_fp, last_used, trace) VALUES (?, ?, ?, ?, ?)",
             Statement.RETURN_GENERATED_KEYS);
         PreparedStatement touch = db.prepareStatement("UPDATE traces SET last_used = ? WHERE id = ?");
         PreparedStatement meta = db.prepareStatement("INSERT OR REPLACE INTO meta (k, v) VALUES ('checkpoint', ?)")) {
      List<Trace> all = new ArrayList<>(added);
      all.addAll(used);
      for (Trace t : all) {
        Row existing = find(t.id(), t.digest());
        if (existing != null) {
          touch.setLong(1, c);
          touch.setLong(2, existing.rowid);
          touch.addBatch();
          continue;
        }
        insVal.setBytes(1, bytes(t.value()));
        insVal.setBytes(2, t.loadValue());
        insVal.executeUpdate();
        ByteArrayOutputStream id = new ByteArrayOutputStream();
        TraceFormat.writeId(t.id(), new DataOutputStream(id));
        ByteArrayOutputStream tr = new ByteArrayOutputStream();
        TraceFormat.write(t, new DataOutputStream(tr));
        insTrace.setBytes(1, id.toByteArray());
        insTrace.setBytes(2, bytes(t.digest()));
        insTrace.setBytes(3, bytes(t.value()));
        insTrace.setLong(4, c);
        insTrace.setBytes(5, tr.toByteArray());
        insTrace.executeUpdate();
        try (ResultSet keys = insTrace.getGeneratedKeys()) {
          keys.next();
          index.computeIfAbsent(t.id(), k -> new ArrayList<>()).add(0, new Row(keys.getLong(1), t.digest(),
              t.value()));
        }
      }
      touch.executeBatch();
      meta.setLong(1, c);
      meta.executeUpdate();
      db.commit();
    } catch (SQLException | IOException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  private Row find(MemoId id, Fingerprint digest) {
    List<Row> rows = index.get(id);
    if (rows != null) {
      for (Row r : rows) {
        if (r.digest.equals(digest)) {
          return r;
        }
      }
    }
    return null;
  }

  @Override
  public Stats stats() {
    return Stats.ZERO;
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException ignored) {
      // comparison only
    }
  }

  static byte[] bytes(Fingerprint f) {
    return ByteBuffer.allocate(16).putLong(f.high()).putLong(f.low()).array();
  }

  static Fingerprint fp(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b);
    return new Fingerprint(bb.getLong(), bb.getLong());
  }
}
