package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorOutput;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyExtractor;
import dev.keyflow.core.KeyExtractors;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.PauseCommand;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.kafka.PauseCommandTopic;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Reads {@link PauseCommand}s from raw Kafka records in the layout of {@link PauseCommandTopic};
 * records that are not commands become error records (stage {@code PAUSE_GATE}).
 */
public final class PauseCommandParser extends ProcessFunction<RawRecord, PauseCommand> {

    private static final long serialVersionUID = 1L;

    private final KeyExtractor keys = KeyExtractors.kafkaKey();
    private transient ErrorOutput errors;

    @Override
    public void open(OpenContext openContext) {
        errors = ErrorOutput.create(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<PauseCommand> out) {
        KeyResult key = keys.extract(raw);
        if (!key.isSuccess()) {
            fail(raw, null, key, ctx);
            return;
        }
        PauseCommand.Action action = actionOf(raw.value());
        if (action == null) {
            fail(
                    raw,
                    key.key(),
                    KeyResult.failure(
                            ErrorReason.MALFORMED_INPUT,
                            "not a pause command: expected PAUSE or RESUME (or a status, PAUSED"
                                    + " or ACTIVE) as the record value"),
                    ctx);
            return;
        }
        out.collect(
                new PauseCommand(
                        key.key(),
                        action,
                        raw.timestamp(),
                        header(raw, PauseCommandTopic.REASON_HEADER),
                        header(raw, PauseCommandTopic.ISSUED_BY_HEADER)));
    }

    /** The action a record value stands for; a tombstone (deleted status) means active. */
    @Nullable
    static PauseCommand.Action actionOf(@Nullable byte[] value) {
        if (value == null) {
            return PauseCommand.Action.RESUME;
        }
        String text = new String(value, StandardCharsets.UTF_8).trim().toUpperCase(Locale.ROOT);
        return switch (text) {
            case "PAUSE", "PAUSED" -> PauseCommand.Action.PAUSE;
            case "RESUME", "ACTIVE" -> PauseCommand.Action.RESUME;
            default -> null;
        };
    }

    @Nullable
    private static String header(RawRecord raw, String name) {
        return raw.lastHeader(name)
                .map(value -> new String(value, StandardCharsets.UTF_8))
                .orElse(null);
    }

    private void fail(RawRecord raw, @Nullable String key, KeyResult failure, Context ctx) {
        errors.emit(
                ErrorRecord.builder(ErrorStage.PAUSE_GATE, failure.reason())
                        .message(failure.message())
                        .fromRaw(raw)
                        .key(key)
                        .time(ctx.timerService().currentProcessingTime())
                        .build(),
                ctx::output);
    }
}
