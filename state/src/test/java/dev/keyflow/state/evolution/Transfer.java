package dev.keyflow.state.evolution;

import javax.annotation.Nullable;

/**
 * A mutation type of the schema evolution test, as a record. Version 2 added {@code currency}:
 * transfers restored from version 1 have none.
 *
 * @param account the account
 * @param amount the amount
 * @param currency the currency; null in entries written by version 1
 */
public record Transfer(String account, long amount, @Nullable String currency) {

    /** A version 1 transfer, as it reads back after the upgrade. */
    public static Transfer v1(String account, long amount) {
        return new Transfer(account, amount, null);
    }
}
