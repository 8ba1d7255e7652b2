package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Schedulers.Config;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class ChannelTest {
  private static final String ALL = "dev.weft.flow.Schedulers#all";

  private static Chunk chunk(Object... items) {
    Chunk c = new Chunk(items.length);
    System.arraycopy(items, 0, c.items, 0, items.length);
    c.size = items.length;
    return c;
  }

  private static List<Object> contents(Chunk c) {
    return List.of(c.items).subList(0, c.size);
  }

  @Test
  void chunkSizeFor_capacities_quarterClampedToOneAndMax() {
    assertThat(Channel.chunkSizeFor(1)).isEqualTo(1);
    assertThat(Channel.chunkSizeFor(7)).isEqualTo(1);
    assertThat(Channel.chunkSizeFor(16)).isEqualTo(4);
    assertThat(Channel.chunkSizeFor(256)).isEqualTo(64);
    assertThat(Channel.chunkSizeFor(1 << 20)).isEqualTo(Channel.MAX_CHUNK);
    assertThatThrownBy(() -> new Channel(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void poll_putsThenClose_chunksInOrderWithSequenceThenEnd() {
    Channel ch = new Channel(16);
    ch.addProducer();
    ch.addConsumer();
    WorkerCounters counters = new WorkerCounters();
    assertThat(ch.poll()).isNull();
    ch.put(chunk(1, 2), counters);
    ch.put(chunk(3), counters);
    assertThat(ch.queued()).isEqualTo(3);
    Chunk a = ch.poll();
    Chunk b = ch.poll();
    assertThat(contents(a)).containsExactly(1, 2);
    assertThat(contents(b)).containsExactly(3);
    assertThat(a.seq).isZero();
    assertThat(b.seq).isOne();
    assertThat(ch.poll()).isNull();
    ch.closeProducer();
    assertThat(ch.poll()).isSameAs(Chunk.END);
    assertThat(ch.take(counters)).isSameAs(Chunk.END);
  }

  @Test
  void put_afterLastConsumerLeft_throwsAbandoned() {
    Channel ch = new Channel(16);
    ch.addProducer();
    ch.addConsumer();
    WorkerCounters counters = new WorkerCounters();
    ch.put(chunk(1), counters);
    ch.closeConsumer();
    assertThatThrownBy(() -> ch.put(chunk(2), counters)).isInstanceOf(ChannelAbandonedException.class);
    assertThat(ch.queued()).isZero();
  }

  @Test
  void cancel_laterOperations_throwCancelled() {
    Channel ch = new Channel(16);
    ch.addProducer();
    ch.addConsumer();
    WorkerCounters counters = new WorkerCounters();
    ch.put(chunk(1), counters);
    ch.cancel();
    assertThatThrownBy(() -> ch.put(chunk(2), counters)).isInstanceOf(ChannelCancelledException.class);
    assertThatThrownBy(ch::poll).isInstanceOf(ChannelCancelledException.class);
    assertThatThrownBy(() -> ch.take(counters)).isInstanceOf(ChannelCancelledException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void put_full_blocksUntilConsumerTakesAndNeverExceedsCapacity(Config config) {
    Scheduler s = config.create();
    try {
      Channel ch = new Channel(4);
      ch.addProducer();
      ch.addConsumer();
      WorkerCounters producerCounters = new WorkerCounters();
      WorkerCounters consumerCounters = new WorkerCounters();
      int[] maxQueued = new int[1];
      Task<Void> producer = s.spawn("producer", () -> {
        for (int i = 0; i < 200; i++) {
          ch.put(chunk(i), producerCounters);
        }
        ch.closeProducer();
        return null;
      });
      Task<List<Object>> consumer = s.spawn("consumer", () -> {
        List<Object> got = new ArrayList<>();
        for (Chunk c; (c = ch.take(consumerCounters)) != Chunk.END; ) {
          maxQueued[0] = Math.max(maxQueued[0], ch.queued());
          got.addAll(contents(c));
          Thread.yield();
        }
        return got;
      });
      producer.join();
      assertThat(consumer.join()).isEqualTo(new ArrayList<>(java.util.stream.IntStream.range(0, 200).boxed().toList()));
      assertThat(maxQueued[0]).isLessThanOrEqualTo(4);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void cancel_blockedProducerAndConsumer_bothWakeWithCancelled(Config config) {
    Scheduler s = config.create();
    try {
      Channel full = new Channel(1);
      Channel empty = new Channel(1);
      full.addProducer();
      empty.addProducer();
      AtomicInteger blocked = new AtomicInteger();
      WorkerCounters counters = new WorkerCounters();
      Task<String> producer = s.spawn("producer", () -> {
        full.put(chunk(1), counters);
        try {
          blocked.incrementAndGet();
          full.put(chunk(2), counters);
          return "put";
        } catch (ChannelCancelledException e) {
          return "cancelled";
        }
      });
      Task<String> consumer = s.spawn("consumer", () -> {
        try {
          blocked.incrementAndGet();
          empty.take(new WorkerCounters());
          return "took";
        } catch (ChannelCancelledException e) {
          return "cancelled";
        }
      });
      // The canceller runs on the scheduler too, after both others have started to block.
      Task<Void> canceller = s.spawn("canceller", () -> {
        while (blocked.get() < 2 || !empty.consumerWaiting()) {
          Thread.yield();
        }
        full.cancel();
        empty.cancel();
        return null;
      });
      canceller.join();
      assertThat(producer.join()).isEqualTo("cancelled");
      assertThat(consumer.join()).isEqualTo("cancelled");
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void outbox_severalProducersAndConsumers_everyItemExactlyOnceInProducerOrder(Config config) {
    Scheduler s = config.create();
    try {
      Channel ch = new Channel(8);
      int producers = 3;
      int consumers = 2;
      int perProducer = 2000;
      List<Task<Void>> tasks = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        ch.addProducer();
      }
      for (int c = 0; c < consumers; c++) {
        ch.addConsumer();
      }
      for (int p = 0; p < producers; p++) {
        int id = p;
        tasks.add(s.spawn("producer-" + p, () -> {
          ChunkOutbox<Integer> out = new ChunkOutbox<>(ch, new WorkerCounters(), "producer-" + id);
          for (int i = 0; i < perProducer; i++) {
            out.push(id * 1_000_000 + i);
            if (i % 97 == 0) {
              Thread.yield();
            }
          }
          out.flush();
          ch.closeProducer();
          return null;
        }));
      }
      List<Task<List<Integer>>> readers = new ArrayList<>();
      for (int c = 0; c < consumers; c++) {
        readers.add(s.spawn("consumer-" + c, () -> {
          List<Integer> got = new ArrayList<>();
          WorkerCounters counters = new WorkerCounters();
          for (Chunk k; (k = ch.take(counters)) != Chunk.END; ) {
            for (int i = 0; i < k.size; i++) {
              got.add((Integer) k.items[i]);
            }
          }
          ch.closeConsumer();
          return got;
        }));
      }
      tasks.forEach(Task::join);
      List<Integer> all = new ArrayList<>();
      for (Task<List<Integer>> r : readers) {
        List<Integer> got = r.join();
        // Each consumer sees each producer's items in increasing order.
        for (int p = 0; p < producers; p++) {
          int id = p;
          List<Integer> mine = got.stream().filter(x -> x / 1_000_000 == id).toList();
          assertThat(mine).isSorted();
        }
        all.addAll(got);
      }
      assertThat(all).hasSize(producers * perProducer).doesNotHaveDuplicates();
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void outbox_noConsumerWaiting_keepsPartialChunkUntilFull() {
    Channel ch = new Channel(256);
    ch.addProducer();
    ch.addConsumer();
    ChunkOutbox<Integer> out = new ChunkOutbox<>(ch, new WorkerCounters(), "test");
    for (int i = 0; i < 63; i++) {
      out.push(i);
    }
    assertThat(ch.queued()).isZero();
    out.push(63);
    assertThat(ch.queued()).isEqualTo(64);
    out.push(64);
    out.flush();
    assertThat(ch.queued()).isEqualTo(65);
    assertThatThrownBy(() -> out.push(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("test");
  }
}
