package dev.weft.store;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts each kind of {@link CacheServer} once per test class, on first use, and stops them after the class.
 * Tests stay apart by their memos' namespaces and their values' contents, not by separate servers. Public,
 * with {@link CacheServer}, for the tests of other modules (the store module's test jar).
 */
public final class CacheServers implements AfterAllCallback {
  private final Map<CacheServer.Kind, CacheServer> servers = new EnumMap<>(CacheServer.Kind.class);

  public synchronized CacheServer get(CacheServer.Kind kind) {
    return servers.computeIfAbsent(kind, k -> k.create().start());
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    servers.values().forEach(CacheServer::close);
    servers.clear();
  }
}
