package dev.keyflow.state.evolution;

import java.util.Objects;

/** A folded state type of the schema evolution test, as a classic mutable POJO. Version 1. */
public class Ledger {
    public long total;
    public long count;

    public Ledger() {}

    public Ledger(long total, long count) {
        this.total = total;
        this.count = count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ledger l && l.total == total && l.count == count;
    }

    @Override
    public int hashCode() {
        return Objects.hash(total, count);
    }

    @Override
    public String toString() {
        return "Ledger[total=" + total + ", count=" + count + "]";
    }
}
