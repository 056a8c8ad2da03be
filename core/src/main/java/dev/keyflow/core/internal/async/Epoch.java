package dev.keyflow.core.internal.async;

import javax.annotation.Nullable;
import org.apache.flink.streaming.api.watermark.Watermark;

/**
 * The elements that arrived between two watermarks: the watermark that closes the epoch may be
 * forwarded once this epoch and every older one have no unfinished element.
 */
final class Epoch {
    int unfinished;
    @Nullable Watermark closing;

    boolean isOpen() {
        return closing == null;
    }
}
