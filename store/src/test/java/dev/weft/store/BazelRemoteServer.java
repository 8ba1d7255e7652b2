package dev.weft.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** bazel-remote with its disk cache in the server's directory; used when {@code bazel-remote} is on the PATH. */
final class BazelRemoteServer extends CacheServer {
  @Override
  public URI base() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  @Override
  String name() {
    return "bazel-remote";
  }

  @Override
  List<String> command() {
    // Entries are not REAPI ActionResults, hence --disable_http_ac_validation.
    return List.of(binary().toString(), "--dir", dir.resolve("data").toString(), "--max_size", "1",
        "--http_address", "127.0.0.1:" + port, "--grpc_address", "none", "--disable_http_ac_validation");
  }

  static Path binary() {
    return findExecutable("bazel-remote");
  }
}
