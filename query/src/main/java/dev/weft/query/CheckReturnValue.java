package dev.weft.query;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method whose result is the whole point of calling it: it returns a new object and changes nothing,
 * so a call whose result is dropped, such as {@code query.withCycleFallback(f);} on a line of its own, does
 * nothing. Static analysers that recognise an annotation by this simple name (Error Prone's
 * {@code CheckReturnValue} check, among others) report such a call where it is written; the engine reports
 * the {@code withX} case again when the query is used (see {@link Query}).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface CheckReturnValue {}
