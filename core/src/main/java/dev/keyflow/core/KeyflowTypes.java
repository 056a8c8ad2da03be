package dev.keyflow.core;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The {@link TypeInformation} of keyflow's record types.
 *
 * <p>All of them are serialized by Flink's POJO serializer; keyflow pipelines run with generic
 * types disabled ({@code pipeline.generic-types: false}) so that a silent Kryo fallback becomes a
 * startup error instead of a slow, unevolvable serializer.
 */
public final class KeyflowTypes {

    public static final TypeInformation<RawRecord> RAW_RECORD = TypeInformation.of(RawRecord.class);
    public static final TypeInformation<Envelope> ENVELOPE = TypeInformation.of(Envelope.class);
    public static final TypeInformation<ErrorRecord> ERROR_RECORD =
            TypeInformation.of(ErrorRecord.class);
    public static final TypeInformation<PauseCommand> PAUSE_COMMAND =
            TypeInformation.of(PauseCommand.class);
    public static final TypeInformation<PauseStatusChange> PAUSE_STATUS_CHANGE =
            TypeInformation.of(PauseStatusChange.class);

    private KeyflowTypes() {}
}
