package dev.keyflow.state.evolution;

import java.util.Objects;

/**
 * A folded state type of the schema evolution test, as a classic mutable POJO. Version 2 added
 * {@code lastCurrency}: snapshots restored from version 1 have none.
 */
public class Ledger {
    public long total;
    public long count;
    public String lastCurrency;

    public Ledger() {}

    public Ledger(long total, long count, String lastCurrency) {
        this.total = total;
        this.count = count;
        this.lastCurrency = lastCurrency;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ledger l
                && l.total == total
                && l.count == count
                && Objects.equals(l.lastCurrency, lastCurrency);
    }

    @Override
    public int hashCode() {
        return Objects.hash(total, count, lastCurrency);
    }

    @Override
    public String toString() {
        return "Ledger[total="
                + total
                + ", count="
                + count
                + ", lastCurrency="
                + lastCurrency
                + "]";
    }
}
