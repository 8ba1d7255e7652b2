package dev.weft.query;

/** Placeholder; replaced by the engine's per-query memo table. */
final class Table {}
