package dev.weft.store;

import dev.weft.query.MemoStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The H2 MVStore candidate of the engine comparison (docs/adr/0037): maps of traces (key: memo and digest),
 * their last use, and values (key: fingerprint); the same in-memory index as {@link LocalStore}, built at
 * open from the keys; a checkpoint is one {@code commit}. Not part of the library.
 */
final class MvStoreStore implements MemoStore {
  private final MVStore store;
  private final MVMap<String, byte[]> traces;
  private final MVMap<String, Long> lastUsed;
  private final MVMap<String, byte[]> values;
  private final Map<MemoId, List<String>> index = new HashMap<>();
  private long checkpoint;

  MvStoreStore(Path file) {
    store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    traces = store.openMap("traces");
    lastUsed = store.openMap("lastUsed");
    values = store.openMap("values");
    Long c = store.<String, Long>openMap("meta").get("checkpoint");
    checkpoint = c == null ? 0 : c;
    try {
      for (String key : lastUsed.keySet()) {
        byte[] id = HexFormat.of().parseHex(key.substring(0, key.length() - 32));
        MemoId memo = TraceFormat.readId(new DataInputStream(new ByteArrayInputStream(id)), 1 << 20);
        index.computeIfAbsent(memo, k -> new ArrayList<>()).add(key);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String key(MemoId id, Fingerprint digest) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    TraceFormat.writeId(id, new DataOutputStream(b));
    return HexFormat.of().formatHex(b.toByteArray()) + digest;
  }

  @Override
  public List<Trace> traces(MemoId id) {
    List<String> keys = index.get(id);
    if (keys == null) {
      return List.of();
    }
    List<Trace> out = new ArrayList<>();
    for (String k : keys) {
      byte[] t = traces.get(k);
      if (t != null) {
        try {
          Trace[] holder = new Trace[1];
          holder[0] = TraceFormat.read(new DataInputStream(new ByteArrayInputStream(t)), 1 << 24,
              () -> values.get(holder[0].value().toString()));
          out.add(holder[0]);
        } catch (IOException e) {
          // skip
        }
      }
    }
    return out;
  }

  @Override
  public synchronized void write(List<Trace> added, List<Trace> used) {
    long c = ++checkpoint;
    try {
      List<Trace> all = new ArrayList<>(added);
      all.addAll(used);
      for (Trace t : all) {
        String k = key(t.id(), t.digest());
        if (lastUsed.containsKey(k)) {
          lastUsed.put(k, c);
          continue;
        }
        values.putIfAbsent(t.value().toString(), t.loadValue());
        ByteArrayOutputStream tr = new ByteArrayOutputStream();
        TraceFormat.write(t, new DataOutputStream(tr));
        traces.put(k, tr.toByteArray());
        lastUsed.put(k, c);
        index.computeIfAbsent(t.id(), x -> new ArrayList<>()).add(0, k);
      }
      store.<String, Long>openMap("meta").put("checkpoint", c);
      store.commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Stats stats() {
    return Stats.ZERO;
  }

  @Override
  public void close() {
    store.close();
  }
}
