package dev.keyflow.state.testutils;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A test mutation: money booked to an account.
 *
 * @param account the account (the key)
 * @param amount the amount booked
 */
public record Deposit(String account, long amount) {

    public static final TypeInformation<Deposit> TYPE = TypeInformation.of(Deposit.class);
}
