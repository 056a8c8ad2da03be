package dev.keyflow.state.evolution;

/**
 * A mutation type of the schema evolution test, as a record. Version 1.
 *
 * @param account the account
 * @param amount the amount
 */
public record Transfer(String account, long amount) {}
