package dev.keyflow.rules;

/** How serious a violated rule is; the business logic decides what each severity means. */
public enum Severity {
    /** Worth recording; the event is still acceptable. */
    INFO,
    /** Suspicious; the event is usually still processed. */
    WARNING,
    /** The event is invalid. */
    ERROR
}
