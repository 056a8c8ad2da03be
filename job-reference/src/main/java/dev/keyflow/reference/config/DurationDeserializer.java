package dev.keyflow.reference.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import java.io.IOException;
import java.time.Duration;

/** Reads a {@link Duration} as {@link Durations} writes it; anything else is a format error. */
final class DurationDeserializer extends StdScalarDeserializer<Duration> {

    private static final long serialVersionUID = 1L;

    DurationDeserializer() {
        super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            String text = p.getText();
            return Durations.parse(text).orElseThrow(() -> notADuration(p, text));
        }
        if (token == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == 0) {
            return Duration.ZERO;
        }
        if (token != null && token.isScalarValue()) {
            throw notADuration(p, p.getText());
        }
        return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
    }

    private static InvalidFormatException notADuration(JsonParser p, String text) {
        return InvalidFormatException.from(p, "not a duration", text, Duration.class);
    }
}
