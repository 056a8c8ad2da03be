package dev.keyflow.core;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * An event released by a {@link Resequencer}, with the timestamp it was ordered by and how it was
 * released; produced by {@link Resequencer#resequenceMarked}.
 *
 * @param value the event
 * @param timestamp the event time the resequencer ordered it by (also its record timestamp)
 * @param release why it was released when it was
 * @param <T> the event type
 */
public record Resequenced<T>(T value, long timestamp, Release release) {

    public Resequenced {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(release, "release");
    }

    /** How an event left the resequencer. */
    public enum Release {
        /** The watermark passed its timestamp: it is in order with everything of its key. */
        ON_TIME,
        /**
         * Its key's buffer was full and it held the oldest timestamp, so it was released before the
         * watermark reached it. It is still in order with what was emitted before; a later event of
         * the key with an older timestamp is treated as late.
         */
        EARLY,
        /** It arrived behind the watermark and was emitted at once, out of order ({@code EMIT}). */
        LATE
    }

    /**
     * The Flink type of {@code Resequenced<T>} for an element type: a POJO type, so that no Kryo
     * fallback is involved.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> TypeInformation<Resequenced<T>> typeInfo(TypeInformation<T> valueType) {
        Objects.requireNonNull(valueType, "valueType");
        return (TypeInformation)
                Types.POJO(
                        Resequenced.class,
                        Map.of(
                                "value",
                                valueType,
                                "timestamp",
                                Types.LONG,
                                "release",
                                Types.ENUM(Release.class)));
    }
}
