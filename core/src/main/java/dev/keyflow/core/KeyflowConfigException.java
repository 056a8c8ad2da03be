package dev.keyflow.core;

/**
 * A configuration that keyflow refuses to start with. The message names the setting to change and
 * the value that would work.
 */
public class KeyflowConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public KeyflowConfigException(String message) {
        super(message);
    }

    public KeyflowConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
