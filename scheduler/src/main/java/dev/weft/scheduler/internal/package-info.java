/**
 * Hooks between Weft's modules; not part of the API and not exported to user code on the module path.
 */
package dev.weft.scheduler.internal;
