package dev.keyflow.state.testutils;

import dev.keyflow.state.Fold;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A test folded state: the sum of an account's deposits and how many there were.
 *
 * @param total the sum of the amounts
 * @param count the number of deposits
 */
public record Balance(long total, long count) {

    public static final TypeInformation<Balance> TYPE = TypeInformation.of(Balance.class);

    /** Sums deposits. */
    public static final Fold<Balance, Deposit> FOLD =
            Fold.of(
                    () -> new Balance(0, 0),
                    (b, d) -> new Balance(b.total + d.amount(), b.count + 1));
}
