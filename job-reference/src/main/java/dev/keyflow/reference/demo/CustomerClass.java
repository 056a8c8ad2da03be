package dev.keyflow.reference.demo;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the demo {@link CustomerService} treats a customer: a pure function of the number {@code n}
 * in the customer id {@code cust-<n>}, shared by the service, the {@link OrderGenerator} (which
 * picks customers of the classes it wants) and the {@link ExpectedOutcome} model.
 *
 * <p>The classes repeat every 100 numbers: {@code n % 100} in {@code [0, 4)} is {@link #UNKNOWN},
 * {@code [4, 8)} {@link #BLOCKED}, {@code [8, 18)} {@link #FLAKY}, {@code [18, 20)} {@link #DOWN},
 * the rest {@link #NORMAL}. An id that is not {@code cust-<n>} is {@link #UNKNOWN}.
 */
public enum CustomerClass {
    /** Answers 200 with the customer. */
    NORMAL(20, 100),
    /**
     * The first request for each distinct {@code Idempotency-Key} gets 500, every later one 200:
     * the operator's own retry cures it (also after a job restart). Without the header: always 500.
     */
    FLAKY(8, 18),
    /** 404: the service does not know the customer. */
    UNKNOWN(0, 4),
    /** 200 with {@code blocked = true}. */
    BLOCKED(4, 8),
    /** Always 503: the lookup never succeeds. */
    DOWN(18, 20);

    private static final Pattern ID = Pattern.compile("cust-(0|[1-9][0-9]{0,8})");
    private static final String[] TIERS = {"GOLD", "SILVER", "SILVER", "STANDARD", "STANDARD"};

    /** The residues {@code n % 100} of this class: {@code [from, to)}. */
    private final int from;

    private final int to;

    CustomerClass(int from, int to) {
        this.from = from;
        this.to = to;
    }

    /** The class of customer {@code cust-<n>}. */
    public static CustomerClass of(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, was " + n);
        }
        int residue = n % 100;
        for (CustomerClass c : values()) {
            if (residue >= c.from && residue < c.to) {
                return c;
            }
        }
        throw new AssertionError("residue " + residue + " has no class");
    }

    /** The class of a customer id; {@link #UNKNOWN} for an id that is not {@code cust-<n>}. */
    public static CustomerClass of(String customerId) {
        Objects.requireNonNull(customerId, "customerId");
        Matcher m = ID.matcher(customerId);
        return m.matches() ? of(Integer.parseInt(m.group(1))) : UNKNOWN;
    }

    /** The {@code index}-th customer number of this class (0, 1, 2, ... in ascending order). */
    public int number(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative, was " + index);
        }
        int width = to - from;
        return (index / width) * 100 + from + index % width;
    }

    /** The {@code index}-th customer id of this class. */
    public String customerId(int index) {
        return id(number(index));
    }

    /** {@code cust-<n>}. */
    public static String id(int n) {
        return "cust-" + n;
    }

    /** The tier the service reports for customer {@code cust-<n>}: GOLD, SILVER or STANDARD. */
    public static String tier(int n) {
        return TIERS[Math.floorMod(n / 7 + n, TIERS.length)];
    }

    /** The tier for a customer id of the form {@code cust-<n>}. */
    public static String tier(String customerId) {
        return tier(number(customerId));
    }

    /** The email the service reports for a customer: {@code <id>@example.com}. */
    public static String email(String customerId) {
        return customerId + "@example.com";
    }

    /** The number {@code n} of {@code cust-<n>}. */
    static int number(String customerId) {
        Matcher m = ID.matcher(customerId);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a customer id: " + customerId);
        }
        return Integer.parseInt(m.group(1));
    }
}
