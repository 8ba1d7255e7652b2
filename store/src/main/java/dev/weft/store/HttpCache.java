package dev.weft.store;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * GET and PUT of one cache server with a deadline on every request, a cap on every response body, a bound on
 * requests in flight, and a {@link CircuitBreaker}.
 *
 * <p>Implementation overview. A request first asks the breaker (an open breaker fails it at once as
 * {@link Kind#BYPASSED}), then waits at most the request timeout for one of {@code concurrency} permits,
 * then runs as {@link HttpClient#sendAsync} awaited for at most the request timeout; on expiry the exchange
 * is cancelled, which closes its connection. The deadline covers the whole body: the JDK's own request
 * timeout stops at the response headers, so a server that sends its body slowly would otherwise hold the
 * caller. Bodies are collected by {@link CappedBody}, which cancels the exchange as soon as more bytes
 * arrive than the caller accepts, whatever {@code Content-Length} said. Timeouts, I/O errors and 5xx
 * answers are failures for the breaker; a 404 and other answers of a live server are successes.
 */
final class HttpCache implements AutoCloseable {
  /** Why a request produced no usable answer. */
  enum Kind {
    /** The deadline passed (connecting, waiting for the answer, or reading its body). */
    TIMEOUT,
    /** The connection failed, was reset or closed early. */
    IO,
    /** The server answered with a status other than success or 404. */
    STATUS,
    /** The body was longer than allowed. */
    OVERSIZED,
    /** The circuit breaker is open; no request was sent. */
    BYPASSED,
    /** No request slot became free within the deadline; no request was sent. */
    BUSY,
    /** The calling thread was interrupted, or the cache closed. */
    INTERRUPTED;

    boolean breakerFailure() {
      return this == TIMEOUT || this == IO || this == STATUS;
    }
  }

  /** A request that produced no usable answer. */
  static final class Failure extends Exception {
    final Kind kind;

    Failure(Kind kind, String message, Throwable cause) {
      super(message, cause, false, false);
      this.kind = kind;
    }
  }

  /** The most bytes read of an answer whose body is not wanted (an error page, the answer to a PUT). */
  private static final int ERROR_BODY_CAP = 64 * 1024;
  /** The cap of {@link #send} that keeps no body. */
  private static final int DISCARD = -1;

  private final URI base;
  private final HttpClient client;
  private final ExecutorService executor;
  private final Duration timeout;
  private final Semaphore permits;
  private final CircuitBreaker breaker;
  private final RemoteCounters counters;
  private final String[] headers;

  HttpCache(URI base, Duration connectTimeout, Duration timeout, int concurrency, Map<String, String> headers,
      CircuitBreaker breaker, RemoteCounters counters) {
    this.base = base;
    this.timeout = timeout;
    this.permits = new Semaphore(concurrency);
    this.breaker = breaker;
    this.counters = counters;
    this.headers = headers.entrySet().stream()
        .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray(String[]::new);
    this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("weft-remote-http-", 0).factory());
    // HTTP/1.1: the JDK reaches h2c only through an Upgrade, which nginx does not answer (ADR 0055).
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor)
        .build();
  }

  URI base() {
    return base;
  }

  /**
   * The body at {@code path} (relative to the base), or null if the server has none (404).
   *
   * @throws Failure if there is no usable answer; counted
   */
  byte[] get(String path, int cap) throws Failure {
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(base.resolve(path)).GET(), cap);
    return switch (r.statusCode()) {
      case 200 -> r.body();
      case 404 -> null;  // a live server's answer: the send counted it as a success
      default -> throw status(r);
    };
  }

  /**
   * Stores {@code body} at {@code path}.
   *
   * @throws Failure if the server did not accept it; counted
   */
  void put(String path, byte[] body) throws Failure {
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(base.resolve(path))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)), DISCARD);
    if (r.statusCode() / 100 != 2) {
      throw status(r);
    }
    counters.bytesWritten.add(body.length);
  }

  private Failure status(HttpResponse<?> r) {
    Failure f = new Failure(Kind.STATUS, r.request().method() + " " + r.uri() + ": HTTP " + r.statusCode(), null);
    if (r.statusCode() >= 500) {
      breaker.failure();
    }
    counters.errors.increment();
    return f;
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request, int cap) throws Failure {
    if (!breaker.allow()) {
      counters.bypassed.increment();
      throw new Failure(Kind.BYPASSED, "circuit breaker open", null);
    }
    boolean permitted = false;
    try {
      try {
        permitted = permits.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail(Kind.INTERRUPTED, "interrupted", null);
      }
      if (!permitted) {
        throw fail(Kind.BUSY, "no request slot free within " + timeout, null);
      }
      request.timeout(timeout).header("User-Agent", "weft-remote-cache");
      if (headers.length > 0) {
        request.headers(headers);
      }
      HttpRequest req = request.build();
      long t0 = System.nanoTime();
      CompletableFuture<HttpResponse<byte[]>> cf = client.sendAsync(req, info -> capped(info, cap));
      try {
        HttpResponse<byte[]> r = cf.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        counters.requests.increment();
        if (r.statusCode() < 500) {
          breaker.success();
        }
        if (r.body() != null) {
          counters.bytesRead.add(r.body().length);
        }
        return r;
      } catch (TimeoutException e) {
        cf.cancel(true);
        throw fail(Kind.TIMEOUT, req.method() + " " + req.uri() + ": no answer within " + timeout, e);
      } catch (InterruptedException e) {
        cf.cancel(true);
        Thread.currentThread().interrupt();
        throw fail(Kind.INTERRUPTED, "interrupted", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        String what = req.method() + " " + req.uri() + ": ";
        if (c instanceof HttpTimeoutException || c instanceof HttpConnectTimeoutException) {
          throw fail(Kind.TIMEOUT, what + c.getMessage(), c);
        } else if (c instanceof CappedBody.TooLong) {
          throw fail(Kind.OVERSIZED, what + c.getMessage(), c);
        } else if (c instanceof IOException) {
          throw fail(Kind.IO, what + (c instanceof ConnectException ? "connection refused" : c), c);
        }
        throw fail(Kind.IO, what + c, c);
      } finally {
        counters.requestNanos.add(System.nanoTime() - t0);
      }
    } finally {
      if (permitted) {
        permits.release();
      }
    }
  }

  private Failure fail(Kind kind, String message, Throwable cause) {
    if (kind.breakerFailure()) {
      breaker.failure();
    } else {
      breaker.neutral();
    }
    if (kind == Kind.TIMEOUT) {
      counters.timeouts.increment();
    }
    if (kind != Kind.INTERRUPTED) {
      counters.errors.increment();
    }
    if (kind == Kind.OVERSIZED) {
      counters.refused.increment();
    }
    return new Failure(kind, message, cause);
  }

  private static BodySubscriber<byte[]> capped(HttpResponse.ResponseInfo info, int cap) {
    boolean keep = cap != DISCARD && info.statusCode() == 200;
    int limit = keep ? cap : ERROR_BODY_CAP;
    OptionalLong length = info.headers().firstValueAsLong("Content-Length");
    return new CappedBody(limit, length.isPresent() && length.getAsLong() > limit, keep);
  }

  @Override
  public void close() {
    client.shutdownNow();
    try {
      client.awaitTermination(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }

  /**
   * Collects a body of at most {@code cap} bytes; cancels the exchange as soon as it grows past that. Keeps
   * the bytes only of a 200 answer.
   */
  static final class CappedBody implements BodySubscriber<byte[]> {
    static final class TooLong extends IOException {
      TooLong(String message) {
        super(message, null);
      }
    }

    private final int cap;
    private final boolean declaredTooLong;
    private final boolean keep;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private byte[] bytes = new byte[0];
    private int size;

    CappedBody(int cap, boolean declaredTooLong, boolean keep) {
      this.cap = cap;
      this.declaredTooLong = declaredTooLong;
      this.keep = keep;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (declaredTooLong) {
        s.cancel();
        result.completeExceptionally(new TooLong("declared length exceeds the cap of " + cap + " bytes"));
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (result.isDone()) {
        return; // refused already; the exchange is being cancelled
      }
      for (ByteBuffer b : buffers) {
        int n = b.remaining();
        if ((long) size + n > cap) {
          subscription.cancel();
          bytes = null;
          result.completeExceptionally(new TooLong("body exceeds the cap of " + cap + " bytes"));
          return;
        }
        if (keep) {
          if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(cap, Math.max(size + n, bytes.length * 2)));
          }
          b.get(bytes, size, n);
        } else {
          b.position(b.limit());
        }
        size += n;
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      if (!result.isDone()) {
        result.complete(keep ? Arrays.copyOf(bytes, size) : null);
      }
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }
  }
}
