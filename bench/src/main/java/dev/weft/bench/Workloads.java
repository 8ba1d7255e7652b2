package dev.weft.bench;

import java.util.ArrayList;
import java.util.List;

/** Every workload of the comparison runner, in report order. */
final class Workloads {
  private Workloads() {}

  static List<Workload> all() {
    List<Workload> all = new ArrayList<>();
    all.addAll(ThreadCosts.workloads());
    all.addAll(QueryWorkloads.workloads());
    all.addAll(FlowWorkloads.workloads());
    all.addAll(ToyWorkloads.workloads());
    all.addAll(ColdScale.workloads());
    all.addAll(FanOut.workloads());
    all.addAll(DemoEdit.workloads());
    return all;
  }
}
