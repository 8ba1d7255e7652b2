package dev.weft.store;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A loopback HTTP/1.1 proxy between a client and a real cache server that injects faults: each request is
 * classified by {@link #rule} and then forwarded faithfully, or delayed, dropped, reset, truncated,
 * corrupted, replaced, inflated or answered with an error. It understands just enough HTTP for the cache
 * protocol (Content-Length or chunked bodies, keep-alive on the client side, one upstream connection per
 * request).
 */
final class FaultProxy implements AutoCloseable {
  enum Fault {
    /** Forward the request and the answer unchanged. */
    NONE,
    /** Hold the request without answering until {@link #close} (or 60 s): the client's deadline must end it. */
    DELAY,
    /** Send the headers and then the body one byte at a time with holds in between: a slow drip. */
    DRIP,
    /** Close the connection without an answer. */
    DROP,
    /** Reset the connection (RST) without an answer. */
    RESET,
    /** Forward, but send only half of the body and close. */
    TRUNCATE,
    /** Forward with one byte of the body flipped. */
    CORRUPT,
    /** Answer 200 with other bytes than the server's (a wrong hash for the CAS, garbage for an entry). */
    WRONG_BYTES,
    /** Answer 200 declaring and sending 64 MiB. */
    OVERSIZED,
    /** Answer 200 with no length, streaming bytes until the client goes away (never trust Content-Length). */
    UNBOUNDED,
    /** Answer 404 without asking the server. */
    NOT_FOUND,
    /** Answer 500 without asking the server. */
    SERVER_ERROR
  }

  /** A request as the proxy saw it. */
  record Request(String method, String path) {
    /** "ac", "cas" or "" by the path's second-to-last segment. */
    String kind() {
      String[] parts = path.split("/");
      return parts.length >= 2 ? parts[parts.length - 2] : "";
    }
  }

  /** Chooses the fault of a request. */
  interface Rule {
    Fault apply(Request r);
  }

  private static final int HUGE = 64 << 20;

  private final int upstreamPort;
  private final ServerSocket server;
  private final Thread acceptor;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile Rule rule = r -> Fault.NONE;
  private volatile Consumer<Request> onRequest = r -> {};
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  final Map<String, AtomicInteger> byMethodAndKind = new ConcurrentHashMap<>();

  FaultProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofVirtual().name("fault-proxy-accept").start(this::accept);
  }

  /** {@code upstreamBase} with this proxy's port. */
  URI base(URI upstreamBase) {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + upstreamBase.getRawPath());
  }

  void rule(Rule r) {
    this.rule = r;
  }

  /** Runs for each request before it is forwarded, on the connection's thread (for example to hold it). */
  void onRequest(Consumer<Request> hook) {
    this.onRequest = hook;
  }

  int count(String method, String kind) {
    AtomicInteger n = byMethodAndKind.get(method + " " + kind);
    return n == null ? 0 : n.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread.ofVirtual().name("fault-proxy-conn").start(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      while (true) {
        String line = readLine(in);
        if (line == null || line.isEmpty()) {
          return;
        }
        String[] parts = line.split(" ");
        Map<String, String> headers = readHeaders(in);
        byte[] body = readBody(in, headers);
        Request req = new Request(parts[0], parts[1]);
        requests.incrementAndGet();
        byMethodAndKind.computeIfAbsent(req.method + " " + req.kind(), k -> new AtomicInteger()).incrementAndGet();
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        // Leaves the count before the first byte of the answer: the client may send its next request as soon
        // as it has the answer, and must not be seen with one request too many.
        OutputStream leaving = new java.io.FilterOutputStream(out) {
          private boolean left;

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            leave();
            out.write(b, off, len);
          }

          @Override
          public void write(int b) throws IOException {
            leave();
            out.write(b);
          }

          private void leave() {
            if (!left) {
              left = true;
              inFlight.decrementAndGet();
            }
          }

          @Override
          public void close() {
            leave();
          }
        };
        try {
          onRequest.accept(req);
          if (!answer(client, leaving, req, headers, body)) {
            return;
          }
        } finally {
          leaving.close();
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client went away or was cut off on purpose
    } finally {
      sockets.remove(client);
    }
  }

  /** Answers one request; false if the connection must end. */
  private boolean answer(Socket client, OutputStream out, Request req, Map<String, String> headers, byte[] body)
      throws IOException {
    Fault fault = rule.apply(req);
    switch (fault) {
      case DELAY -> {
        hold(60_000);
        return false;
      }
      case DROP -> {
        return false;
      }
      case RESET -> {
        client.setSoLinger(true, 0);
        return false;
      }
      case NOT_FOUND -> {
        respond(out, 404, new byte[0]);
        return true;
      }
      case SERVER_ERROR -> {
        respond(out, 500, "boom".getBytes(StandardCharsets.US_ASCII));
        return true;
      }
      case OVERSIZED -> {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + HUGE + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        stream(out, HUGE);
        return false;
      }
      case UNBOUNDED -> {
        out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        stream(out, HUGE);
        return false;
      }
      default -> {}
    }
    if (req.method.equals("PUT")) {
      // On an upload the fault applies to what reaches the server.
      switch (fault) {
        case TRUNCATE -> body = java.util.Arrays.copyOf(body, body.length / 2);
        case CORRUPT -> {
          body = body.clone();
          if (body.length > 0) {
            body[body.length / 2] ^= 0x40;
          }
        }
        case WRONG_BYTES -> body = ("not what was sent to " + req.path).getBytes(StandardCharsets.US_ASCII);
        default -> {}
      }
      if (fault == Fault.TRUNCATE || fault == Fault.CORRUPT || fault == Fault.WRONG_BYTES) {
        Upstream up = forward(req, headers, body);
        respond(out, up.status, up.body);
        return true;
      }
    }
    Upstream up = forward(req, headers, body);
    byte[] b = up.body;
    switch (fault) {
      case TRUNCATE -> {
        out.write(head(up.status, b.length));
        out.write(b, 0, b.length / 2);
        out.flush();
        return false;
      }
      case CORRUPT -> {
        b = b.clone();
        if (b.length > 0) {
          b[b.length / 2] ^= 0x40;
        }
      }
      case WRONG_BYTES -> {
        respond(out, 200, ("not what was asked for " + req.path).getBytes(StandardCharsets.US_ASCII));
        return true;
      }
      case DRIP -> {
        out.write(head(up.status, b.length));
        out.flush();
        for (byte x : b) {
          out.write(x);
          out.flush();
          if (hold(50)) {
            return false;
          }
        }
        return false;
      }
      default -> {}
    }
    respond(out, up.status, b);
    return true;
  }

  /** Waits up to {@code millis} or until close; true if closed. */
  private boolean hold(long millis) {
    try {
      return closed.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private static void stream(OutputStream out, int n) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    for (int sent = 0; sent < n; sent += chunk.length) {
      out.write(chunk); // throws once the client has closed the connection
    }
    out.flush();
  }

  private record Upstream(int status, byte[] body) {}

  private Upstream forward(Request req, Map<String, String> headers, byte[] body) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
      s.setSoTimeout(30_000);
      StringBuilder sb = new StringBuilder(req.method + " " + req.path + " HTTP/1.1\r\n");
      headers.forEach((k, v) -> {
        if (!k.equals("connection") && !k.equals("content-length") && !k.equals("upgrade")
            && !k.equals("http2-settings")) {
          sb.append(k).append(": ").append(v).append("\r\n");
        }
      });
      sb.append("connection: close\r\n");
      if (body.length > 0 || req.method.equals("PUT")) {
        sb.append("content-length: ").append(body.length).append("\r\n");
      }
      sb.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = new BufferedInputStream(s.getInputStream());
      String status = readLine(in);
      if (status == null) {
        throw new IOException("upstream closed without an answer");
      }
      int code = Integer.parseInt(status.split(" ")[1]);
      Map<String, String> h = readHeaders(in);
      byte[] b = req.method.equals("HEAD") || code == 204 || code == 304 ? new byte[0]
          : h.containsKey("content-length") || h.containsKey("transfer-encoding") ? readBody(in, h)
          : in.readAllBytes(); // delimited by the end of the connection
      return new Upstream(code, b);
    } catch (IOException e) {
      return new Upstream(502, new byte[0]); // the server is down: a gateway's answer
    }
  }

  private static byte[] head(int status, int length) {
    return ("HTTP/1.1 " + status + " X\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void respond(OutputStream out, int status, byte[] body) throws IOException {
    out.write(head(status, body.length));
    out.write(body);
    out.flush();
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
  }

  private static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> h = new LinkedHashMap<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return h;
  }

  private static byte[] readBody(InputStream in, Map<String, String> h) throws IOException {
    String length = h.get("content-length");
    if (length != null) {
      return in.readNBytes(Integer.parseInt(length));
    }
    if ("chunked".equalsIgnoreCase(h.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        int n = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
        if (n == 0) {
          readHeaders(in); // trailers
          return b.toByteArray();
        }
        b.write(in.readNBytes(n));
        readLine(in);
      }
    }
    return new byte[0];
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    server.close();
    for (Socket s : new ArrayList<>(sockets)) {
      s.close();
    }
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** For messages: the requests seen so far by method and kind. */
  @Override
  public String toString() {
    return "FaultProxy" + new java.util.TreeMap<>(byMethodAndKind);
  }
}
