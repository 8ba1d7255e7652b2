package dev.weft.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx serving the Bazel HTTP cache protocol under {@code /cache/} with WebDAV PUT, configured from
 * {@code nginx.conf.template}. The binary is {@code -Dweft.nginx=PATH}, or {@code nginx} on the PATH or in
 * the sbin directories where Debian's package puts it; a missing nginx fails the test with the fix.
 */
final class NginxServer extends CacheServer {
  @Override
  public URI base() {
    return URI.create("http://127.0.0.1:" + port + "/cache/");
  }

  @Override
  String name() {
    return "nginx";
  }

  /** The directory nginx serves as {@code /}: the cache's files are under {@code cache/}. */
  Path data() {
    return dir.resolve("data");
  }

  @Override
  List<String> command() throws IOException {
    for (String d : List.of("data/cache", "tmp")) {
      Files.createDirectories(dir.resolve(d));
    }
    String template;
    try (InputStream in = NginxServer.class.getResourceAsStream("nginx.conf.template")) {
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, template.replace("@DIR@", dir.toString()).replace("@PORT@", Integer.toString(port)));
    return List.of(binary().toString(), "-p", dir.toString(), "-c", conf.toString(), "-e",
        dir.resolve("error.log").toString());
  }

  static Path binary() {
    String configured = System.getProperty("weft.nginx", "");
    if (!configured.isEmpty()) {
      return Path.of(configured);
    }
    Path p = findExecutable("nginx", "/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin");
    if (p == null) {
      throw new IllegalStateException("nginx is needed by the remote cache tests and was not found on the PATH "
          + "or in /usr/sbin: install the Debian package (apt-get install nginx; .ci/run does it) or pass "
          + "-Dweft.nginx=/path/to/nginx");
    }
    return p;
  }
}
