package dev.ponder.core.constrain;

/**
 * An answer constraint that cannot be built: bad syntax, a feature this package does not support (the
 * message names it), or an automaton over its size limit. A request carrying it must be answered as
 * invalid, never generated unconstrained.
 */
public class ConstraintException extends IllegalArgumentException {
    public ConstraintException(String message) {
        super(message);
    }
}
