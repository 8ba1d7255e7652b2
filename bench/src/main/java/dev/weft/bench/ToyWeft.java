package dev.weft.bench;

import dev.weft.bench.ToyBuild.DefRef;
import dev.weft.bench.ToyBuild.Scope;
import dev.weft.bench.ToyBuild.Type;
import dev.weft.bench.ToyLang.Module;
import dev.weft.query.Diagnostic;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryContext;
import dev.weft.query.QueryEngine;
import java.util.List;
import java.util.Map;

/**
 * The {@link ToyBuild} bodies as Weft queries: each body gets a small {@link ToyBuild.Ctx} over its
 * {@link QueryContext} (one allocation per execution), and each read is a {@code ctx.get} or
 * {@code ctx.getAll}. One instance holds one set of query objects; engines using it must not share a
 * name with another instance's queries.
 */
final class ToyWeft {
  final Input<String, String> source = Query.input("toy.source");
  final Input<String, List<String>> modules = Query.input("toy.modules");
  final Query<String, Module> parse;
  final Query<String, List<String>> exports;
  final Query<String, Scope> resolve;
  final Query<String, Integer> layer;
  final Query<DefRef, Object> value;
  final Query<DefRef, Type> type;
  final Query<String, Integer> check;
  final Query<String, Long> moduleValue;
  final Query<String, ToyBuild.Result> build;

  ToyWeft() {
    parse = Query.of("toy.parse", (ctx, m) -> ToyBuild.parse(new Reads(ctx), m));
    exports = Query.of("toy.exports", (ctx, m) -> ToyBuild.exports(new Reads(ctx), m));
    resolve = Query.of("toy.resolve", (ctx, m) -> ToyBuild.resolve(new Reads(ctx), m));
    layer = Query.<String, Integer>of("toy.layer", (ctx, m) -> ToyBuild.layer(new Reads(ctx), m))
        .withCycleFallback((m, cycle) -> -1);
    value = Query.<DefRef, Object>of("toy.value", (ctx, d) -> ToyBuild.value(new Reads(ctx), d))
        .withCycleFallback((d, cycle) -> 0L);
    type = Query.<DefRef, Type>of("toy.type", (ctx, d) -> ToyBuild.type(new Reads(ctx), d))
        .withCycleFallback((d, cycle) -> Type.CYCLE);
    check = Query.of("toy.check", (ctx, m) -> ToyBuild.check(new Reads(ctx), m));
    moduleValue = Query.of("toy.moduleValue", (ctx, m) -> ToyBuild.moduleValue(new Reads(ctx), m));
    build = Query.of("toy.build", (ctx, k) -> ToyBuild.build(new Reads(ctx), k));
  }

  /** Sets every input of a program on a fresh engine. */
  void load(QueryEngine engine, List<String> names, Map<String, String> sources) {
    engine.set(modules, ToyBuild.ROOT, names);
    for (String m : names) {
      engine.set(source, m, sources.get(m));
    }
  }

  private final class Reads implements ToyBuild.Ctx {
    private final QueryContext ctx;

    Reads(QueryContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public String source(String module) {
      return ctx.get(source, module);
    }

    @Override
    public List<String> modules() {
      return ctx.get(modules, ToyBuild.ROOT);
    }

    @Override
    public Module parse(String module) {
      return ctx.get(parse, module);
    }

    @Override
    public List<List<String>> exportsAll(List<String> ms) {
      return ctx.getAll(exports, ms);
    }

    @Override
    public Scope resolve(String module) {
      return ctx.get(resolve, module);
    }

    @Override
    public int layer(String module) {
      return ctx.get(layer, module);
    }

    @Override
    public Object value(DefRef def) {
      return ctx.get(value, def);
    }

    @Override
    public Type type(DefRef def) {
      return ctx.get(type, def);
    }

    @Override
    public List<Object> valuesAll(List<DefRef> defs) {
      return ctx.getAll(value, defs);
    }

    @Override
    public List<Type> typesAll(List<DefRef> defs) {
      return ctx.getAll(type, defs);
    }

    @Override
    public List<Integer> checksAll(List<String> ms) {
      return ctx.getAll(check, ms);
    }

    @Override
    public List<Long> moduleValuesAll(List<String> ms) {
      return ctx.getAll(moduleValue, ms);
    }

    @Override
    public void report(Diagnostic diagnostic) {
      ctx.report(diagnostic);
    }
  }
}
