package dev.keyflow.rules.internal;

import com.googlecode.aviator.AviatorEvaluatorInstance;
import com.googlecode.aviator.exception.ExpressionRuntimeException;
import com.googlecode.aviator.exception.TimeoutException;
import com.googlecode.aviator.lexer.token.OperatorType;
import com.googlecode.aviator.runtime.function.AbstractFunction;
import com.googlecode.aviator.runtime.type.AviatorBigInt;
import com.googlecode.aviator.runtime.type.AviatorDecimal;
import com.googlecode.aviator.runtime.type.AviatorDouble;
import com.googlecode.aviator.runtime.type.AviatorLong;
import com.googlecode.aviator.runtime.type.AviatorObject;
import com.googlecode.aviator.utils.Env;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * The arithmetic operators of a filter, replaced so that they cannot wrap or grow without bound.
 *
 * <p>Aviator's own {@code +}, {@code -}, {@code *}, {@code /}, unary minus and {@code math.abs}
 * wrap silently on {@code long} overflow ({@code 9223372036854775807 + 1 < 0} is true) and {@code
 * +} concatenates strings of any length (a loop that doubles a string reaches OutOfMemoryError
 * before the timeout, which Aviator checks only every 2,000 steps). These replacements:
 *
 * <ul>
 *   <li>compute integer results exactly and fail on overflow ({@link ArithmeticException});
 *   <li>fail when a result is a string longer than {@code maxStringLength} (the bound of the input
 *       strings, so no string a filter sees or builds is longer), or an integer (Aviator's big
 *       integers, {@code 1N}) wider than {@link #MAX_BIG_INTEGER_BITS} bits;
 *   <li>check the evaluation timeout whenever they build a string of more than {@link
 *       #TIMEOUT_CHECK_LENGTH} characters, so the timeout holds inside one expression too.
 * </ul>
 *
 * Everything else is Aviator's own operator, unchanged.
 */
final class BoundedArithmetic {

    /** The widest integer a filter may compute (Aviator's big integers, {@code 1N}). */
    static final int MAX_BIG_INTEGER_BITS = 4096;

    /** Building a string longer than this checks the evaluation timeout. */
    static final int TIMEOUT_CHECK_LENGTH = 1024;

    private BoundedArithmetic() {}

    /** Installs the bounded operators in {@code aviator}. */
    static void install(AviatorEvaluatorInstance aviator, int maxStringLength, long timeoutNanos) {
        Bounds bounds = new Bounds(maxStringLength, timeoutNanos);
        aviator.addOpFunction(
                OperatorType.ADD,
                new Binary("+", Math::addExact, bounds) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    AviatorObject other(AviatorObject a, AviatorObject b, Map<String, Object> env) {
                        return a.add(b, env);
                    }
                });
        aviator.addOpFunction(
                OperatorType.SUB,
                new Binary("-sub", Math::subtractExact, bounds) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    AviatorObject other(AviatorObject a, AviatorObject b, Map<String, Object> env) {
                        return a.sub(b, env);
                    }
                });
        aviator.addOpFunction(
                OperatorType.MULT,
                new Binary("*", Math::multiplyExact, bounds) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    AviatorObject other(AviatorObject a, AviatorObject b, Map<String, Object> env) {
                        return a.mult(b, env);
                    }
                });
        aviator.addOpFunction(
                OperatorType.DIV,
                new Binary("/", BoundedArithmetic::divide, bounds) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    AviatorObject other(AviatorObject a, AviatorObject b, Map<String, Object> env) {
                        return a.div(b, env);
                    }
                });
        aviator.addOpFunction(OperatorType.NEG, new Negate(bounds));
        aviator.removeFunction("math.abs");
        aviator.addFunction(new Abs());
    }

    private static long divide(long a, long b) {
        if (a == Long.MIN_VALUE && b == -1) {
            throw new ArithmeticException("long overflow");
        }
        return a / b; // b == 0 throws ArithmeticException, as Aviator does
    }

    /** The Java value of an integral operand, or null if it is not a long (or narrower). */
    private static Long integral(AviatorObject operand, Map<String, Object> env) {
        Object value = operand.getValue(env);
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        return null;
    }

    /** The checks applied to every result that is not an exact long. */
    private record Bounds(int maxStringLength, long timeoutNanos) implements java.io.Serializable {

        AviatorObject check(AviatorObject result, Map<String, Object> env) {
            Object value = result.getValue(env);
            if (value instanceof String text) {
                if (text.length() > maxStringLength) {
                    throw new ExpressionRuntimeException(
                            "a string of "
                                    + text.length()
                                    + " chars exceeds maxStringLength "
                                    + maxStringLength);
                }
                if (text.length() > TIMEOUT_CHECK_LENGTH) {
                    checkTimeout(env);
                }
            } else if (value instanceof BigInteger big && big.bitLength() > MAX_BIG_INTEGER_BITS) {
                throw new ArithmeticException(
                        "an integer of "
                                + big.bitLength()
                                + " bits exceeds "
                                + MAX_BIG_INTEGER_BITS);
            }
            return result;
        }

        private void checkTimeout(Map<String, Object> env) {
            if (env instanceof Env aviatorEnv && aviatorEnv.getStartNs() > 0) {
                long elapsed = System.nanoTime() - aviatorEnv.getStartNs();
                if (elapsed > timeoutNanos) {
                    throw new TimeoutException(
                            "Expression execution timed out, exceeded: "
                                    + timeoutNanos / 1_000_000
                                    + " ms");
                }
            }
        }
    }

    /** Exact long arithmetic. */
    private interface LongOperator extends java.io.Serializable {
        long apply(long a, long b);
    }

    /** A binary operator: exact on two longs, Aviator's own otherwise, then bounded. */
    private abstract static class Binary extends AbstractFunction {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final LongOperator exact;
        private final Bounds bounds;

        Binary(String name, LongOperator exact, Bounds bounds) {
            this.name = name;
            this.exact = exact;
            this.bounds = bounds;
        }

        abstract AviatorObject other(AviatorObject a, AviatorObject b, Map<String, Object> env);

        @Override
        public String getName() {
            return name;
        }

        @Override
        public AviatorObject call(Map<String, Object> env, AviatorObject a, AviatorObject b) {
            Long x = integral(a, env);
            Long y = x == null ? null : integral(b, env);
            if (x != null && y != null) {
                return AviatorLong.valueOf(exact.apply(x, y));
            }
            return bounds.check(other(a, b, env), env);
        }
    }

    /** {@code math.abs}: exact on a long ({@code math.abs} of {@code Long.MIN_VALUE} overflows). */
    private static final class Abs extends AbstractFunction {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "math.abs";
        }

        @Override
        public AviatorObject call(Map<String, Object> env, AviatorObject a) {
            Long x = integral(a, env);
            if (x != null) {
                return AviatorLong.valueOf(Math.absExact(x));
            }
            Object value = a.getValue(env);
            if (value instanceof Number n
                    && !(value instanceof BigDecimal)
                    && !(value instanceof BigInteger)) {
                return AviatorDouble.valueOf(Math.abs(n.doubleValue()));
            }
            if (value instanceof BigDecimal d) {
                return AviatorDecimal.valueOf(d.abs());
            }
            if (value instanceof BigInteger i) {
                return AviatorBigInt.valueOf(i.abs());
            }
            throw new ExpressionRuntimeException(
                    "math.abs needs a number, got " + (value == null ? "nil" : value.getClass()));
        }
    }

    /** Unary minus: exact on a long ({@code -Long.MIN_VALUE} overflows). */
    private static final class Negate extends AbstractFunction {
        private static final long serialVersionUID = 1L;
        private final Bounds bounds;

        Negate(Bounds bounds) {
            this.bounds = bounds;
        }

        @Override
        public String getName() {
            return "-neg";
        }

        @Override
        public AviatorObject call(Map<String, Object> env, AviatorObject a) {
            Long x = integral(a, env);
            if (x != null) {
                return AviatorLong.valueOf(Math.negateExact(x));
            }
            return bounds.check(a.neg(env), env);
        }
    }
}
