package dev.keyflow.core.async;

import java.io.Serializable;
import java.util.function.Predicate;

/** Decides whether a failure is worth another attempt; serializable with the job. */
@FunctionalInterface
public interface RetryPredicate extends Predicate<Throwable>, Serializable {}
