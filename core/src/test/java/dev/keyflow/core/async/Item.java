package dev.keyflow.core.async;

/** A test element: its key and a per-key sequence number. */
public record Item(String key, int seq) {
    String id() {
        return key + ":" + seq;
    }
}
