package dev.keyflow.state;

import java.util.List;

/**
 * What {@link StateAppender#append} did with an {@link Outcome}: its mutations and commands, each
 * stamped with the key and its sequence number, in the outcome's order.
 *
 * @param mutations the mutations with their event log sequence numbers
 * @param commands the commands with their command sequence numbers
 * @param <M> the mutation type
 * @param <C> the command type
 */
public record Appended<M, C>(List<Stamped<M>> mutations, List<Stamped<C>> commands) {

    public Appended {
        mutations = List.copyOf(mutations);
        commands = List.copyOf(commands);
    }
}
