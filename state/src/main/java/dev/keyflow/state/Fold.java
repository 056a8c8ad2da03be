package dev.keyflow.state;

import java.io.Serializable;

/**
 * The business logic that turns a key's mutations into its current state: {@code state =
 * evolve(...evolve(evolve(initial(), m1), m2)..., mn)}.
 *
 * <pre>{@code
 * Fold<Balance, Booking> balance = Fold.of(
 *         () -> new Balance(0),
 *         (state, booking) -> new Balance(state.amount() + booking.amount()));
 * }</pre>
 *
 * <p>Both methods must be pure and deterministic: the state is rebuilt from a snapshot plus a
 * replay of the mutations after it, at any time and after any restore, and must come out the same
 * every time. {@code evolve} should return a new value rather than change its argument, since the
 * snapshot kept in state may be the same object.
 *
 * @param <S> the folded state
 * @param <M> the mutation type
 */
public interface Fold<S, M> extends Serializable {

    /** The state of a key that has no mutations yet. */
    S initial();

    /** The state after {@code mutation} was applied to {@code state}. */
    S evolve(S state, M mutation);

    /** A fold from two lambdas. */
    static <S, M> Fold<S, M> of(Initial<S> initial, Evolve<S, M> evolve) {
        java.util.Objects.requireNonNull(initial, "initial");
        java.util.Objects.requireNonNull(evolve, "evolve");
        return new Fold<>() {
            private static final long serialVersionUID = 1L;

            @Override
            public S initial() {
                return initial.get();
            }

            @Override
            public S evolve(S state, M mutation) {
                return evolve.apply(state, mutation);
            }
        };
    }

    /** The serializable supplier of {@link Fold#of}. */
    @FunctionalInterface
    interface Initial<S> extends Serializable {
        S get();
    }

    /** The serializable function of {@link Fold#of}. */
    @FunctionalInterface
    interface Evolve<S, M> extends Serializable {
        S apply(S state, M mutation);
    }
}
