package dev.keyflow.state;

import dev.keyflow.core.ErrorRecord;
import java.util.List;

/**
 * What the business logic decided for one input: the mutations to append to the key's event log,
 * the commands to send, and the errors to report. Immutable.
 *
 * <pre>{@code
 * Outcome<Booking, Command> outcome = Outcome.of(
 *         List.of(new Booking(amount)),
 *         List.of(new Command.Notify(account, amount)));
 * }</pre>
 *
 * @param mutations appended in order
 * @param commands emitted in order, each stamped
 * @param errors emitted as they are
 * @param <M> the mutation type
 * @param <C> the command type
 */
public record Outcome<M, C>(List<M> mutations, List<C> commands, List<ErrorRecord> errors) {

    public Outcome {
        mutations = List.copyOf(mutations);
        commands = List.copyOf(commands);
        errors = List.copyOf(errors);
    }

    /** Mutations and commands, no errors. */
    public static <M, C> Outcome<M, C> of(List<M> mutations, List<C> commands) {
        return new Outcome<>(mutations, commands, List.of());
    }

    /** Nothing to do. */
    public static <M, C> Outcome<M, C> empty() {
        return new Outcome<>(List.of(), List.of(), List.of());
    }

    /** Only errors: the input changes nothing. */
    public static <M, C> Outcome<M, C> failed(List<ErrorRecord> errors) {
        return new Outcome<>(List.of(), List.of(), errors);
    }
}
